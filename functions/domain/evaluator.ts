// The evaluator: given every grant a user holds in one organization (loaded by one Query) and the
// facts of the resource, decide whether an action is allowed and say which grants allowed it.
// Pure: no I/O, no clock.

import {
  ADMINISTRATOR,
  MEMBER_MANAGEMENT,
  PERMISSIONS,
  builtInRole,
  type Permission,
  type RoleDefinition,
  type Scope,
} from './permissions';

export type GrantSource =
  | { kind: 'direct' }
  | { kind: 'team'; teamId: string }
  | { kind: 'default' }
  | { kind: 'administrator' };

/** One role held on one thing. `target` is '' for the org, the app id, the env type id, or `appId/envId`. */
export interface Grant {
  scope: Scope;
  target: string;
  role: string;
  permissions: readonly Permission[];
  via: GrantSource;
}

export interface DefaultRoles {
  /** The org role a user gets on joining (applied once, at join time). */
  orgRole: string;
  /** The role every member holds on every app, including apps created later (applied live). */
  appRole: string | null;
  /** Roles every member holds on these environment types (applied live). */
  envTypeRoles: Record<string, string>;
}

export const INITIAL_DEFAULT_ROLES: DefaultRoles = {
  orgRole: 'Manager',
  appRole: 'Developer',
  envTypeRoles: { development: 'Deployer' },
};

/** Everything the evaluator knows about one user in one organization. */
export interface Subject {
  orgId: string;
  userId: string;
  /** The member's org role, or null if the user is not a member of the organization. */
  orgRole: string | null;
  /** Permissions of a custom org role, copied onto the membership when it was given. */
  orgRolePermissions?: readonly Permission[];
  grants: readonly Grant[];
}

export interface ResourceFacts {
  appId?: string;
  envId?: string;
  /** The environment type of the environment (or of the one being created). */
  envTypeId?: string;
  /** For app deletion: every environment type the app's environments use. */
  appEnvTypes?: readonly string[];
}

export interface Reason {
  via: GrantSource['kind'];
  teamId?: string;
  role: string;
  scope: Scope;
  target: string;
  permission: Permission;
}

export interface Decision {
  allowed: boolean;
  reasons: Reason[];
  /** When denied: each requirement that no grant met, e.g. "envType.deploy on envType production". */
  missing: string[];
}

/** Compound actions need more than one permission; every other action is a single permission. */
export const COMPOUND_ACTIONS = ['env.create', 'env.deploy', 'env.delete', 'app.delete'] as const;

interface Requirement {
  permission: Permission;
  scope: Scope;
  target: string;
  /** Met only by a role held on the environment itself, not by one inherited from the app. */
  envOnly?: boolean;
}
const requirement = (permission: Permission, scope: Scope, target: string, envOnly = false): Requirement => ({
  permission,
  scope,
  target,
  ...(envOnly ? { envOnly } : {}),
});

/** Resolve a role id at a scope to its definition: built-in ones from code, custom ones from the caller. */
export type RoleResolver = (scope: Scope, roleId: string) => RoleDefinition | undefined;
export const builtInOnly: RoleResolver = (scope, id) => builtInRole(scope, id);

/**
 * The subject's grants with defaults and the org role folded in, so every decision looks at one list.
 * Defaults apply live: an app created after the member joined is covered by `appRole`.
 */
export function subjectGrants(
  subject: Subject,
  defaults: DefaultRoles,
  resolve: RoleResolver = builtInOnly,
): Grant[] {
  if (subject.orgRole === null) return [];
  const grants: Grant[] = [...subject.grants];
  const permissions = subject.orgRolePermissions ?? resolve('org', subject.orgRole)?.permissions;
  if (permissions) {
    grants.push({
      scope: 'org',
      target: '',
      role: subject.orgRole,
      permissions,
      via: subject.orgRole === ADMINISTRATOR ? { kind: 'administrator' } : { kind: 'direct' },
    });
  }
  // The authority to grant app roles (Managers) is the authority to manage every app's and every
  // environment's members: said here as a grant, so that the decision and the routes agree.
  for (const g of grants.filter((g) => g.scope === 'org' && g.permissions.includes('apps.grantRoles'))) {
    grants.push({ scope: 'app', target: '*', role: g.role, permissions: MEMBER_MANAGEMENT, via: g.via });
  }
  const appDefault = defaults.appRole ? resolve('app', defaults.appRole) : undefined;
  if (appDefault) {
    grants.push({ scope: 'app', target: '*', role: appDefault.id, permissions: appDefault.permissions, via: { kind: 'default' } });
  }
  for (const [typeId, roleId] of Object.entries(defaults.envTypeRoles)) {
    const r = resolve('envType', roleId);
    if (r) grants.push({ scope: 'envType', target: typeId, role: r.id, permissions: r.permissions, via: { kind: 'default' } });
  }
  return grants;
}

/**
 * The Administrator grant, if the subject is one. Only the membership's own org role makes an
 * Administrator (via 'administrator'): neither a team nor a default can, so the org's administrator
 * count (which keeps at least one) counts every Administrator there is.
 */
export function isAdministrator(grants: readonly Grant[]): Grant | undefined {
  return grants.find((g) => g.scope === 'org' && g.role === ADMINISTRATOR && g.via.kind === 'administrator');
}

/**
 * decide() for a subject loaded for `orgId`: a subject of another organization holds nothing here,
 * whatever it holds there (grants never cross organizations).
 */
export function decideIn(
  orgId: string,
  subject: Subject,
  defaults: DefaultRoles,
  action: string,
  facts: ResourceFacts = {},
  resolve: RoleResolver = builtInOnly,
): Decision {
  const grants = subject.orgId === orgId ? subjectGrants(subject, defaults, resolve) : [];
  return decide(grants, action, facts);
}

const envTarget = (appId: string, envId: string) => `${appId}/${envId}`;
const ENV_PERMISSIONS: ReadonlySet<string> = new Set(PERMISSIONS.env);

/** The grants that give `permission` on the given target, with environment grants overriding app grants. */
function holders(grants: readonly Grant[], req: Requirement): Grant[] {
  const has = (g: Grant) => g.permissions.includes(req.permission);
  switch (req.scope) {
    case 'org':
      return grants.filter((g) => g.scope === 'org' && has(g));
    case 'app': {
      const onApp = grants.filter((g) => g.scope === 'app' && (g.target === req.target || g.target === '*') && has(g));
      if (req.permission !== 'app.read') return onApp;
      // A role on one of the app's environments lets its holder see the app (to reach that environment).
      const prefix = `${req.target}/`;
      return [...onApp, ...grants.filter((g) => g.scope === 'env' && g.target.startsWith(prefix) && g.permissions.length > 0)];
    }
    case 'envType':
      return grants.filter((g) => g.scope === 'envType' && g.target === req.target && has(g));
    case 'env': {
      // An environment role replaces the app role for that environment, upward or downward.
      const envGrants = grants.filter((g) => g.scope === 'env' && g.target === req.target);
      if (envGrants.length > 0 || req.envOnly) return envGrants.filter(has);
      const appId = req.target.slice(0, req.target.indexOf('/'));
      return grants.filter(
        (g) => g.scope === 'app' && (g.target === appId || g.target === '*') && ENV_PERMISSIONS.has(req.permission) && has(g),
      );
    }
  }
}

/** What an action needs, as a list of alternatives (any one suffices) of conjunctions (all needed). */
function requirements(action: string, facts: ResourceFacts): Requirement[][] | string {
  const { appId, envId, envTypeId } = facts;
  const need = (field: string) => `action ${action} needs ${field}`;
  switch (action) {
    case 'env.create': {
      if (!appId) return need('appId');
      if (!envTypeId) return need('envTypeId');
      return [[requirement('env.create', 'app', appId), requirement('envType.deploy', 'envType', envTypeId)]];
    }
    case 'env.deploy':
    case 'env.delete': {
      if (!appId || !envId) return need('appId and envId');
      if (!envTypeId) return need('envTypeId');
      const perm = action as Permission;
      const target = envTarget(appId, envId);
      // Developer or Owner on the app (or the environment's own role) and Deployer on its type; an
      // environment role that itself grants the action stands for the type requirement on that
      // environment ("Viewer on the app, but Deployer on staging").
      return [
        [requirement(perm, 'env', target), requirement('envType.deploy', 'envType', envTypeId)],
        [requirement(perm, 'env', target, true)],
      ];
    }
    case 'app.delete': {
      if (!appId) return need('appId');
      const types = facts.appEnvTypes ?? [];
      return [[requirement('app.delete', 'app', appId), ...types.map((t) => requirement('envType.deploy', 'envType', t))]];
    }
  }
  const scope = (Object.keys(PERMISSIONS) as Scope[]).find((s) => (PERMISSIONS[s] as readonly string[]).includes(action));
  if (!scope) return `unknown action ${action}`;
  const permission = action as Permission;
  if (scope === 'org') return [[requirement(permission, 'org', '')]];
  if (scope === 'envType') return envTypeId ? [[requirement(permission, 'envType', envTypeId)]] : need('envTypeId');
  if (scope === 'app' && !ENV_PERMISSIONS.has(permission)) return appId ? [[requirement(permission, 'app', appId)]] : need('appId');
  if (!appId || !envId) return need('appId and envId');
  return [[requirement(permission, 'env', envTarget(appId, envId))]];
}

export class UnknownActionError extends Error {}

/** May this subject do `action` on the resource? Throws UnknownActionError for actions or facts that make no sense. */
export function decide(grants: readonly Grant[], action: string, facts: ResourceFacts = {}): Decision {
  const alternatives = requirements(action, facts);
  if (typeof alternatives === 'string') throw new UnknownActionError(alternatives);
  if (grants.length === 0) {
    return { allowed: false, reasons: [], missing: ['membership of the organization'] };
  }
  const admin = isAdministrator(grants);
  if (admin) {
    const permission = (alternatives[0]?.[0]?.permission ?? 'org.read') as Permission;
    return { allowed: true, reasons: [reasonOf(admin, permission)], missing: [] };
  }
  let firstMissing: string[] = [];
  for (const [i, all] of alternatives.entries()) {
    const reasons: Reason[] = [];
    const missing: string[] = [];
    for (const req of all) {
      const found = holders(grants, req);
      if (found.length === 0) missing.push(`${req.permission} on ${describe(req.scope, req.target)}`);
      else reasons.push(...found.map((g) => reasonOf(g, req.permission)));
    }
    if (missing.length === 0) return { allowed: true, reasons: dedupe(reasons), missing: [] };
    if (i === 0) firstMissing = missing;
  }
  return { allowed: false, reasons: [], missing: firstMissing };
}

/**
 * The permissions a subject effectively holds at one scope and target, for grant ceilings (no one
 * grants what they do not hold). Conservative: at app scope only app roles count (an environment
 * role's visibility of its app does not), and on an environment whose type is not given, deploying
 * and deleting count only when an environment role holds them itself.
 */
export function effectivePermissions(grants: readonly Grant[], scope: Scope, target: string, facts: ResourceFacts = {}): Set<Permission> {
  if (isAdministrator(grants)) return new Set<Permission>(PERMISSIONS[scope]);
  const result = new Set<Permission>();
  for (const permission of PERMISSIONS[scope] as readonly Permission[]) {
    if (heldAt(grants, permission, scope, target, facts)) result.add(permission);
  }
  return result;
}

function heldAt(grants: readonly Grant[], permission: Permission, scope: Scope, target: string, facts: ResourceFacts): boolean {
  switch (scope) {
    case 'org':
    case 'envType':
      return holders(grants, requirement(permission, scope, target)).length > 0;
    case 'app':
      return grants.some((g) => g.scope === 'app' && (g.target === target || g.target === '*') && g.permissions.includes(permission));
    case 'env': {
      if (permission !== 'env.deploy' && permission !== 'env.delete') return holders(grants, requirement(permission, 'env', target)).length > 0;
      if (!facts.envTypeId) return holders(grants, requirement(permission, 'env', target, true)).length > 0;
      const slash = target.indexOf('/');
      return decide(grants, permission, { appId: target.slice(0, slash), envId: target.slice(slash + 1), envTypeId: facts.envTypeId }).allowed;
    }
  }
}

function reasonOf(g: Grant, permission: Permission): Reason {
  return {
    via: g.via.kind,
    ...(g.via.kind === 'team' ? { teamId: g.via.teamId } : {}),
    role: g.role,
    scope: g.scope,
    target: g.target,
    permission,
  };
}

function dedupe(reasons: Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const key = JSON.stringify(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function describe(scope: Scope, target: string): string {
  if (scope === 'org') return 'the organization';
  if (scope === 'app') return target === '*' ? 'every app' : `app ${target}`;
  if (scope === 'envType') return `environment type ${target}`;
  return `environment ${target}`;
}

/** One reason in words: which grant allowed it, e.g. "team platform: Developer on app shop". */
export function describeReason(r: Reason): string {
  const source = r.via === 'team' ? `team ${r.teamId}` : r.via;
  return `${source}: ${r.role} on ${describe(r.scope, r.target)}`;
}

/** Every action the evaluator answers: each permission (compound ones included). */
export const ACTIONS: readonly Permission[] = [...new Set(Object.values(PERMISSIONS).flat())] as Permission[];

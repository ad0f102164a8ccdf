// Who may call a route, derived from the route table and the role definitions: the declared
// permission decided by the evaluator (functions/domain/evaluator.ts `decide`) over the grants the
// caller holds (an org role from BUILT_IN_ROLES, a custom org role's permissions, an org role held
// through a team) with the organization's initial default roles. Routes whose operation checks more
// than the declared action carry their expectation in OPERATION_RULES, with the reason.

import { INITIAL_DEFAULT_ROLES, decide, subjectGrants, type Grant, type ResourceFacts } from '../../../functions/domain/evaluator';
import { builtInRole, type Permission } from '../../../functions/domain/permissions';
import type { RouteSpec } from '../../../functions/http/route';
import { SWEEP_CUSTOM_ROLE, SWEEP_TEAM, type MemberCaller, type OrgRoleCaller } from './world';

export type Caller = MemberCaller | 'outsider' | 'anonymous';
/** Least privileged first, so refusals are tried before a success changes the world. */
export const CALLERS: readonly Caller[] = ['anonymous', 'outsider', 'Member', 'ArtifactContributor', 'CustomOrgRole', 'ManagerViaTeam', 'Manager', 'Administrator'];

/** How each member caller holds what they hold: their membership's org role, and roles from teams. */
export const CALLER_PROFILES: Record<MemberCaller, { orgRole: string; orgRolePermissions?: readonly Permission[]; teamGrants: Grant[] }> = {
  Member: { orgRole: 'Member', teamGrants: [] },
  ArtifactContributor: { orgRole: 'ArtifactContributor', teamGrants: [] },
  Manager: { orgRole: 'Manager', teamGrants: [] },
  Administrator: { orgRole: 'Administrator', teamGrants: [] },
  CustomOrgRole: { orgRole: SWEEP_CUSTOM_ROLE.id, orgRolePermissions: SWEEP_CUSTOM_ROLE.permissions, teamGrants: [] },
  ManagerViaTeam: {
    orgRole: 'Member',
    teamGrants: [
      { scope: 'org', target: '', role: SWEEP_TEAM.orgRole, permissions: builtInRole('org', SWEEP_TEAM.orgRole)!.permissions, via: { kind: 'team', teamId: SWEEP_TEAM.id } },
    ],
  },
};

/** The grants a member caller has, defaults folded in (what accessFor builds from their collection). */
export function grantsOfCaller(caller: MemberCaller, orgId = 'o'): Grant[] {
  const p = CALLER_PROFILES[caller];
  return subjectGrants(
    { orgId, userId: 'u', orgRole: p.orgRole, ...(p.orgRolePermissions ? { orgRolePermissions: [...p.orgRolePermissions] } : {}), grants: p.teamGrants },
    INITIAL_DEFAULT_ROLES,
  );
}

export interface Expectation {
  outcome: 'succeeds' | 'refused';
  /** The statuses that count as this outcome. */
  statuses: readonly number[];
  code?: string;
  why: string;
}

/** The grants a member holding only an org role has, defaults folded in (what accessFor builds). */
export function grantsOfRole(role: OrgRoleCaller, orgId = 'o') {
  return subjectGrants({ orgId, userId: 'u', orgRole: role, grants: [] }, INITIAL_DEFAULT_ROLES);
}

/** The facts the shared stack passes for a route's path (functions/http/api.ts), plus what the world made. */
export function factsOf(params: Record<string, string>): ResourceFacts {
  return {
    ...(params.appId ? { appId: params.appId } : {}),
    ...(params.envId ? { envId: params.envId } : {}),
    // Environments of the world are created with type 'development'; env-type routes name theirs.
    ...(params.typeId ? { envTypeId: params.typeId } : params.envId ? { envTypeId: 'development' } : {}),
  };
}

/** A rule decided by the evaluator: allowed iff the caller's grants allow `action`. */
const byAction = (action: string, why: string) => (caller: MemberCaller, facts: ResourceFacts) => ({
  allowed: decide(grantsOfCaller(caller), action, facts).allowed,
  why: `${why} (${action} decided by the evaluator)`,
});

/** What a sweep request may need from the world besides its path: an app of the org, say. */
export interface SweepWorld {
  paramsFor(route: { path: string }): Promise<Record<string, string>>;
}

export interface OperationRule {
  note: string;
  rule: (caller: MemberCaller, facts: ResourceFacts) => { allowed: boolean; why: string };
  /** The body to send instead of the schema's canonical one. */
  body?: (world: SweepWorld) => Promise<Record<string, unknown>>;
  /** The query to send instead of the canonical one. */
  query?: (world: SweepWorld) => Promise<string>;
}

/**
 * Inviting gives the invitation's org role (none in the sweep's body: the org's default, initially
 * Manager) at accept: besides members.invite, that role must be within the caller's own org
 * permissions (wherever they hold them: membership, custom role, team), unless they are Administrator.
 */
const invitesDefaultRole = (why: string) => (caller: MemberCaller, facts: ResourceFacts) => {
  const base = byAction('members.invite', why)(caller, facts);
  const own = new Set(grantsOfCaller(caller).filter((g) => g.scope === 'org').flatMap((g) => g.permissions));
  const role = INITIAL_DEFAULT_ROLES.orgRole;
  const within = CALLER_PROFILES[caller].orgRole === 'Administrator' || builtInRole('org', role)!.permissions.every((p) => own.has(p));
  return { allowed: base.allowed && within, why: `${base.why}, and the invited role (the default, ${role}) within the caller's own org permissions: ${within}` };
};

const worldApp = async (w: SweepWorld) => (await w.paramsFor({ path: '/v1/orgs/{orgId}/apps/{appId}' })).appId!;
const teamAppViewer = async (w: SweepWorld) => ({ scope: 'app', appId: await worldApp(w), role: 'Viewer' });

/**
 * Routes whose operation decides more than (or other than) the route's declared permission, by
 * operationId, with why. Each sweep request acts on the world's `target` user (a plain Member); a
 * DELETE whose path has a PUT twin is arranged by that PUT (as the Administrator) before each caller.
 * Members hold the initial defaults: Developer on every app, Deployer on `development`.
 */
export const OPERATION_RULES: Record<string, OperationRule> = {
  setMemberRole: {
    note: "declares org.read; the operation lets only Administrators (by their membership's own role: neither a team nor a custom role makes one) change the org role of others (anyone may lower their own); the sweep raises the target Member to ArtifactContributor",
    rule: (caller) => ({ allowed: CALLER_PROFILES[caller].orgRole === 'Administrator', why: 'only Administrators change the org role of another member' }),
    body: async () => ({ role: 'ArtifactContributor' }),
  },
  removeMember: {
    note: 'declares org.read; removing someone else needs members.remove (Managers, Administrators), and only Administrators remove Administrators; the sweep removes a plain Member',
    rule: byAction('members.remove', 'removing another member needs members.remove'),
  },
  setAppMember: {
    note: 'declares app.manageMembers, which the evaluator gives app Owners and Managers (apps.grantRoles: Administrators and Managers grant app roles); the sweep grants Viewer on an app the Administrator created (the others are Developer there by default)',
    rule: byAction('app.manageMembers', 'app Owners and Managers grant app roles'),
  },
  removeAppMember: {
    note: 'declares app.manageMembers; removing needs the authority to give the role; the sweep first grants the target Viewer, then removes it',
    rule: byAction('app.manageMembers', 'app Owners and Managers remove app roles'),
  },
  setEnvMember: {
    note: 'declares env.manageMembers, which the evaluator gives environment and app Owners and Managers; the sweep grants Viewer on a development environment',
    rule: byAction('env.manageMembers', 'env Owners and Managers grant environment roles'),
  },
  removeEnvMember: {
    note: 'declares env.manageMembers; the same authority as granting; the sweep first grants the target Viewer on the environment',
    rule: byAction('env.manageMembers', 'env Owners and Managers remove environment roles'),
  },
  removeEnvTypeMember: {
    note: 'declares envTypes.manage (operation: anyone may drop their own); the sweep first makes the target Deployer on a new type, then removes it',
    rule: byAction('envTypes.manage', 'removing a Deployer needs envTypes.manage'),
  },
  createEnv: {
    note: 'declares env.create; the operation adds the type from the body (development): Developer on the app (everyone, by default) and Deployer on development (everyone, by default)',
    rule: (caller, facts) => byAction('env.create', 'env.create with the type from the body')(caller, { ...facts, envTypeId: 'development' }),
  },
  deleteApp: {
    note: 'declares app.delete; the operation adds every type the app uses (none in the sweep): Owner on the app, which only the Administrator (its creator) is',
    rule: (caller, facts) => byAction('app.delete', 'app.delete with the types the app uses')(caller, { ...facts, appEnvTypes: [] }),
  },
  deleteEnv: {
    note: 'declares env.delete; the operation adds the environment\'s type (development): Developer on the app and Deployer on development, which every member holds by default',
    rule: byAction('env.delete', 'env.delete with the environment\'s type'),
  },
  addTeamMember: {
    note: 'declares teams.manage (Administrators), plus the authority to give every role the team holds (the sweep team holds none)',
    rule: byAction('teams.manage', 'Administrators change teams'),
  },
  removeTeamMember: {
    note: 'declares teams.manage; the same authority as adding (anyone may leave unless the team restricts them); the sweep first adds the target to the team',
    rule: byAction('teams.manage', 'Administrators change teams'),
  },
  putTeamGrant: {
    note: 'declares teams.manage, plus the authority to give the role; the sweep gives the team Viewer on an app',
    rule: byAction('teams.manage', 'Administrators give teams roles'),
    body: teamAppViewer,
  },
  deleteTeamGrant: {
    note: 'declares teams.manage; the same authority as giving the role; the sweep first gives the team Viewer on an app, then takes it away',
    rule: byAction('teams.manage', 'Administrators take roles from teams'),
    body: teamAppViewer,
    query: async (w) => `?scope=app&appId=${await worldApp(w)}`,
  },
  createInvitation: {
    note: "declares members.invite; the operation also keeps the invited org role (absent in the sweep's body: the org's default, Manager) within the inviter's own org permissions, unless an Administrator",
    rule: invitesDefaultRole('inviting needs members.invite'),
  },
  resendInvitation: {
    note: 'declares members.invite; a resend gives the role again, so the same ceiling as inviting (the sweep invitation carries the default role)',
    rule: invitesDefaultRole('resending needs members.invite'),
  },
  authorize: {
    note: 'declares org.read (operation: asking about another user needs members.read); the sweep asks about the caller itself: every member may',
    rule: byAction('org.read', 'any member may ask about themself'),
  },
};

export function expectationFor(route: RouteSpec, caller: Caller, params: Record<string, string>): Expectation {
  if (caller === 'anonymous') {
    return route.auth === 'user'
      ? { outcome: 'refused', statuses: [401], code: 'unauthenticated', why: 'no token' }
      : { outcome: 'succeeds', statuses: [200, 201, 204], why: 'public route' };
  }
  if (!route.permission) return { outcome: 'succeeds', statuses: [200, 201, 204], why: 'no permission declared' };
  if (caller === 'outsider') return { outcome: 'refused', statuses: [404], code: 'not_found', why: 'not a member of the org: it is hidden' };
  const facts = factsOf(params);
  const special = OPERATION_RULES[route.operationId];
  const { allowed, why } = special
    ? special.rule(caller, facts)
    : byAction(route.permission.action, `declared permission, check '${route.permission.check}'`)(caller, facts);
  return allowed
    ? { outcome: 'succeeds', statuses: [route.status ?? 200, 200, 201, 204], why }
    : { outcome: 'refused', statuses: [403], code: 'forbidden', why };
}

/**
 * The org-role rows of the roles issue's matrix (DESIGN.md §1, "Organization roles"), written out
 * independently of BUILT_IN_ROLES so the derivation above is checked against the product's words.
 */
export const ORG_ROLE_MATRIX: Record<string, Record<OrgRoleCaller, boolean>> = {
  'org.read': { Member: true, ArtifactContributor: true, Manager: true, Administrator: true },
  'members.read': { Member: true, ArtifactContributor: true, Manager: true, Administrator: true },
  'artifacts.write': { Member: false, ArtifactContributor: true, Manager: true, Administrator: true },
  'registry.readCredentials': { Member: false, ArtifactContributor: true, Manager: true, Administrator: true },
  'members.invite': { Member: false, ArtifactContributor: false, Manager: true, Administrator: true },
  'members.remove': { Member: false, ArtifactContributor: false, Manager: true, Administrator: true },
  'tokens.issue': { Member: false, ArtifactContributor: false, Manager: true, Administrator: true },
  'apps.create': { Member: false, ArtifactContributor: false, Manager: true, Administrator: true },
  'apps.grantRoles': { Member: false, ArtifactContributor: false, Manager: true, Administrator: true },
  'org.update': { Member: false, ArtifactContributor: false, Manager: false, Administrator: true },
  'org.delete': { Member: false, ArtifactContributor: false, Manager: false, Administrator: true },
  'members.setRole': { Member: false, ArtifactContributor: false, Manager: false, Administrator: true },
  'defaultRoles.update': { Member: false, ArtifactContributor: false, Manager: false, Administrator: true },
  'resources.update': { Member: false, ArtifactContributor: false, Manager: false, Administrator: true },
};

// Grant ceilings: who may give (or take away) which role where, so that no one ends up above their
// own permissions, directly, through teams, through custom roles or through defaults.
//  - Administrators grant anything (they hold everything in the org).
//  - Holders of apps.grantRoles (Managers) grant any app-scope role.
//  - Holders of app.manageMembers on an app (its Owners) grant app roles up to Developer: no role
//    holding app.manageMembers, app.delete or env.manageMembers, and nothing they lack themselves.
//  - Environment roles: Managers any, except that deploying or deleting there (which stands for
//    Deployer on the type) must be theirs; Owners (env.manageMembers there) up to Deployer, within
//    what they effectively hold there (environment type included).
//  - Environment-type roles: only holders of envTypes.manage (Administrators), within their own.
//  - Org-scope roles held by teams: only Administrators, and never Administrator itself (that is a
//    membership role, counted on the org so that one always remains).
//  - Removing a grant needs the same authority as giving it.
//  - No one raises their own access (assertNoSelfRaise); an environment role that takes permissions
//    away from its grantee needs the authority to give them (assertMayRestrict), and its holder may
//    not drop it (or leave the team that holds it) unless they have that authority (widenedAt).
// Pure: the actor's grants come from the one Query; the facts (an environment's type) from the caller.

import { forbidden, validationFailed } from './errors';
import { describe, effectivePermissions, isAdministrator, type DefaultRoles, type Grant } from './evaluator';
import { ADMINISTRATOR, builtInRole, type Permission, type RoleDefinition, type Scope } from './permissions';

/** The role being given: a built-in or a custom role definition (only scope and permissions matter here). */
export type RoleToGrant = Pick<RoleDefinition, 'id' | 'scope' | 'permissions'>;

/** Where: scope and target ('' for the org, app id, env type id, `appId/envId`), and an environment's type. */
export interface GrantTarget {
  scope: Scope;
  target: string;
  /** The environment's type, for environment grants (deploying and deleting depend on it). */
  envTypeId?: string;
}

/** App-role permissions an app Owner may hand out: Developer's, never member management or app deletion. */
const OWNER_MAY_NOT_GRANT: readonly Permission[] = ['app.manageMembers', 'app.delete', 'env.manageMembers'];

function orgPermissions(actor: readonly Grant[]): Set<Permission> {
  return new Set(actor.filter((g) => g.scope === 'org').flatMap((g) => g.permissions));
}

function missingFrom(held: Set<Permission>, wanted: readonly Permission[]): Permission[] {
  return wanted.filter((p) => !held.has(p));
}

/** A role that no one may give there: one of another scope, or Administrator anywhere but a membership. */
function structuralRefusal(role: RoleToGrant, at: GrantTarget): string | undefined {
  if (role.scope !== at.scope) return `${role.id} is a role at ${role.scope} scope, not at ${at.scope} scope.`;
  if (at.scope === 'org' && role.id === ADMINISTRATOR) return "Administrator is given only as a member's own organization role.";
  return undefined;
}

/** Why the actor may not give `role` at `at`, or undefined if they may. */
export function grantRefusal(actor: readonly Grant[], role: RoleToGrant, at: GrantTarget): string | undefined {
  const misplaced = structuralRefusal(role, at);
  if (misplaced) return misplaced;
  if (isAdministrator(actor)) return undefined;
  const org = orgPermissions(actor);
  const where = describe(at.scope, at.target);
  const own = effectivePermissions(actor, at.scope, at.target, at.envTypeId ? { envTypeId: at.envTypeId } : {});
  const above = missingFrom(own, role.permissions);
  switch (at.scope) {
    case 'org':
      return 'Only Administrators give organization roles.';
    case 'envType':
      if (!org.has('envTypes.manage')) return 'Only Administrators give environment-type roles.';
      return above.length ? `You may not grant ${role.id} on ${where}: it holds permissions you do not have there (${above.join(', ')}).` : undefined;
    case 'app': {
      if (org.has('apps.grantRoles')) return undefined;
      if (!own.has('app.manageMembers')) return `You may not grant roles on ${where}: that needs Owner on the app, or Manager.`;
      const reserved = role.permissions.filter((p) => OWNER_MAY_NOT_GRANT.includes(p));
      if (reserved.length) return `An app Owner grants roles up to Developer; ${role.id} holds ${reserved.join(', ')}. Ask a Manager or an Administrator.`;
      return above.length ? `You may not grant ${role.id} on ${where}: it holds permissions you do not have there (${above.join(', ')}).` : undefined;
    }
    case 'env': {
      if (org.has('apps.grantRoles')) {
        // An environment role of their own may restrict a Manager there too (the evaluator agrees).
        if (!own.has('env.manageMembers')) return `You may not grant roles on ${where}: an environment role restricts you there.`;
        // Managers give environment roles as they give app roles, but an environment role that deploys
        // or deletes there stands for Deployer on the type, which is not theirs to give unless they hold it.
        const gated = missingFrom(own, role.permissions.filter((p) => p === 'env.deploy' || p === 'env.delete'));
        return gated.length ? `You may not grant ${role.id} on ${where}: it holds ${gated.join(', ')}, which needs Deployer on the environment's type, and you may not do that there.` : undefined;
      }
      if (!own.has('env.manageMembers')) return `You may not grant roles on ${where}: that needs env.manageMembers there (Owner), or Manager.`;
      // As on apps: an Owner hands out roles up to Deployer, never the management of members.
      if (role.permissions.includes('env.manageMembers')) {
        return `An Owner grants environment roles up to Deployer; ${role.id} holds env.manageMembers. Ask a Manager or an Administrator.`;
      }
      return above.length ? `You may not grant ${role.id} on ${where}: it holds permissions you do not have there (${above.join(', ')}).` : undefined;
    }
  }
}

/** Throw forbidden (or validation_failed for a role at the wrong scope) unless the actor may give the role there. */
export function assertMayGrant(actor: readonly Grant[], role: RoleToGrant, at: GrantTarget): void {
  const refusal = grantRefusal(actor, role, at);
  if (!refusal) return;
  if (structuralRefusal(role, at)) throw validationFailed(refusal);
  throw forbidden(refusal);
}

/** Removing a grant needs the same authority as giving it. */
export const assertMayRevoke = assertMayGrant;

const factsOf = (at: GrantTarget) => (at.envTypeId ? { envTypeId: at.envTypeId } : {});

/**
 * No one raises their own access: a grant to oneself holds nothing one does not hold there already.
 * (Without this, a Manager, who may give any app role, could make themselves Owner of any app.)
 */
export function assertNoSelfRaise(actor: readonly Grant[], role: RoleToGrant, at: GrantTarget): void {
  if (isAdministrator(actor)) return;
  const above = missingFrom(effectivePermissions(actor, at.scope, at.target, factsOf(at)), role.permissions);
  if (above.length) {
    throw forbidden(`You may not raise your own access: ${role.id} on ${describe(at.scope, at.target)} holds ${above.join(', ')}, which you do not hold there. Ask someone else to grant it.`);
  }
}

/**
 * No one restricts themselves either: a role that would take permissions away from oneself on an
 * environment could not be lifted by oneself afterwards (ask someone who may grant there).
 */
export function assertNoSelfRestriction(actor: { before: readonly Grant[]; after: readonly Grant[] }, at: GrantTarget): void {
  if (at.scope !== 'env') return;
  const lost = lostAt(actor.before, actor.after, at);
  if (lost.length) {
    throw forbidden(`This role would take ${lost.join(', ')} on ${describe(at.scope, at.target)} away from you, and you could not give it back. Ask someone who may grant roles there.`);
  }
}

/** The permissions on an environment that `before` holds and `after` does not. */
function lostAt(before: readonly Grant[], after: readonly Grant[], at: GrantTarget): Permission[] {
  const kept = effectivePermissions(after, 'env', at.target, factsOf(at));
  return [...effectivePermissions(before, 'env', at.target, factsOf(at))].filter((p) => !kept.has(p));
}

/**
 * An environment role replaces the app role on that environment, downward too. Giving one that takes
 * permissions away from the grantee there is taking those away: it needs the authority to give them.
 * (Without this, an environment Owner could lock an app Owner out of the environment.)
 */
export function assertMayRestrict(actor: readonly Grant[], grantee: { before: readonly Grant[]; after: readonly Grant[] }, at: GrantTarget): void {
  // Managers may change anyone's app role, so they may restrict it on one environment too.
  if (at.scope !== 'env' || isAdministrator(actor) || orgPermissions(actor).has('apps.grantRoles')) return;
  const lost = lostAt(grantee.before, grantee.after, at);
  if (lost.length === 0) return;
  const refusal = grantRefusal(actor, { id: 'what this role takes away', scope: 'env', permissions: lost }, at);
  if (refusal) throw forbidden(`This role would take ${lost.join(', ')} on ${describe(at.scope, at.target)} away from the member: ${refusal}`);
}

/**
 * Dropping one's own grants (or leaving a team) needs no authority unless it widens one's access: an
 * environment role that restricted one was given by someone with the authority to do so, and only
 * such a person may lift it. The environments where `after` holds more than `before`, and what.
 */
export function widenedAt(before: readonly Grant[], after: readonly Grant[], targets: readonly GrantTarget[]): { at: GrantTarget; permissions: Permission[] }[] {
  return targets
    .filter((at) => at.scope === 'env')
    .map((at) => ({ at, permissions: lostAt(after, before, at) }))
    .filter((w) => w.permissions.length > 0);
}

/** A role a team holds, with the facts of its target. */
export interface HeldRole {
  role: RoleToGrant;
  at: GrantTarget;
}

/**
 * Changing a team (its members, its roles, deleting it) needs teams.manage (the route's declared
 * permission, so the evaluator and the route agree), and the authority to give every role involved:
 * adding someone to a team gives them every role it holds.
 */
export function assertMayChangeTeam(actor: readonly Grant[], involved: readonly HeldRole[]): void {
  for (const { role, at } of involved) {
    const misplaced = structuralRefusal(role, at);
    if (misplaced) throw validationFailed(misplaced);
  }
  if (isAdministrator(actor)) return;
  if (!orgPermissions(actor).has('teams.manage')) throw forbidden('Only Administrators change teams.');
  for (const { role, at } of involved) {
    const refusal = grantRefusal(actor, role, at);
    if (refusal) throw forbidden(`This team holds ${role.id} on ${describe(at.scope, at.target)}: ${refusal}`);
  }
}

/**
 * Defining or deleting a custom role needs roles.manage. Administrators define any; anyone else only
 * organization roles made of permissions they hold themselves.
 */
export function assertMayDefineRole(actor: readonly Grant[], role: RoleToGrant): void {
  if (isAdministrator(actor)) return;
  const org = orgPermissions(actor);
  if (!org.has('roles.manage')) throw forbidden('Only Administrators define roles.');
  if (role.scope !== 'org') throw forbidden('Only Administrators define app, environment-type and environment roles.');
  const above = missingFrom(org, role.permissions);
  if (above.length) throw forbidden(`You may not define a role holding permissions you do not have (${above.join(', ')}).`);
}

/**
 * Default roles apply to every member, the actor included: changing them needs defaultRoles.update,
 * and a non-Administrator may not set defaults above what they hold on every app and type.
 */
export function assertMaySetDefaults(actor: readonly Grant[], defaults: DefaultRoles): void {
  if (isAdministrator(actor)) return;
  const org = orgPermissions(actor);
  if (!org.has('defaultRoles.update')) throw forbidden('Only Administrators change default roles.');
  const wanted: [Scope, string, string][] = [['org', '', defaults.orgRole]];
  if (defaults.appRole) wanted.push(['app', '*', defaults.appRole]);
  for (const [typeId, roleId] of Object.entries(defaults.envTypeRoles)) wanted.push(['envType', typeId, roleId]);
  for (const [scope, target, roleId] of wanted) {
    const def = builtInRole(scope, roleId);
    if (!def) continue;
    const above = missingFrom(effectivePermissions(actor, scope, target), def.permissions);
    if (above.length) throw forbidden(`You may not make ${roleId} a default on ${describe(scope, target)}: you lack ${above.join(', ')}.`);
  }
}

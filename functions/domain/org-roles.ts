// The organization-role rules, as pure decisions over the actor's grants and the target's membership.
//  - Only Administrators change org roles of others.
//  - A Manager (anyone with members.invite or members.remove) never grants a role above their own and
//    never removes or demotes an Administrator.
//  - There is always at least one Administrator: that one is enforced by the store's transaction on
//    the org's administrator count, because only the database sees concurrent requests.

import { forbidden, validationFailed } from './errors';
import { isAdministrator, type Grant } from './evaluator';
import type { Membership } from './model';
import { ADMINISTRATOR, builtInRole, type Permission } from './permissions';

function orgPermissions(actor: readonly Grant[]): Set<Permission> {
  return new Set(actor.filter((g) => g.scope === 'org').flatMap((g) => g.permissions));
}

/**
 * May the actor give `role` (with `permissions`) as an org role, by invitation or role change?
 * Administrators may give any role; others only roles whose permissions they hold all of themselves.
 */
export function assertMayGrantOrgRole(actor: readonly Grant[], role: string, permissions: readonly Permission[]): void {
  if (isAdministrator(actor)) return;
  if (role === ADMINISTRATOR) throw forbidden('Only Administrators may make someone an Administrator.');
  const own = orgPermissions(actor);
  const above = permissions.filter((p) => !own.has(p));
  if (above.length > 0) {
    throw forbidden(`You may not grant ${role}: it holds permissions you do not have (${above.join(', ')}).`);
  }
}

/** Only Administrators change the org role of others; anyone may step down their own role. */
export function assertMayChangeOrgRole(actor: readonly Grant[], actorId: string, target: Membership): void {
  if (isAdministrator(actor)) return;
  if (actorId === target.userId) return;
  throw forbidden('Only Administrators may change the organization role of other members.');
}

/**
 * Stepping down: a non-Administrator may only lower their own role. Compared with the membership's
 * own role, not with everything the actor holds: an org role held through a team lasts only while
 * they are in the team, and must not become their own.
 */
export function assertSelfChangeIsDownward(actor: readonly Grant[], actorId: string, target: Membership, newPermissions: readonly Permission[]): void {
  if (isAdministrator(actor) || actorId !== target.userId) return;
  const own = new Set(target.permissions ?? builtInRole('org', target.role)?.permissions ?? []);
  if (newPermissions.some((p) => !own.has(p))) throw forbidden('You may not raise your own organization role.');
}

/**
 * May the actor remove the member? Everyone may leave; removing others needs members.remove, and
 * only Administrators remove Administrators.
 */
export function assertMayRemoveMember(actor: readonly Grant[], actorId: string, target: Membership): void {
  if (actorId === target.userId) return;
  if (isAdministrator(actor)) return;
  if (!orgPermissions(actor).has('members.remove')) throw forbidden('You may not remove members of this organization.');
  if (target.role === ADMINISTRATOR) throw forbidden('Only Administrators may remove an Administrator.');
}

/** The permissions of a built-in org role, or a validation error naming the choices. */
export function builtInOrgRole(role: string): readonly Permission[] {
  const def = builtInRole('org', role);
  if (!def) throw validationFailed(`Unknown organization role ${role}.`);
  return def.permissions;
}

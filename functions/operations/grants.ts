// Use cases for direct role grants on apps, environment types and environments, and the sweep that
// removes every grant of a deleted app or environment.
// Primary adapter: functions/http/apps.ts. Secondary adapters: functions/store/{grants,apps,teams}.ts.

import { forbidden, notFound } from '../domain/errors';
import { describe, type Grant } from '../domain/evaluator';
import {
  assertMayGrant,
  assertMayRestrict,
  assertMayRevoke,
  assertNoSelfRaise,
  assertNoSelfRestriction,
  widenedAt,
  type GrantTarget,
  type RoleToGrant,
} from '../domain/grant-policy';
import { builtInRole, type Scope } from '../domain/permissions';
import { clock } from '../lib/clock';
import { scopeChecks } from '../store/apps';
import * as grants from '../store/grants';
import { getSubjectCollection, type StoredGrant } from '../store/subjects';
import * as teams from '../store/teams';
import { withFreshReads } from '../store/transact';
import { grantsOf, type Access } from './access';
import { requireRole } from './roles';

export interface GrantView {
  userId: string;
  scope: Scope;
  target: string;
  role: string;
}

/** The role a stored grant holds, as the grant policy sees it. */
export function heldRole(g: StoredGrant): RoleToGrant {
  return { id: g.role, scope: g.scope, permissions: g.permissions ?? builtInRole(g.scope, g.role)?.permissions ?? [] };
}

/**
 * Input: the caller's access, a member, a target, a role id (built-in or custom).
 * Primary course: resolve the role, check the caller may give it there (and may take away the one it
 * replaces), then write it with the member's version bump and the target's existence check.
 */
export async function grantRole(access: Access, userId: string, at: GrantTarget, roleId: string): Promise<GrantView> {
  const orgId = access.org.orgId;
  const role = await requireRole(orgId, at.scope, roleId);
  assertMayGrant(access.grants, role, at);
  const self = userId === access.identity.userId;
  if (self) assertNoSelfRaise(access.grants, role, at);
  return withFreshReads(async () => {
    const previous = await grants.getUserGrant(orgId, userId, at.scope, at.target);
    if (previous && previous.role !== role.id) assertMayRevoke(access.grants, heldRole(previous), at);
    // An environment role replaces the app role there: what it takes away must be the caller's to take
    // (and no one takes it from themselves: they could not give it back).
    await assertAddingKeepsAuthority(
      access,
      userId,
      [{ scope: at.scope, target: at.target, role: role.id, permissions: role.permissions, via: { kind: 'direct' } }],
      [at],
      (g) => g.via.kind === 'direct' && g.scope === at.scope && g.target === at.target,
    );
    await grants.putUserGrant({
      orgId,
      userId,
      grant: { scope: at.scope, target: at.target, role: role.id, ...(role.builtIn ? {} : { permissions: [...role.permissions] }) },
      ...(previous ? { previous } : {}),
      checks: scopeChecks(orgId, at.scope, at.target),
      grantedAt: clock.iso(),
      grantedBy: access.identity.userId,
    });
    return { userId, scope: at.scope, target: at.target, role: role.id };
  });
}

/** A member's grants in the caller's org (one Query), as the evaluator sees them. */
export async function memberGrants(access: Access, userId: string): Promise<Grant[]> {
  const collection = await getSubjectCollection(access.org.orgId, userId);
  if (!collection.membership) throw notFound(`The member ${userId}`);
  return grantsOf(access.org, collection);
}

/**
 * Giving a member these grants (a team's copies, say) must not take from them on an environment what
 * the caller could not take away directly (assertMayRestrict), nor from the caller themselves.
 */
export async function assertAddingKeepsAuthority(
  access: Access,
  userId: string,
  added: Grant[],
  targets: GrantTarget[],
  replaced: (g: Grant) => boolean = () => false,
): Promise<void> {
  const envTargets = targets.filter((t) => t.scope === 'env');
  if (envTargets.length === 0) return;
  const self = userId === access.identity.userId;
  // Administrators and Managers may restrict anyone (assertMayRestrict): no need to read the member.
  if (!self && (access.isAdministrator || access.decide('apps.grantRoles').allowed)) return;
  const before = self ? access.grants : await memberGrants(access, userId);
  const after = [...before.filter((g) => !replaced(g)), ...added];
  for (const at of envTargets) {
    if (self) assertNoSelfRestriction({ before, after }, at);
    else assertMayRestrict(access.grants, { before, after }, at);
  }
}

/** Take a member's direct grant away: the same authority as giving it, except that anyone may drop their own. */
export async function revokeRole(access: Access, userId: string, at: GrantTarget): Promise<void> {
  const orgId = access.org.orgId;
  await withFreshReads(async () => {
    const previous = await grants.getUserGrant(orgId, userId, at.scope, at.target);
    if (!previous) throw notFound(`A role of ${userId} there`);
    if (userId !== access.identity.userId) assertMayRevoke(access.grants, heldRole(previous), at);
    else assertMayDropOwn(access, [at], (g) => g.via.kind === 'direct' && g.scope === at.scope && g.target === at.target, () => assertMayRevoke(access.grants, heldRole(previous), at));
    await grants.deleteUserGrant(orgId, userId, previous);
  });
}

/**
 * Anyone may drop their own grants, unless that widens their access: an environment role that
 * restricted them is lifted only by someone with the authority to (`authority` throws if the caller
 * lacks it).
 */
export function assertMayDropOwn(access: Access, targets: GrantTarget[], dropped: (g: Grant) => boolean, authority: () => void): void {
  const widened = widenedAt(access.grants, access.grants.filter((g) => !dropped(g)), targets);
  if (widened.length === 0) return;
  try {
    authority();
  } catch (err) {
    const what = widened.map((w) => `${w.permissions.join(', ')} on ${describe(w.at.scope, w.at.target)}`).join('; ');
    throw forbidden(`This role restricts you: without it you would regain ${what}. Ask an Owner or a Manager to change it.`, { cause: (err as Error).message });
  }
}

export interface ScopeMembersView {
  users: { userId: string; role: string }[];
  teams: { teamId: string; role: string }[];
}

/** Who holds a role on this target, directly or as a team (byScope index). */
export async function listScopeMembers(access: Access, scope: Scope, target: string): Promise<ScopeMembersView> {
  const holders = await grants.listScopeHolders(access.org.orgId, scope, target);
  return {
    users: holders.users.map((u) => ({ userId: u.userId, role: u.role })),
    teams: holders.teams.map((t) => ({ teamId: t.teamId, role: t.role })),
  };
}

class Gone extends Error {}

/**
 * Remove every grant on a target that is being deleted (it is marked, so no grant can be added):
 * users' direct grants (custom roles counted out) and teams' grants with their members' copies.
 */
export async function sweepGrants(orgId: string, scope: Scope, target: string): Promise<void> {
  const holders = await grants.listScopeHolders(orgId, scope, target);
  for (const g of holders.users) {
    await grants.deleteUserGrant(orgId, g.userId, g, () => new Gone()).catch((err: unknown) => {
      if (!(err instanceof Gone)) throw err;
    });
  }
  for (const t of holders.teams) {
    await withFreshReads(async () => {
      const state = await teams.getTeamState(orgId, t.teamId);
      const held = state?.grants.find((g) => g.scope === scope && g.target === target);
      if (state && held) await teams.deleteTeamGrant(state, held);
    });
  }
}

/** Only an Administrator or a Manager asks about someone else's access. */
export function assertMayInspect(access: Access, userId: string): void {
  if (userId === access.identity.userId) return;
  if (!access.decide('apps.grantRoles').allowed) {
    throw forbidden('Only Administrators and Managers ask about the access of another user.');
  }
}


// Use cases for teams: a team holds roles like a user does; they are copied to its members on write.
// Primary adapter: functions/http/teams.ts. Secondary adapter: functions/store/teams.ts.

import { DomainError, conflict, notFound, validationFailed } from '../domain/errors';
import type { Grant } from '../domain/evaluator';
import { assertMayChangeTeam, assertNoSelfRaise, type GrantTarget, type HeldRole } from '../domain/grant-policy';
import type { Scope } from '../domain/permissions';
import { clock } from '../lib/clock';
import { getEnv, scopeChecks } from '../store/apps';
import * as store from '../store/teams';
import { StaleRead, withFreshReads } from '../store/transact';
import { logger } from '../http/logger';
import type { Access } from './access';
import { assertAddingKeepsAuthority, assertMayDropOwn, heldRole } from './grants';
import { requireRole } from './roles';

export interface TeamView {
  teamId: string;
  name: string;
  createdAt: string;
  members?: { userId: string; addedAt: string }[];
  grants?: { scope: Scope; target: string; role: string }[];
}

const teamView = (t: store.Team): TeamView => ({ teamId: t.teamId, name: t.name, createdAt: t.createdAt });
const stateView = (s: store.TeamState): TeamView => ({
  ...teamView(s.team),
  members: s.members,
  grants: s.grants.map((g) => ({ scope: g.scope, target: g.target, role: g.role })),
});

/** The copy of a team grant a member holds, as the evaluator sees it. */
const copyOf = (teamId: string, g: store.TeamGrant): Grant => ({
  scope: g.scope,
  target: g.target,
  role: g.role,
  permissions: heldRole(g).permissions,
  via: { kind: 'team', teamId },
});

const held = (g: store.TeamGrant): HeldRole => ({
  role: heldRole(g),
  at: { scope: g.scope, target: g.target, ...(g.envTypeId ? { envTypeId: g.envTypeId } : {}) },
});

async function requireState(orgId: string, teamId: string): Promise<store.TeamState> {
  const state = await store.getTeamState(orgId, teamId);
  if (!state || state.team.deleting) throw notFound(`The team ${teamId}`);
  return state;
}

export async function createTeam(access: Access, input: { id: string; name: string }): Promise<TeamView> {
  const team = { orgId: access.org.orgId, teamId: input.id, name: input.name, createdAt: clock.iso() };
  await store.createTeam(team);
  return teamView({ ...team, version: 0 });
}

export async function listTeams(access: Access): Promise<TeamView[]> {
  return (await store.listTeams(access.org.orgId)).filter((t) => !t.deleting).map(teamView);
}

export async function getTeam(access: Access, teamId: string): Promise<TeamView> {
  return stateView(await requireState(access.org.orgId, teamId));
}

/**
 * Add a member. Adding someone to a team gives them every role it holds, so the caller needs the
 * authority to give each. One transaction: the team's version, the member's version, their copies.
 */
export async function addMember(access: Access, teamId: string, userId: string): Promise<TeamView> {
  const orgId = access.org.orgId;
  return withFreshReads(async () => {
    const state = await requireState(orgId, teamId);
    const involved = state.grants.map(held);
    assertMayChangeTeam(access.grants, involved);
    if (state.members.some((m) => m.userId === userId)) return stateView(state);
    // Joining a team oneself is giving oneself its roles: none may be above one's own.
    if (userId === access.identity.userId) for (const h of involved) assertNoSelfRaise(access.grants, h.role, h.at);
    // Its environment roles replace the member's app role there: as if given directly.
    await assertAddingKeepsAuthority(access, userId, state.grants.map((g) => copyOf(teamId, g)), involved.map((h) => h.at));
    if (state.members.length >= store.MAX_TEAM_MEMBERS) {
      throw conflict(`A team has at most ${store.MAX_TEAM_MEMBERS} members (one change must fit one transaction): split the team.`);
    }
    await store.addTeamMember(state, userId, clock.iso());
    return stateView({ ...state, members: [...state.members, { userId, addedAt: clock.iso() }] });
  });
}

/** Remove a member with their copies; the same authority as adding, except that anyone may leave. */
export async function removeMember(access: Access, teamId: string, userId: string): Promise<void> {
  const orgId = access.org.orgId;
  await withFreshReads(async () => {
    const state = await store.getTeamState(orgId, teamId);
    if (!state) throw notFound(`The team ${teamId}`);
    const involved = state.grants.map(held);
    if (userId !== access.identity.userId) assertMayChangeTeam(access.grants, involved);
    else {
      // Anyone may leave, unless the team's environment role restricted them (leaving would lift it).
      const fromTeam = (g: Grant) => g.via.kind === 'team' && g.via.teamId === teamId;
      assertMayDropOwn(access, involved.map((h) => h.at), fromTeam, () => assertMayChangeTeam(access.grants, involved));
    }
    if (!state.members.some((m) => m.userId === userId)) throw notFound(`The member ${userId} of team ${teamId}`);
    await store.removeTeamMember(state, userId);
  });
}

/** Where a team grant goes, from the request's scope and ids. */
export async function grantTarget(orgId: string, input: { scope: Scope; appId?: string; envId?: string; envTypeId?: string }): Promise<GrantTarget> {
  switch (input.scope) {
    case 'org':
      return { scope: 'org', target: '' };
    case 'app':
      if (!input.appId) throw validationFailed('An app grant needs appId.');
      return { scope: 'app', target: input.appId };
    case 'envType':
      if (!input.envTypeId) throw validationFailed('An environment-type grant needs envTypeId.');
      return { scope: 'envType', target: input.envTypeId };
    case 'env': {
      if (!input.appId || !input.envId) throw validationFailed('An environment grant needs appId and envId.');
      const env = await getEnv(orgId, input.appId, input.envId);
      if (!env) throw notFound(`The environment ${input.appId}/${input.envId}`);
      return { scope: 'env', target: `${input.appId}/${input.envId}`, envTypeId: env.envTypeId };
    }
  }
}

/** Give the team a role at a scope (replacing its role there), copied to every member in one transaction. */
export async function putGrant(
  access: Access,
  teamId: string,
  input: { scope: Scope; appId?: string; envId?: string; envTypeId?: string; role: string },
): Promise<TeamView> {
  const orgId = access.org.orgId;
  const at = await grantTarget(orgId, input);
  const role = await requireRole(orgId, at.scope, input.role);
  return withFreshReads(async () => {
    const state = await requireState(orgId, teamId);
    const previous = state.grants.find((g) => g.scope === at.scope && g.target === at.target);
    assertMayChangeTeam(access.grants, [{ role, at }, ...(previous ? [held(previous)] : [])]);
    if (!previous && state.grants.length >= store.MAX_TEAM_GRANTS) {
      throw conflict(`A team holds at most ${store.MAX_TEAM_GRANTS} roles (one change must fit one transaction).`);
    }
    const grant: store.TeamGrant = {
      scope: at.scope,
      target: at.target,
      role: role.id,
      ...(role.builtIn ? {} : { permissions: [...role.permissions] }),
      ...(at.envTypeId ? { envTypeId: at.envTypeId } : {}),
    };
    // A caller in the team gives the role to themselves too.
    if (state.members.some((m) => m.userId === access.identity.userId)) assertNoSelfRaise(access.grants, role, at);
    // An environment role replaces each member's app role there: as if given to each directly.
    if (at.scope === 'env') {
      const sameTarget = (g: Grant) => g.via.kind === 'team' && g.via.teamId === teamId && g.scope === at.scope && g.target === at.target;
      await Promise.all(state.members.map((m) => assertAddingKeepsAuthority(access, m.userId, [copyOf(teamId, grant)], [at], sameTarget)));
    }
    await store.putTeamGrant(state, grant, scopeChecks(orgId, at.scope, at.target), clock.iso());
    return stateView({ ...state, grants: [...state.grants.filter((g) => g !== previous), grant] });
  });
}

export async function deleteGrant(access: Access, teamId: string, input: { scope: Scope; appId?: string; envId?: string; envTypeId?: string }): Promise<void> {
  const orgId = access.org.orgId;
  const target = input.scope === 'env' ? `${input.appId ?? ''}/${input.envId ?? ''}` : input.scope === 'app' ? input.appId : input.scope === 'envType' ? input.envTypeId : '';
  if (target === undefined || target === '/') throw validationFailed(`A ${input.scope} grant needs its ids.`);
  await withFreshReads(async () => {
    const state = await requireState(orgId, teamId);
    const previous = state.grants.find((g) => g.scope === input.scope && g.target === target);
    if (!previous) throw notFound(`A role of team ${teamId} there`);
    assertMayChangeTeam(access.grants, [held(previous)]);
    await store.deleteTeamGrant(state, previous);
  });
}

/**
 * How long a DELETE request works on a team before it leaves the rest to the scheduled job: the API
 * Lambda has 10 s. A full team (90 members, 90 grants) is thousands of item deletes.
 */
const REQUEST_BUDGET_MS = 6_000;

/**
 * Delete a team: the authority to take away every role it holds. Mark it (nothing can be added from
 * then on, and the scheduled job finishes the deletion if this request dies or runs out of time), then
 * take its grants away first, several at once, each with every member's copy, so the team authorizes
 * nothing as early as possible; then remove the members in batches under the team's lock, then the item.
 * A team being deleted stays hidden (404 on GET, left out of the list); DELETE on it again is allowed
 * and continues the deletion where it stopped.
 */
export async function deleteTeam(access: Access, teamId: string): Promise<void> {
  const deadline = Date.now() + REQUEST_BUDGET_MS;
  const orgId = access.org.orgId;
  await withFreshReads(async () => {
    const state = await store.getTeamState(orgId, teamId);
    if (!state) throw notFound(`The team ${teamId}`);
    assertMayChangeTeam(access.grants, state.grants.map(held));
    if (!state.team.deleting) await store.markTeamDeleting(state, clock.iso());
  });
  const done = await finishTeamDeletion(orgId, teamId, deadline);
  if (!done) logger.info('team deletion left to the scheduled job', { orgId, teamId });
}

/** Grants of one team deletion removed at once (each deletes its copies in parallel batches). */
const GRANT_REMOVALS_AT_ONCE = 4;

/**
 * Continue the deletion of a team marked `deleting` until it is gone (true) or `deadline` (epoch ms)
 * passes (false). Idempotent, and safe to run beside another run of itself: grant removals are
 * conditioned on the grant, member removals on the team's version.
 */
async function finishTeamDeletion(orgId: string, teamId: string, deadline: number): Promise<boolean> {
  for (let round = 0; round < 50; round++) {
    if (Date.now() >= deadline) return false;
    const state = await store.getTeamState(orgId, teamId);
    if (!state) return true;
    if (!state.team.deleting) throw new Error(`team ${teamId} is not marked for deletion`);
    if (state.grants.length > 0) {
      const memberIds = state.members.map((m) => m.userId);
      const queue = [...state.grants];
      const worker = async () => {
        for (let g = queue.shift(); g && Date.now() < deadline; g = queue.shift()) await store.deleteGrantOfDeletedTeam(state.team, g, memberIds);
      };
      await Promise.all(Array.from({ length: Math.min(GRANT_REMOVALS_AT_ONCE, queue.length) }, worker));
    } else if (state.members.length > 0) {
      const batch = state.members.slice(0, store.MEMBERS_PER_REMOVAL).map((m) => m.userId);
      await store.removeTeamMembers(state, batch).catch((err: unknown) => {
        if (!(err instanceof StaleRead)) throw err; // someone left meanwhile: read again
      });
    } else {
      await store.deleteTeamItem(orgId, teamId).catch((err: unknown) => {
        if (!(err instanceof DomainError && err.code === 'not_found')) throw err;
      });
      return true;
    }
  }
  return false;
}

/** How long the job leaves a marked team to its own request (which stops after REQUEST_BUDGET_MS). */
const TEAM_SWEEP_GRACE_SECONDS = 15;

/**
 * The scheduled job's part of team deletions: teams marked `deleting` whose request died or ran out of
 * its budget are finished, through the sparse TEAMSWEEP index (reads grow with such teams only).
 */
export async function finishTeamDeletions(budgetMs = 60_000): Promise<{ finished: number; pending: number }> {
  const deadline = Date.now() + budgetMs;
  const before = new Date(clock.nowMs() - TEAM_SWEEP_GRACE_SECONDS * 1000).toISOString();
  const result = { finished: 0, pending: 0 };
  for (const { orgId, teamId } of await store.teamsToSweep(before)) {
    if (Date.now() >= deadline) {
      result.pending++;
      continue;
    }
    try {
      if (await finishTeamDeletion(orgId, teamId, deadline)) result.finished++;
      else result.pending++;
    } catch (err) {
      result.pending++;
      logger.warn('team deletion not finished, retried next run', { orgId, teamId, error: err as Error });
    }
  }
  return result;
}

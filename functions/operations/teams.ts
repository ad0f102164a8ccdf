// Use cases for teams: a team holds roles like a user does; they are copied to its members on write.
// Primary adapter: functions/http/teams.ts. Secondary adapter: functions/store/teams.ts.

import { conflict, notFound, validationFailed } from '../domain/errors';
import { assertMayChangeTeam, type GrantTarget, type HeldRole } from '../domain/grant-policy';
import type { Scope } from '../domain/permissions';
import { clock } from '../lib/clock';
import { getEnv, scopeChecks } from '../store/apps';
import * as store from '../store/teams';
import { withFreshReads } from '../store/transact';
import type { Access } from './access';
import { heldRole } from './grants';
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
    assertMayChangeTeam(access.grants, state.grants.map(held));
    if (state.members.some((m) => m.userId === userId)) return stateView(state);
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
    if (userId !== access.identity.userId) assertMayChangeTeam(access.grants, state.grants.map(held));
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
 * Delete a team: the authority to take away every role it holds. Mark it (nothing can be added),
 * remove each member (one transaction each, their copies included), then its grants, then the item.
 */
export async function deleteTeam(access: Access, teamId: string): Promise<void> {
  const orgId = access.org.orgId;
  const first = await store.getTeamState(orgId, teamId);
  if (!first) throw notFound(`The team ${teamId}`);
  assertMayChangeTeam(access.grants, first.grants.map(held));
  if (!first.team.deleting) await withFreshReads(async () => store.markTeamDeleting((await requireState(orgId, teamId))));
  for (;;) {
    const done = await withFreshReads(async () => {
      const state = await store.getTeamState(orgId, teamId);
      if (!state) return true;
      const member = state.members[0];
      if (member) await store.removeTeamMember(state, member.userId);
      else if (state.grants[0]) await store.deleteTeamGrant(state, state.grants[0]);
      else return true;
      return false;
    });
    if (done) break;
  }
  await store.deleteTeamItem(orgId, teamId).catch(() => undefined);
}

// Concurrency: racing requests on one invitation, on the last two Administrators, on a team's grants
// and membership, on a member's removal while their teams change, on a team's deletion while it is
// added to, on a custom role's use count while it is granted, revoked and deleted, and on an org's
// deletion while invitations are accepted. Routes come from the route table by operationId; a race
// whose routes are not in the table is not registered. Each race checks the final state against its
// invariant (the org's items read back: invariants.ts orgProblems).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RouteSpec } from '../../functions/http/route';
import { runDeletionSweep } from '../../functions/jobs/cleanup';
import { routes } from '../../functions/routes';
import { addMember } from '../support/fixtures';
import { advanceClock, harness, resetClock, type Harness, type TestUser } from '../support/harness';
import { fillPath, sendFor, type RawResponse } from '../support/hostile/http';
import { orgItems, orgProblems, responseProblems } from '../support/hostile/invariants';
import { recorder, writeReport } from '../support/hostile/report';
import { freshEmail, freshSlug } from '../support/hostile/schema';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  writeReport('concurrency');
  await h?.close();
});
afterEach(() => resetClock());

const route = (operationId: string) => routes.find((r) => r.operationId === operationId);
const haveAll = (...ids: string[]) => ids.every((id) => route(id) !== undefined);

interface Call {
  op: string;
  res: RawResponse;
}

/** Call a route of the table by operationId as a user; counted in the report, checked for shape. */
async function call(user: TestUser | undefined, operationId: string, params: Record<string, string>, body?: unknown, query = ''): Promise<Call> {
  const r = route(operationId)! as RouteSpec;
  const path = fillPath(r, params) + query;
  const res = await sendFor(h.url, r, { method: r.method, path, ...(user ? { token: user.token } : {}), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }, 'race');
  for (const p of responseProblems(res)) {
    recorder.violation(r, { category: 'race', request: `${r.method} ${path}`, observed: `${res.status} ${res.text.slice(0, 160)}`, expected: p });
  }
  return { op: operationId, res };
}

const ok = (c: Call) => c.res.status < 300;
function expectShaped(calls: Call[], codes: string[]) {
  for (const c of calls) {
    expect(responseProblems(c.res), `${c.op} ${c.res.status} ${c.res.text.slice(0, 200)}`).toEqual([]);
    if (!ok(c)) expect(codes, `${c.op} answered ${c.res.text.slice(0, 200)}`).toContain(c.res.json.error.code);
  }
}

async function newOrg(admin: TestUser): Promise<string> {
  const created = await admin.api('POST', '/v1/orgs', { name: 'Race' });
  expect(created.status).toBe(201);
  return created.body.orgId as string;
}

/** Members (active and invited) and the org's counters, read back after a race. */
async function orgState(reader: TestUser, orgId: string) {
  const org = await reader.api('GET', `/v1/orgs/${orgId}`);
  const list = await reader.api('GET', `/v1/orgs/${orgId}/members`);
  expect(org.status).toBe(200);
  expect(list.status).toBe(200);
  const members = list.body.members as { userId?: string; email: string; role: string; status: string }[];
  const active = members.filter((m) => m.status === 'active');
  return {
    adminCount: org.body.adminCount as number,
    memberCount: org.body.memberCount as number,
    active,
    invited: members.filter((m) => m.status === 'invited'),
    admins: active.filter((m) => m.role === 'Administrator').length,
  };
}

/** Run calls together, interleaved by the event loop and the server. */
const together = (thunks: (() => Promise<Call>)[]) => Promise.all(thunks.map((t) => t()));

if (haveAll('createInvitation', 'resendInvitation', 'revokeInvitation', 'acceptInvitation', 'listInvitations')) {
  describe('one invitation under parallel invite, resend, revoke and accept', () => {
    it.each([1, 2, 3, 4])('round %i: at most one membership, the invitation in one state consistent with what succeeded', async (round) => {
      const admin = await h.user();
      const orgId = await newOrg(admin);
      const invitee = await h.user({ email: freshEmail() });
      const invited = await call(admin, 'createInvitation', { orgId }, { email: invitee.email });
      expect(invited.res.status).toBe(201);
      const invitationId = invited.res.json.invitationId as string;
      const mail = (await h.mailTo(invitee.email)).at(-1);
      const token = /\/invite\/([A-Za-z0-9_.-]+)/.exec(mail?.body.text ?? '')?.[1];
      expect(token).toBeDefined();

      // Each round weighs the racers differently, so different orders win.
      const accepts = Array.from({ length: 2 + round }, () => () => call(invitee, 'acceptInvitation', { token: token! }));
      const resends = Array.from({ length: round % 2 ? 3 : 1 }, () => () => call(admin, 'resendInvitation', { orgId, invitationId }));
      const revokes = Array.from({ length: round === 3 ? 1 : 2 }, () => () => call(admin, 'revokeInvitation', { orgId, invitationId }));
      const reinvites = Array.from({ length: 2 }, () => () => call(admin, 'createInvitation', { orgId }, { email: invitee.email }));
      const thunks = [...accepts, ...resends, ...revokes, ...reinvites];
      const order = thunks.map((t, i) => [t, (i * (7 + round)) % 11] as const).sort((a, b) => a[1] - b[1]).map(([t]) => t);
      const calls = await together(order);
      expectShaped(calls, ['invitation_used', 'invitation_revoked', 'invitation_expired', 'already_member', 'conflict', 'not_found', 'forbidden']);

      const accepted = calls.filter((c) => c.op === 'acceptInvitation' && ok(c)).length;
      const revoked = calls.filter((c) => c.op === 'revokeInvitation' && ok(c)).length;
      expect(accepted).toBeLessThanOrEqual(1);

      const state = await orgState(admin, orgId);
      const memberships = state.active.filter((m) => m.userId === invitee.userId);
      expect(memberships).toHaveLength(accepted);
      // never both a member and invited
      if (accepted) expect(state.invited.filter((m) => m.email === invitee.email)).toEqual([]);
      // at most one pending invitation per address
      expect(state.invited.filter((m) => m.email === invitee.email).length).toBeLessThanOrEqual(1);
      expect(state.memberCount).toBe(state.active.length);
      expect(state.adminCount).toBe(state.admins);

      const list = await call(admin, 'listInvitations', { orgId });
      expect(list.res.status).toBe(200);
      const mine = (list.res.json.invitations as { invitationId: string; email: string; status: string }[]).filter((i) => i.email === invitee.email);
      const original = mine.find((i) => i.invitationId === invitationId);
      expect(original).toBeDefined();
      if (accepted) {
        expect(original!.status).toBe('accepted');
      } else if (revoked) {
        expect(original!.status).toBe('revoked');
      } else {
        expect(original!.status).toBe('pending');
      }
      expect(mine.filter((i) => i.status === 'pending').length).toBeLessThanOrEqual(1);
      expect(mine.filter((i) => i.status === 'accepted').length).toBe(accepted);
    });
  });
} else {
  recorder.note('invitation race not registered: its routes are not all in the route table');
}

if (haveAll('setMemberRole', 'removeMember', 'getOrganization', 'listMembers')) {
  describe('the last two Administrators under parallel role changes and removals', () => {
    const plans: [string, (a: TestUser, b: TestUser, orgId: string) => (() => Promise<Call>)[]][] = [
      ['each demotes the other', (a, b, orgId) => [
        () => call(a, 'setMemberRole', { orgId, userId: b.userId }, { role: 'Member' }),
        () => call(b, 'setMemberRole', { orgId, userId: a.userId }, { role: 'Member' }),
      ]],
      ['each demotes themself', (a, b, orgId) => [
        () => call(a, 'setMemberRole', { orgId, userId: a.userId }, { role: 'Manager' }),
        () => call(b, 'setMemberRole', { orgId, userId: b.userId }, { role: 'ArtifactContributor' }),
      ]],
      ['each removes the other', (a, b, orgId) => [
        () => call(a, 'removeMember', { orgId, userId: b.userId }),
        () => call(b, 'removeMember', { orgId, userId: a.userId }),
      ]],
      ['one leaves while the other demotes them and themself', (a, b, orgId) => [
        () => call(a, 'removeMember', { orgId, userId: a.userId }),
        () => call(b, 'setMemberRole', { orgId, userId: a.userId }, { role: 'Member' }),
        () => call(b, 'setMemberRole', { orgId, userId: b.userId }, { role: 'Member' }),
      ]],
      ['everything at once, twice', (a, b, orgId) =>
        [0, 1].flatMap(() => [
          () => call(a, 'setMemberRole', { orgId, userId: b.userId }, { role: 'Member' }),
          () => call(b, 'setMemberRole', { orgId, userId: a.userId }, { role: 'Manager' }),
          () => call(a, 'removeMember', { orgId, userId: a.userId }),
          () => call(b, 'removeMember', { orgId, userId: b.userId }),
          () => call(a, 'setMemberRole', { orgId, userId: a.userId }, { role: 'Member' }),
          () => call(b, 'removeMember', { orgId, userId: a.userId }),
        ])],
    ];
    it.each(plans)('%s: at least one Administrator, and adminCount counts them', async (_, plan) => {
      const a = await h.user();
      const b = await h.user();
      const orgId = await newOrg(a);
      await addMember(orgId, b, 'Administrator');
      const calls = await together(plan(a, b, orgId));
      expectShaped(calls, ['last_administrator', 'not_found', 'forbidden', 'conflict']);
      // whoever is still an Administrator reads the state back
      let state: Awaited<ReturnType<typeof orgState>> | undefined;
      for (const reader of [a, b]) {
        const probe = await reader.api('GET', `/v1/orgs/${orgId}`);
        if (probe.status === 200) {
          state = await orgState(reader, orgId);
          break;
        }
      }
      expect(state).toBeDefined();
      expect(state!.admins).toBeGreaterThanOrEqual(1);
      expect(state!.adminCount).toBe(state!.admins);
      expect(state!.memberCount).toBe(state!.active.length);
    });
  });
}

if (haveAll('createTeam', 'getTeam', 'addTeamMember', 'removeTeamMember', 'putTeamGrant', 'deleteTeamGrant', 'createEnvType', 'createApp', 'authorize')) {
  describe('a team under parallel grant and membership changes', () => {
    it.each([1, 2, 3, 4, 5, 6, 7, 8])('round %i: every member’s effective access matches the team’s grants and membership', async (round) => {
      const admin = await h.user();
      const orgId = await newOrg(admin);
      const users = await Promise.all(Array.from({ length: 4 }, () => h.user()));
      for (const u of users) await addMember(orgId, u, 'Member');
      const envTypeId = freshSlug('prod');
      const appId = freshSlug('app');
      const teamId = freshSlug('team');
      expect((await call(admin, 'createEnvType', { orgId }, { id: envTypeId })).res.status).toBeLessThan(300);
      expect((await call(admin, 'createApp', { orgId }, { id: appId, name: 'Race app' })).res.status).toBeLessThan(300);
      expect((await call(admin, 'createTeam', { orgId }, { id: teamId, name: 'Racers' })).res.status).toBeLessThan(300);
      // Two users start in the team; the race adds and removes members while grants come and go.
      for (const u of users.slice(0, 2)) expect((await call(admin, 'addTeamMember', { orgId, teamId, userId: u.userId })).res.status).toBeLessThan(300);
      if (round > 1) expect((await call(admin, 'putTeamGrant', { orgId, teamId }, { scope: 'app', appId, role: 'Owner' })).res.status).toBeLessThan(300);

      const grantType = () => call(admin, 'putTeamGrant', { orgId, teamId }, { scope: 'envType', envTypeId, role: 'Deployer' });
      const revokeType = () => call(admin, 'deleteTeamGrant', { orgId, teamId }, undefined, `?scope=envType&envTypeId=${envTypeId}`);
      const grantApp = () => call(admin, 'putTeamGrant', { orgId, teamId }, { scope: 'app', appId, role: 'Owner' });
      const revokeApp = () => call(admin, 'deleteTeamGrant', { orgId, teamId }, undefined, `?scope=app&appId=${appId}`);
      const add = (u: TestUser) => () => call(admin, 'addTeamMember', { orgId, teamId, userId: u.userId });
      const remove = (u: TestUser) => () => call(admin, 'removeTeamMember', { orgId, teamId, userId: u.userId });
      if (round > 3) expect((await grantType()).res.status).toBeLessThan(300);
      const [u0, u1, u2, u3] = users as [TestUser, TestUser, TestUser, TestUser];
      const thunks =
        round === 1
          ? [grantType, add(u2), remove(u0), add(u3), grantApp, remove(u3)]
          : round === 2
            ? [add(u2), grantType, revokeApp, add(u3), remove(u1), grantType, add(u0)]
            : round === 3
              ? [grantType, revokeType, add(u2), remove(u2), grantApp, revokeApp, add(u3), remove(u0), grantType, add(u1)]
              : // rounds 4-8: the team loses a role while members join and leave
                [revokeApp, add(u2), add(u3), revokeType, remove(u1), grantType, add(u1)];
      const calls = await together(thunks);
      expectShaped(calls, ['conflict', 'not_found', 'already_member']);

      const team = await call(admin, 'getTeam', { orgId, teamId });
      expect(team.res.status).toBe(200);
      const body = team.res.json;
      const memberIds = new Set<string>(((body.members ?? body.team?.members ?? []) as ({ userId: string } | string)[]).map((m) => (typeof m === 'string' ? m : m.userId)));
      const grants = (body.grants ?? body.team?.grants ?? []) as { scope: string; target?: string; appId?: string; envTypeId?: string; role: string }[];
      const holdsType = grants.some((g) => g.scope === 'envType' && (g.envTypeId ?? g.target) === envTypeId && g.role === 'Deployer');
      const holdsApp = grants.some((g) => g.scope === 'app' && (g.appId ?? g.target) === appId && g.role === 'Owner');

      const mismatches: string[] = [];
      for (const u of users) {
        const inTeam = memberIds.has(u.userId);
        const deploy = await call(admin, 'authorize', { orgId }, { userId: u.userId, action: 'envType.deploy', envTypeId });
        const manage = await call(admin, 'authorize', { orgId }, { userId: u.userId, action: 'app.manageMembers', appId });
        expect(deploy.res.status).toBe(200);
        expect(manage.res.status).toBe(200);
        if (deploy.res.json.allowed !== (inTeam && holdsType)) {
          mismatches.push(`user ${u.userId} inTeam=${inTeam} teamHoldsDeployer=${holdsType}: envType.deploy allowed=${deploy.res.json.allowed} ${JSON.stringify(deploy.res.json.reasons ?? deploy.res.json)}`);
        }
        if (manage.res.json.allowed !== (inTeam && holdsApp)) {
          mismatches.push(`user ${u.userId} inTeam=${inTeam} teamHoldsOwner=${holdsApp}: app.manageMembers allowed=${manage.res.json.allowed} ${JSON.stringify(manage.res.json.reasons ?? manage.res.json)}`);
        }
      }
      if (mismatches.length) {
        for (const m of mismatches) recorder.violation(route('authorize')!, { category: 'race:team', request: calls.map((c) => `${c.op}:${c.res.status}`).join(' '), observed: m, expected: 'effective access = team membership and grants' });
      }
      expect(mismatches, `race ${calls.map((c) => `${c.op}:${c.res.status}`).join(' ')}; team ${JSON.stringify(body)}`).toEqual([]);
    });
  });
} else {
  recorder.note('team race not registered: its routes are not all in the route table yet');
}

/** The org's items read back after a race: its structural invariants, recorded and asserted. */
async function expectConsistent(orgId: string, calls: Call[], category: string) {
  const problems = orgProblems(orgId, await orgItems(orgId));
  const race = calls.map((c) => `${c.op}:${c.res.status}${c.res.status >= 400 ? `:${c.res.json?.error?.code}` : ''}`).join(' ');
  for (const p of problems) recorder.violation(route(calls[0]!.op)!, { category, request: race, observed: p, expected: 'the org consistent after the race' });
  expect(problems, race).toEqual([]);
}

/** Interleave a list of thunks differently per round (rounds >= 4 reverse it). */
const ordered = <T>(thunks: T[], round: number) => (round % 2 ? thunks : [...thunks].reverse());

if (haveAll('removeMember', 'addTeamMember', 'putTeamGrant', 'setAppMember', 'deleteTeam', 'setMemberRole', 'createRole', 'createTeam', 'createApp')) {
  describe('a member removed while their teams, grants and role change', () => {
    it.each([1, 2, 3, 4])('round %i: nothing of them left behind, copies and counts exact', async (round) => {
      const admin = await h.user();
      const orgId = await newOrg(admin);
      const [u, v] = await Promise.all([h.user(), h.user()]);
      await addMember(orgId, u, 'Member');
      await addMember(orgId, v, 'Member');
      expect((await call(admin, 'createApp', { orgId }, { id: 'app1', name: 'A' })).res.status).toBe(201);
      for (const [id, scope, perms] of [['crole', 'app', ['app.read']], ['orole', 'org', ['org.read', 'members.read']]] as const) {
        expect((await call(admin, 'createRole', { orgId }, { id, name: id, scope, permissions: perms })).res.status).toBeLessThan(300);
      }
      for (const teamId of ['t1', 't2']) expect((await call(admin, 'createTeam', { orgId }, { id: teamId, name: teamId })).res.status).toBe(201);
      expect((await call(admin, 'addTeamMember', { orgId, teamId: 't2', userId: u.userId })).res.status).toBe(200);
      if (round % 2) expect((await call(admin, 'setMemberRole', { orgId, userId: u.userId }, { role: 'orole' })).res.status).toBe(200);
      const calls = await together(
        ordered(
          [
            () => call(admin, 'removeMember', { orgId, userId: u.userId }),
            () => call(admin, 'addTeamMember', { orgId, teamId: 't1', userId: u.userId }),
            () => call(admin, 'putTeamGrant', { orgId, teamId: 't1' }, { scope: 'app', appId: 'app1', role: 'crole' }),
            () => call(admin, 'putTeamGrant', { orgId, teamId: 't2' }, { scope: 'app', appId: 'app1', role: 'crole' }),
            () => call(admin, 'setAppMember', { orgId, appId: 'app1', userId: u.userId }, { role: 'crole' }),
            () => call(admin, 'addTeamMember', { orgId, teamId: 't2', userId: v.userId }),
            () => call(admin, 'deleteTeam', { orgId, teamId: 't2' }),
            () => call(admin, 'setMemberRole', { orgId, userId: u.userId }, { role: round % 2 ? 'Manager' : 'orole' }),
          ],
          round,
        ),
      );
      expectShaped(calls, ['conflict', 'not_found', 'already_member']);
      await expectConsistent(orgId, calls, 'race:member-removal');
    });
  });
}

if (haveAll('deleteTeam', 'addTeamMember', 'putTeamGrant', 'createTeam', 'removeMember', 'createApp')) {
  describe('a team deleted while members and roles are added to it', () => {
    it.each([1, 2, 3, 4])('round %i: the team is gone or whole, no copy outlives it', async (round) => {
      const admin = await h.user();
      const orgId = await newOrg(admin);
      const us = await Promise.all([h.user(), h.user(), h.user()]);
      for (const x of us) await addMember(orgId, x, 'Member');
      expect((await call(admin, 'createApp', { orgId }, { id: 'app1', name: 'A' })).res.status).toBe(201);
      expect((await call(admin, 'createTeam', { orgId }, { id: 't1', name: 't' })).res.status).toBe(201);
      expect((await call(admin, 'addTeamMember', { orgId, teamId: 't1', userId: us[0]!.userId })).res.status).toBe(200);
      expect((await call(admin, 'putTeamGrant', { orgId, teamId: 't1' }, { scope: 'app', appId: 'app1', role: 'Owner' })).res.status).toBe(200);
      const calls = await together(
        ordered(
          [
            () => call(admin, 'deleteTeam', { orgId, teamId: 't1' }),
            () => call(admin, 'addTeamMember', { orgId, teamId: 't1', userId: us[1]!.userId }),
            () => call(admin, 'putTeamGrant', { orgId, teamId: 't1' }, { scope: 'org', role: 'Manager' }),
            () => call(admin, 'deleteTeam', { orgId, teamId: 't1' }),
            () => call(admin, 'createTeam', { orgId }, { id: 't1', name: 'again' }),
            () => call(admin, 'addTeamMember', { orgId, teamId: 't1', userId: us[2]!.userId }),
            () => call(admin, 'removeMember', { orgId, userId: us[0]!.userId }),
          ],
          round,
        ),
      );
      expectShaped(calls, ['conflict', 'not_found', 'already_member']);
      await expectConsistent(orgId, calls, 'race:team-deletion');
    });
  });
}

if (haveAll('createRole', 'deleteRole', 'setAppMember', 'removeAppMember', 'putTeamGrant', 'deleteTeamGrant', 'setMemberRole', 'getRole')) {
  describe("a custom role's use count under concurrent grants, revocations and deletions", () => {
    it.each([1, 2, 3, 4])('round %i: inUse equals the real holders, and the role is deleted only when none', async (round) => {
      const admin = await h.user();
      const orgId = await newOrg(admin);
      const us = await Promise.all([h.user(), h.user(), h.user()]);
      for (const x of us) await addMember(orgId, x, 'Member');
      for (const id of ['app1', 'app2']) expect((await call(admin, 'createApp', { orgId }, { id, name: id })).res.status).toBe(201);
      expect((await call(admin, 'createRole', { orgId }, { id: 'racer', name: 'Racer', scope: 'app', permissions: ['app.read', 'env.read'] })).res.status).toBeLessThan(300);
      expect((await call(admin, 'createRole', { orgId }, { id: 'oracer', name: 'Org racer', scope: 'org', permissions: ['org.read', 'members.read'] })).res.status).toBeLessThan(300);
      expect((await call(admin, 'createTeam', { orgId }, { id: 'rt', name: 'rt' })).res.status).toBe(201);
      expect((await call(admin, 'addTeamMember', { orgId, teamId: 'rt', userId: us[2]!.userId })).res.status).toBe(200);
      if (round > 2) expect((await call(admin, 'setAppMember', { orgId, appId: 'app1', userId: us[0]!.userId }, { role: 'racer' })).res.status).toBe(200);
      const grant = (x: TestUser, appId: string) => () => call(admin, 'setAppMember', { orgId, appId, userId: x.userId }, { role: 'racer' });
      const revoke = (x: TestUser, appId: string) => () => call(admin, 'removeAppMember', { orgId, appId, userId: x.userId });
      const del = (roleId: string) => () => call(admin, 'deleteRole', { orgId, roleId });
      const calls = await together(
        ordered(
          [
            grant(us[0]!, 'app1'),
            del('racer'),
            grant(us[1]!, 'app1'),
            revoke(us[0]!, 'app1'),
            () => call(admin, 'putTeamGrant', { orgId, teamId: 'rt' }, { scope: 'app', appId: 'app2', role: 'racer' }),
            del('racer'),
            () => call(admin, 'setAppMember', { orgId, appId: 'app1', userId: us[1]!.userId }, { role: 'Viewer' }),
            () => call(admin, 'deleteTeamGrant', { orgId, teamId: 'rt' }, undefined, '?scope=app&appId=app2'),
            () => call(admin, 'setMemberRole', { orgId, userId: us[2]!.userId }, { role: 'oracer' }),
            del('oracer'),
            grant(us[2]!, 'app2'),
            del('racer'),
          ],
          round,
        ),
      );
      expectShaped(calls, ['conflict', 'not_found', 'already_member', 'validation_failed']);
      // Each role is deleted at most once; orgProblems checks inUse against the holders left, and that
      // a deleted role has none.
      const deletions = calls.filter((c) => c.op === 'deleteRole' && ok(c)).length;
      const gone = (await Promise.all(['racer', 'oracer'].map((roleId) => call(admin, 'getRole', { orgId, roleId })))).filter((c) => c.res.status === 404).length;
      expect(deletions).toBe(gone);
      await expectConsistent(orgId, calls, 'race:role-use');
    });
  });
}

if (haveAll('deleteOrganization', 'createInvitation', 'acceptInvitation', 'createApp', 'addTeamMember', 'createTeam', 'updateOrganization')) {
  describe('an organization deleted while invitations are accepted and it is changed', () => {
    it.each([1, 2, 3])('round %i: after the sweep nothing of the org is left, and no one is a member of it', async (round) => {
      const admin = await h.user();
      const orgId = await newOrg(admin);
      const member = await h.user();
      await addMember(orgId, member, 'Member');
      expect((await call(admin, 'createTeam', { orgId }, { id: 'dt', name: 'dt' })).res.status).toBe(201);
      const invitees = await Promise.all(Array.from({ length: 3 }, () => h.user({ email: freshEmail() })));
      const tokens: string[] = [];
      for (const invitee of invitees) {
        expect((await call(admin, 'createInvitation', { orgId }, { email: invitee.email })).res.status).toBe(201);
        const mail = (await h.mailTo(invitee.email)).at(-1);
        tokens.push(/\/invite\/([A-Za-z0-9_.-]+)/.exec(mail?.body.text ?? '')![1]!);
      }
      const accepts = invitees.map((x, i) => () => call(x, 'acceptInvitation', { token: tokens[i]! }));
      const calls = await together(
        ordered(
          [
            ...accepts.slice(0, round),
            () => call(admin, 'deleteOrganization', { orgId }),
            ...accepts.slice(round),
            () => call(admin, 'createApp', { orgId }, { id: freshSlug('late'), name: 'Late' }),
            () => call(admin, 'addTeamMember', { orgId, teamId: 'dt', userId: member.userId }),
            () => call(admin, 'updateOrganization', { orgId }, { name: 'Renamed' }),
          ],
          round,
        ),
      );
      expectShaped(calls, ['not_found', 'conflict', 'invitation_used', 'invitation_revoked', 'invitation_expired', 'already_member']);
      expect(calls.find((c) => c.op === 'deleteOrganization')!.res.status).toBe(204);
      // From the answer on, the org is gone for everyone, whoever joined during the race.
      for (const x of [admin, member, ...invitees]) {
        expect((await x.api('GET', `/v1/orgs/${orgId}`)).status).toBe(404);
        expect(((await x.api('GET', '/v1/me')).body.organizations as { orgId: string }[]).map((o) => o.orgId)).not.toContain(orgId);
      }
      // The job finishes the sweep once the deletion has settled: not one item of the org remains.
      advanceClock(61);
      await runDeletionSweep();
      const left = await orgItems(orgId);
      if (left.length) recorder.violation(route('deleteOrganization')!, { category: 'race:org-deletion', request: calls.map((c) => `${c.op}:${c.res.status}`).join(' '), observed: left.map((i) => `${i.PK}|${i.SK}`).join(' ').slice(0, 300), expected: 'nothing left after the sweep' });
      expect(left.map((i) => `${i.PK}|${i.SK}`)).toEqual([]);
    });
  });
}


describe('the consistency check itself', () => {
  it('finds orphans, missing and stray copies, wrong counters and a deleted role still held', () => {
    const o = 'chk';
    const items = [
      { PK: `ORG#${o}`, SK: 'ORG', memberCount: 2, adminCount: 1 },
      { PK: `ORG#${o}#USER#a`, SK: 'MEMBER', userId: 'a', role: 'Administrator' },
      { PK: `ORG#${o}#USER#gone`, SK: 'GRANT#APP#x', role: 'Viewer' },
      { PK: `ORG#${o}`, SK: 'TEAM#t', teamId: 't' },
      { PK: `ORG#${o}#TEAM#t`, SK: 'MEMBER#a', userId: 'a' },
      { PK: `ORG#${o}#TEAM#t`, SK: 'GRANT#APP#x', role: 'Viewer' },
      { PK: `ORG#${o}#USER#a`, SK: 'TEAMGRANT#t#APP#y', role: 'Viewer' },
      { PK: `ORG#${o}#TEAM#old`, SK: 'MEMBER#a', userId: 'a' },
      { PK: `ORG#${o}`, SK: 'ROLE#r', roleId: 'r', inUse: 0 },
      { PK: `ORG#${o}#USER#a`, SK: 'GRANT#APP#z', role: 'r', permissions: ['app.read'] },
      { PK: `ORG#${o}#USER#a`, SK: 'GRANT#APP#w', role: 'deleted-role', permissions: ['app.read'] },
    ];
    const problems = orgProblems(o, items).join('\n');
    expect(problems).toMatch(/orphan in gone's collection/);
    expect(problems).toMatch(/whose collection lacks TEAM#t/);
    expect(problems).toMatch(/a lacks the copy of team t's GRANT#APP#x/);
    expect(problems).toMatch(/copy of a grant team t does not hold: TEAMGRANT#t#APP#y/);
    expect(problems).toMatch(/item of deleted team old/);
    expect(problems).toMatch(/memberCount 2, members 1/);
    expect(problems).toMatch(/custom role r: inUse 0, held by 1/);
    expect(problems).toMatch(/custom role deleted-role was deleted while held by 1/);
  });
});

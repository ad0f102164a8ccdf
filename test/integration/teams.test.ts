// Teams over HTTP against DynamoDB Local: fan-out of team roles, limits, concurrency, escalation.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDeletionSweep } from '../../functions/jobs/cleanup';
import { getSubjectCollection } from '../../functions/store/subjects';
import * as teamStore from '../../functions/store/teams';
import { addMember, orgWithMembers } from '../support/fixtures';
import { advanceClock, harness, resetClock, type Harness, type TestUser } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());
afterEach(() => resetClock());

const decision = async (asker: TestUser, orgId: string, body: Record<string, unknown>) => (await asker.api('POST', `/v1/orgs/${orgId}/authorize`, body)).body;

describe('teams', () => {
  it('gives members the roles the team holds, and takes them away again', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 1 });
    const [dev] = members.Member!;
    await admin.api('PUT', `/v1/orgs/${orgId}/default-roles`, { orgRole: 'Member', appRole: null, envTypeRoles: {} });
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    expect((await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'web', name: 'Web team' })).status).toBe(201);
    expect((await dev!.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'x', name: 'x' })).status).toBe(403);
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/web/grants`, { scope: 'app', appId: 'shop', role: 'Developer' })).status).toBe(200);
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/web/members/${dev!.userId}`)).status).toBe(200);

    const allowed = await decision(dev!, orgId, { action: 'app.update', appId: 'shop' });
    expect(allowed.allowed).toBe(true);
    expect(allowed.reasons.map((r: { grant: string }) => r.grant)).toEqual(['team web: Developer on app shop']);
    const team = await dev!.api('GET', `/v1/orgs/${orgId}/teams/web`);
    expect(team.body).toMatchObject({ teamId: 'web', name: 'Web team', members: [{ userId: dev!.userId }], grants: [{ scope: 'app', target: 'shop', role: 'Developer' }] });
    expect((await dev!.api('GET', `/v1/orgs/${orgId}/apps/shop/members`)).body.teams).toEqual([{ teamId: 'web', role: 'Developer' }]);

    // the highest of direct and team roles
    await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${dev!.userId}`, { role: 'Viewer' });
    expect((await decision(dev!, orgId, { action: 'app.update', appId: 'shop' })).allowed).toBe(true);

    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/teams/web/grants?scope=app&appId=shop`)).status).toBe(204);
    expect((await decision(dev!, orgId, { action: 'app.update', appId: 'shop' })).allowed).toBe(false);
    await admin.api('PUT', `/v1/orgs/${orgId}/teams/web/grants`, { scope: 'app', appId: 'shop', role: 'Owner' });
    expect((await decision(dev!, orgId, { action: 'app.manageMembers', appId: 'shop' })).allowed).toBe(true);
    // anyone may leave a team
    expect((await dev!.api('DELETE', `/v1/orgs/${orgId}/teams/web/members/${dev!.userId}`)).status).toBe(204);
    expect((await decision(dev!, orgId, { action: 'app.manageMembers', appId: 'shop' })).allowed).toBe(false);

    await admin.api('PUT', `/v1/orgs/${orgId}/teams/web/members/${dev!.userId}`);
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/teams/web`)).status).toBe(204);
    expect((await decision(dev!, orgId, { action: 'app.manageMembers', appId: 'shop' })).allowed).toBe(false);
    expect((await admin.api('GET', `/v1/orgs/${orgId}/teams`)).body.teams).toEqual([]);
  });

  it('removes from the organization a member of more teams than one transaction holds, leaving no team member behind', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 1 });
    const [busy] = members.Member!;
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    const teamIds = Array.from({ length: 55 }, (_, i) => `t${i}`);
    for (const id of teamIds) {
      expect((await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id, name: id })).status).toBe(201);
      expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/${id}/grants`, { scope: 'app', appId: 'shop', role: 'Viewer' })).status).toBe(200);
      expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/${id}/members/${busy!.userId}`)).status).toBe(200);
    }
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/members/${busy!.userId}`)).status).toBe(204);
    for (const id of teamIds) expect((await admin.api('GET', `/v1/orgs/${orgId}/teams/${id}`)).body.members).toEqual([]);
    // rejoining later brings back nothing of the old team copies
    await addMember(orgId, busy!, 'Member');
    expect((await decision(busy!, orgId, { action: 'app.read', appId: 'shop' })).reasons.filter((r: { via: string }) => r.via === 'team')).toEqual([]);
  });

  it('never loses a copy under concurrent membership and grant changes', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 4 });
    await admin.api('PUT', `/v1/orgs/${orgId}/default-roles`, { orgRole: 'Member', appRole: null, envTypeRoles: {} });
    const apps = ['a1', 'a2', 'a3'];
    for (const id of apps) await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id, name: id });
    await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'ops', name: 'Ops' });
    const results = await Promise.all([
      ...members.Member!.map((m) => admin.api('PUT', `/v1/orgs/${orgId}/teams/ops/members/${m.userId}`)),
      ...apps.map((appId) => admin.api('PUT', `/v1/orgs/${orgId}/teams/ops/grants`, { scope: 'app', appId, role: 'Viewer' })),
    ]);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    for (const m of members.Member!) {
      for (const appId of apps) expect((await decision(admin, orgId, { userId: m.userId, action: 'app.read', appId })).allowed).toBe(true);
    }
  });

  it('caps a team at 90 members so that one change fits one transaction', async () => {
    const { orgId, admin } = await orgWithMembers(h);
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'big', name: 'Big' });
    const users = Array.from({ length: 91 }, (_, i) => ({ userId: `bulk-${i}`, email: `bulk-${i}@example.com` }) as TestUser);
    await Promise.all(users.map((u) => addMember(orgId, u)));
    for (let i = 0; i < 90; i += 10) {
      const batch = await Promise.all(users.slice(i, i + 10).map((u) => admin.api('PUT', `/v1/orgs/${orgId}/teams/big/members/${u.userId}`)));
      expect(batch.map((r) => (r.status === 200 ? 200 : `${r.status} ${JSON.stringify(r.body)}`))).toEqual(batch.map(() => 200));
    }
    const over = await admin.api('PUT', `/v1/orgs/${orgId}/teams/big/members/${users[90]!.userId}`);
    expect(over.status).toBe(409);
    expect(over.body.error.message).toMatch(/at most 90 members/);
    // a grant to a full team is still one transaction (90 copies)
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/big/grants`, { scope: 'app', appId: 'shop', role: 'Owner' })).status).toBe(200);
    expect((await decision(admin, orgId, { userId: 'bulk-89', action: 'app.manageMembers', appId: 'shop' })).allowed).toBe(true);
  });

  it('lets no one reach above their own permissions through a team', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Manager: 1, Member: 1 });
    const [manager] = members.Manager!;
    const [member] = members.Member!;
    await admin.api('POST', `/v1/orgs/${orgId}/env-types`, { id: 'production' });
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'deployers', name: 'Deployers' });
    await admin.api('PUT', `/v1/orgs/${orgId}/teams/deployers/grants`, { scope: 'envType', envTypeId: 'production', role: 'Deployer' });
    // teams are changed by holders of teams.manage (Administrators): a Manager changes none
    const join = await manager!.api('PUT', `/v1/orgs/${orgId}/teams/deployers/members/${manager!.userId}`);
    expect(join.status).toBe(403);
    expect(join.body.error.message).toMatch(/Only Administrators change teams/);
    expect((await manager!.api('PUT', `/v1/orgs/${orgId}/teams/deployers/grants`, { scope: 'envType', envTypeId: 'development', role: 'Deployer' })).status).toBe(403);
    // no one gives a team Administrator
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/deployers/grants`, { scope: 'org', role: 'Administrator' })).status).toBe(400);
    // a Member changes no team
    expect((await member!.api('PUT', `/v1/orgs/${orgId}/teams/deployers/members/${member!.userId}`)).status).toBe(403);
    // a custom role with teams.manage manages teams only within what it may give: not a team holding
    // what only Administrators give, nor an org role; a team of app roles, yes
    await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'team-lead', name: 'Team lead', scope: 'org', permissions: ['org.read', 'members.read', 'teams.manage', 'apps.grantRoles'] });
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/members/${manager!.userId}/role`, { role: 'team-lead' })).status).toBe(200);
    const lead = manager!;
    const leadJoin = await lead.api('PUT', `/v1/orgs/${orgId}/teams/deployers/members/${member!.userId}`);
    expect(leadJoin.status).toBe(403);
    expect(leadJoin.body.error.message).toMatch(/environment-type/);
    expect((await lead.api('PUT', `/v1/orgs/${orgId}/teams/deployers/grants`, { scope: 'org', role: 'Manager' })).status).toBe(403);
    await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'app-team', name: 'App team' });
    expect((await lead.api('PUT', `/v1/orgs/${orgId}/teams/app-team/grants`, { scope: 'app', appId: 'shop', role: 'Developer' })).status).toBe(200);
    expect((await lead.api('PUT', `/v1/orgs/${orgId}/teams/app-team/members/${member!.userId}`)).status).toBe(200);
    expect((await decision(member!, orgId, { action: 'envType.deploy', envTypeId: 'production' })).allowed).toBe(false);
  });

  it('answers 404 for unknown teams and members, 400 for bad grants', async () => {
    const { orgId, admin } = await orgWithMembers(h);
    expect((await admin.api('GET', `/v1/orgs/${orgId}/teams/none`)).status).toBe(404);
    await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 't', name: 'T' });
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/t/members/not-a-member`)).status).toBe(404);
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/t/grants`, { scope: 'app', role: 'Viewer' })).status).toBe(400);
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/t/grants`, { scope: 'app', appId: 'none', role: 'Viewer' })).status).toBe(404);
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/t/grants`, { scope: 'app', appId: 'none', role: 'Deployer' })).status).toBe(400);
  });
});

/** What a user still holds of a team in their collection: the membership item and the grant copies. */
async function teamItemsOf(orgId: string, userId: string, teamId: string) {
  const c = await getSubjectCollection(orgId, userId);
  return c.itemKeys.map((k) => k.SK).filter((sk) => sk === `TEAM#${teamId}` || sk.startsWith(`TEAMGRANT#${teamId}#`));
}

describe('team deletion', () => {
  it('deletes a full team (90 members, 30 app roles): the roles first, then the members; the job finishes what the request leaves', { timeout: 240_000 }, async () => {
    const { orgId, admin } = await orgWithMembers(h);
    await admin.api('PUT', `/v1/orgs/${orgId}/default-roles`, { orgRole: 'Member', appRole: null, envTypeRoles: {} });
    const users = Array.from({ length: 90 }, (_, i) => ({ userId: `full-${i}`, email: `full-${i}@example.com` }) as TestUser);
    for (let i = 0; i < users.length; i += 15) await Promise.all(users.slice(i, i + 15).map((u) => addMember(orgId, u)));
    expect((await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'full', name: 'Full' })).status).toBe(201);
    for (let i = 0; i < 90; i += 10) {
      const batch = await Promise.all(users.slice(i, i + 10).map((u) => admin.api('PUT', `/v1/orgs/${orgId}/teams/full/members/${u.userId}`)));
      expect(batch.map((r) => r.status)).toEqual(batch.map(() => 200));
    }
    for (let i = 0; i < 30; i++) {
      expect((await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: `fa${i}`, name: `fa${i}` })).status).toBe(201);
      expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/full/grants`, { scope: 'app', appId: `fa${i}`, role: 'Viewer' })).status).toBe(200);
    }
    expect((await decision(admin, orgId, { userId: 'full-89', action: 'app.read', appId: 'fa29' })).allowed).toBe(true);

    const t0 = performance.now();
    const res = await admin.api('DELETE', `/v1/orgs/${orgId}/teams/full`);
    const ms = Math.round(performance.now() - t0);
    expect(res.status).toBe(204);
    const left = await teamStore.getTeamState(orgId, 'full');
    console.log(
      `team deletion, 90 members x 30 grants: DELETE answered in ${ms} ms; ` +
        (left ? `left to the job: ${left.grants.length} grants, ${left.members.length} members` : 'finished in the request'),
    );
    // Whatever the request could not finish, the job does (the request's own grace period passed).
    expect((await admin.api('GET', `/v1/orgs/${orgId}/teams/full`)).status).toBe(404);
    advanceClock(60);
    await runDeletionSweep();
    expect(await teamStore.getTeamState(orgId, 'full')).toBeUndefined();
    for (const u of [users[0]!, users[45]!, users[89]!]) {
      expect(await teamItemsOf(orgId, u.userId, 'full')).toEqual([]);
      expect((await decision(admin, orgId, { userId: u.userId, action: 'app.read', appId: 'fa29' })).allowed).toBe(false);
    }
    // the id is free again
    expect((await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'full', name: 'Again' })).status).toBe(201);
  });

  it('continues a deletion that stopped half-way when DELETE is sent again, and counts custom roles out once', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 3 });
    await admin.api('PUT', `/v1/orgs/${orgId}/default-roles`, { orgRole: 'Member', appRole: null, envTypeRoles: {} });
    await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'peeker', name: 'Peeker', scope: 'app', permissions: ['app.read'] });
    for (const id of ['p1', 'p2', 'p3']) {
      await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id, name: id });
    }
    await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'half', name: 'Half' });
    for (const m of members.Member!) expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/half/members/${m.userId}`)).status).toBe(200);
    for (const id of ['p1', 'p2', 'p3']) expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/half/grants`, { scope: 'app', appId: id, role: 'peeker' })).status).toBe(200);
    expect((await admin.api('GET', `/v1/orgs/${orgId}/roles/peeker`)).body.inUse).toBe(3);

    // A request that died after the mark and one grant: the team is hidden, its other roles still held.
    const state = (await teamStore.getTeamState(orgId, 'half'))!;
    await teamStore.markTeamDeleting(state, new Date().toISOString());
    const marked = (await teamStore.getTeamState(orgId, 'half'))!;
    expect(await teamStore.deleteGrantOfDeletedTeam(marked.team, marked.grants[0]!, marked.members.map((m) => m.userId))).toBe(true);
    // the same grant again (a second deleter): not counted out twice
    expect(await teamStore.deleteGrantOfDeletedTeam(marked.team, marked.grants[0]!, marked.members.map((m) => m.userId))).toBe(false);
    expect((await admin.api('GET', `/v1/orgs/${orgId}/teams/half`)).status).toBe(404);
    expect((await admin.api('GET', `/v1/orgs/${orgId}/teams`)).body.teams).toEqual([]);
    // nothing can be added to it any more
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/half/grants`, { scope: 'app', appId: 'p1', role: 'Viewer' })).status).toBe(404);

    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/teams/half`)).status).toBe(204);
    expect(await teamStore.getTeamState(orgId, 'half')).toBeUndefined();
    for (const m of members.Member!) {
      expect(await teamItemsOf(orgId, m.userId, 'half')).toEqual([]);
      for (const id of ['p1', 'p2', 'p3']) expect((await decision(admin, orgId, { userId: m.userId, action: 'app.read', appId: id })).allowed).toBe(false);
    }
    expect((await admin.api('GET', `/v1/orgs/${orgId}/roles/peeker`)).body.inUse).toBe(0);
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/roles/peeker`)).status).toBe(204);
    // a third DELETE: the team is gone
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/teams/half`)).status).toBe(404);
  });

  it('lets the scheduled job finish a deletion whose request died right after the mark', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 2 });
    await admin.api('PUT', `/v1/orgs/${orgId}/default-roles`, { orgRole: 'Member', appRole: null, envTypeRoles: {} });
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'jobapp', name: 'Job app' });
    await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'orphan', name: 'Orphan' });
    for (const m of members.Member!) await admin.api('PUT', `/v1/orgs/${orgId}/teams/orphan/members/${m.userId}`);
    await admin.api('PUT', `/v1/orgs/${orgId}/teams/orphan/grants`, { scope: 'app', appId: 'jobapp', role: 'Owner' });
    await teamStore.markTeamDeleting((await teamStore.getTeamState(orgId, 'orphan'))!, new Date().toISOString());

    // within the request's grace period the job leaves it alone
    await runDeletionSweep();
    expect(await teamStore.getTeamState(orgId, 'orphan')).toBeDefined();
    advanceClock(30);
    const run = await runDeletionSweep();
    expect(run.teams.finished).toBeGreaterThanOrEqual(1);
    expect(await teamStore.getTeamState(orgId, 'orphan')).toBeUndefined();
    for (const m of members.Member!) {
      expect(await teamItemsOf(orgId, m.userId, 'orphan')).toEqual([]);
      expect((await decision(admin, orgId, { userId: m.userId, action: 'app.manageMembers', appId: 'jobapp' })).allowed).toBe(false);
    }
  });
});


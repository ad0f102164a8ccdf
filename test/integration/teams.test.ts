// Teams over HTTP against DynamoDB Local: fan-out of team roles, limits, concurrency, escalation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, orgWithMembers } from '../support/fixtures';
import { harness, type Harness, type TestUser } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

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
      expect(batch.every((r) => r.status === 200)).toBe(true);
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
    // a Manager may not join (or add anyone to) a team holding what only Administrators give
    const join = await manager!.api('PUT', `/v1/orgs/${orgId}/teams/deployers/members/${manager!.userId}`);
    expect(join.status).toBe(403);
    expect(join.body.error.message).toMatch(/environment-type/);
    expect((await manager!.api('PUT', `/v1/orgs/${orgId}/teams/deployers/grants`, { scope: 'envType', envTypeId: 'development', role: 'Deployer' })).status).toBe(403);
    // nor give a team an org role; no one gives a team Administrator
    expect((await manager!.api('PUT', `/v1/orgs/${orgId}/teams/deployers/grants`, { scope: 'org', role: 'Manager' })).status).toBe(403);
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/deployers/grants`, { scope: 'org', role: 'Administrator' })).status).toBe(400);
    // a Member changes no team
    expect((await member!.api('PUT', `/v1/orgs/${orgId}/teams/deployers/members/${member!.userId}`)).status).toBe(403);
    // a Manager may manage a team that holds only app roles
    await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'app-team', name: 'App team' });
    expect((await manager!.api('PUT', `/v1/orgs/${orgId}/teams/app-team/grants`, { scope: 'app', appId: 'shop', role: 'Developer' })).status).toBe(200);
    expect((await manager!.api('PUT', `/v1/orgs/${orgId}/teams/app-team/members/${member!.userId}`)).status).toBe(200);
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

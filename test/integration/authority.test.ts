// Authority over one's own access and over others' restrictions, over HTTP against DynamoDB Local:
// no self-raise (through a team's org role or a Manager's app-role authority), no self-lifting of a
// restricting environment role (directly or by leaving a team), Owners grant environment roles up to
// Deployer and may not lock out those above them, Administrator-only permissions stay the
// Administrator's, and the authorize decision agrees with the routes and hides what the caller may
// not see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgWithMembers } from '../support/fixtures';
import { harness, type Harness, type TestUser } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

const decision = async (asker: TestUser, orgId: string, body: Record<string, unknown>) => {
  const res = await asker.api('POST', `/v1/orgs/${orgId}/authorize`, body);
  expect(res.status).toBe(200);
  return res.body as { allowed: boolean; missing: string[]; reasons: { via: string; role: string; scope: string; target: string }[] };
};

/** An org without app defaults, a production type, app shop with environments live (production) and dev. */
async function world(roles: Partial<Record<string, number>>) {
  const fixture = await orgWithMembers(h, roles);
  const { orgId, admin } = fixture;
  const path = (p: string) => `/v1/orgs/${orgId}${p}`;
  expect((await admin.api('PUT', path('/default-roles'), { orgRole: 'Member', appRole: null, envTypeRoles: { development: 'Deployer' } })).status).toBe(200);
  expect((await admin.api('POST', path('/env-types'), { id: 'production' })).status).toBe(201);
  expect((await admin.api('POST', path('/apps'), { id: 'shop', name: 'Shop' })).status).toBe(201);
  expect((await admin.api('POST', path('/apps/shop/envs'), { id: 'live', type: 'production' })).status).toBe(201);
  expect((await admin.api('POST', path('/apps/shop/envs'), { id: 'dev', type: 'development' })).status).toBe(201);
  return { ...fixture, path };
}

describe('one’s own access', () => {
  it('an org role held through a team does not become the member’s own', async () => {
    const { orgId, admin, members, path } = await world({ Member: 1 });
    const [m] = members.Member!;
    await admin.api('POST', path('/teams'), { id: 'mgrs', name: 'Managers' });
    expect((await admin.api('PUT', path('/teams/mgrs/grants'), { scope: 'org', role: 'Manager' })).status).toBe(200);
    expect((await admin.api('PUT', path(`/teams/mgrs/members/${m!.userId}`))).status).toBe(200);
    expect((await decision(m!, orgId, { action: 'apps.create' })).allowed).toBe(true);

    const raise = await m!.api('PUT', path(`/members/${m!.userId}/role`), { role: 'Manager' });
    expect(raise.status).toBe(403);
    expect(raise.body.error.message).toMatch(/raise your own/);
    expect((await admin.api('DELETE', path(`/teams/mgrs/members/${m!.userId}`))).status).toBe(204);
    expect((await decision(m!, orgId, { action: 'apps.create' })).allowed).toBe(false);
  });

  it('a Manager gives any app role to others but never raises their own access', async () => {
    const { orgId, members, path } = await world({ Manager: 1, Member: 1 });
    const [manager] = members.Manager!;
    const [m] = members.Member!;
    const self = await manager!.api('PUT', path(`/apps/shop/members/${manager!.userId}`), { role: 'Owner' });
    expect(self.status).toBe(403);
    expect(self.body.error.message).toMatch(/raise your own access/);
    expect((await decision(manager!, orgId, { action: 'app.delete', appId: 'shop' })).allowed).toBe(false);
    expect((await manager!.api('PUT', path(`/apps/shop/members/${m!.userId}`), { role: 'Owner' })).status).toBe(200);
  });

  it('a restricting environment role is lifted only by someone who may grant there, not by its holder or by leaving a team', async () => {
    const { orgId, admin, members, path } = await world({ Member: 2 });
    const [owner, other] = members.Member!;
    await admin.api('PUT', path(`/apps/shop/members/${owner!.userId}`), { role: 'Owner' });
    await admin.api('POST', path('/teams'), { id: 'readers', name: 'Readers' });
    await admin.api('PUT', path('/teams/readers/grants'), { scope: 'env', appId: 'shop', envId: 'dev', role: 'Viewer' });
    await admin.api('PUT', path(`/teams/readers/members/${owner!.userId}`));
    await admin.api('PUT', path(`/teams/readers/members/${other!.userId}`));
    expect((await decision(owner!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'dev' })).allowed).toBe(false);

    const leave = await owner!.api('DELETE', path(`/teams/readers/members/${owner!.userId}`));
    expect(leave.status).toBe(403);
    expect(leave.body.error.message).toMatch(/restricts you/);
    expect((await decision(owner!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'dev' })).allowed).toBe(false);
    // leaving a team that only adds is free: `other` has no app role, so the Viewer role only raised them
    expect((await other!.api('DELETE', path(`/teams/readers/members/${other!.userId}`))).status).toBe(204);
    expect((await admin.api('DELETE', path(`/teams/readers/members/${owner!.userId}`))).status).toBe(204);
    expect((await decision(owner!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'dev' })).allowed).toBe(true);
  });
});

describe('teams cannot do what a direct grant may not', () => {
  const teamLead = async (admin: TestUser, path: (p: string) => string, user: TestUser, extra: string[] = []) => {
    await admin.api('POST', path('/roles'), { id: 'team-lead', name: 'Team lead', scope: 'org', permissions: ['org.read', 'members.read', 'teams.manage', ...extra] });
    expect((await admin.api('PUT', path(`/members/${user.userId}/role`), { role: 'team-lead' })).status).toBe(200);
  };

  it('no self-raise through a team: joining one, or giving one that one is in a role above one\'s own', async () => {
    const { orgId, admin, members, path } = await world({ Member: 1 });
    const [lead] = members.Member!;
    await teamLead(admin, path, lead!, ['apps.grantRoles']);
    expect((await lead!.api('PUT', path(`/apps/shop/members/${lead!.userId}`), { role: 'Owner' })).status).toBe(403);
    expect((await lead!.api('POST', path('/teams'), { id: 'mine', name: 'Mine' })).status).toBe(201);
    expect((await lead!.api('PUT', path('/teams/mine/grants'), { scope: 'app', appId: 'shop', role: 'Owner' })).status).toBe(200);
    const join = await lead!.api('PUT', path(`/teams/mine/members/${lead!.userId}`));
    expect(join.status).toBe(403);
    expect(join.body.error.message).toMatch(/raise your own access/);
    // and the other way round: in the team first, then the grant
    expect((await lead!.api('POST', path('/teams'), { id: 'mine2', name: 'Mine 2' })).status).toBe(201);
    expect((await lead!.api('PUT', path(`/teams/mine2/members/${lead!.userId}`))).status).toBe(200);
    expect((await lead!.api('PUT', path('/teams/mine2/grants'), { scope: 'app', appId: 'shop', role: 'Owner' })).status).toBe(403);
    expect((await decision(lead!, orgId, { action: 'app.delete', appId: 'shop' })).allowed).toBe(false);
  });

  it('a team\'s environment role does not lock out whom a direct grant could not', async () => {
    const { orgId, admin, members, path } = await world({ Member: 2 });
    const [lead, owner] = members.Member!;
    await teamLead(admin, path, lead!);
    await admin.api('PUT', path(`/apps/shop/envs/live/members/${lead!.userId}`), { role: 'Owner' });
    await admin.api('PUT', path(`/apps/shop/members/${owner!.userId}`), { role: 'Owner' });
    expect((await lead!.api('POST', path('/teams'), { id: 'jail', name: 'Jail' })).status).toBe(201);
    expect((await lead!.api('PUT', path('/teams/jail/grants'), { scope: 'env', appId: 'shop', envId: 'live', role: 'Viewer' })).status).toBe(200);
    const add = await lead!.api('PUT', path(`/teams/jail/members/${owner!.userId}`));
    expect(add.status).toBe(403);
    expect(add.body.error.message).toMatch(/take .* away from the member/);
    // nor by giving the team the role once the Owner is in it
    expect((await lead!.api('POST', path('/teams'), { id: 'jail2', name: 'Jail 2' })).status).toBe(201);
    expect((await admin.api('PUT', path(`/teams/jail2/members/${owner!.userId}`))).status).toBe(200);
    expect((await lead!.api('PUT', path('/teams/jail2/grants'), { scope: 'env', appId: 'shop', envId: 'live', role: 'Viewer' })).status).toBe(403);
    expect((await decision(owner!, orgId, { action: 'env.manageMembers', appId: 'shop', envId: 'live' })).allowed).toBe(true);
  });
});

describe('Owners and environment roles', () => {
  it('no one restricts themselves (they could not undo it); a Manager restricted on an environment grants nothing there', async () => {
    const { orgId, admin, members, path } = await world({ Member: 2, Manager: 1 });
    const [owner, m] = [members.Member![0]!, members.Member![1]!];
    const [manager] = members.Manager!;
    await admin.api('PUT', path(`/apps/shop/members/${owner.userId}`), { role: 'Owner' });
    const self = await owner.api('PUT', path(`/apps/shop/envs/dev/members/${owner.userId}`), { role: 'Viewer' });
    expect(self.status).toBe(403);
    expect(self.body.error.message).toMatch(/away from you/);
    expect((await admin.api('PUT', path(`/apps/shop/envs/live/members/${manager!.userId}`), { role: 'Viewer' })).status).toBe(200);
    expect((await decision(manager!, orgId, { action: 'env.manageMembers', appId: 'shop', envId: 'live' })).allowed).toBe(false);
    expect((await manager!.api('PUT', path(`/apps/shop/envs/live/members/${m.userId}`), { role: 'Developer' })).status).toBe(403);
    expect((await manager!.api('PUT', path(`/apps/shop/envs/dev/members/${m.userId}`), { role: 'Developer' })).status).toBe(200);
  });

  it('an app Owner grants environment roles up to Deployer, never Owner', async () => {
    const { admin, members, path } = await world({ Member: 2 });
    const [owner, m] = members.Member!;
    await admin.api('PUT', path(`/apps/shop/members/${owner!.userId}`), { role: 'Owner' });
    const tooHigh = await owner!.api('PUT', path(`/apps/shop/envs/dev/members/${m!.userId}`), { role: 'Owner' });
    expect(tooHigh.status).toBe(403);
    expect(tooHigh.body.error.message).toMatch(/up to Deployer/);
    expect((await owner!.api('PUT', path(`/apps/shop/envs/dev/members/${m!.userId}`), { role: 'Deployer' })).status).toBe(200);
  });

  it('an environment Owner may not lock an app Owner out of the environment; a Manager may restrict', async () => {
    const { orgId, admin, members, path } = await world({ Member: 2, Manager: 1 });
    const [appOwner, envOwner] = members.Member!;
    const [manager] = members.Manager!;
    await admin.api('PUT', path(`/apps/shop/members/${appOwner!.userId}`), { role: 'Owner' });
    await admin.api('PUT', path(`/apps/shop/envs/dev/members/${envOwner!.userId}`), { role: 'Owner' });
    const lockOut = await envOwner!.api('PUT', path(`/apps/shop/envs/dev/members/${appOwner!.userId}`), { role: 'Viewer' });
    expect(lockOut.status).toBe(403);
    expect(lockOut.body.error.message).toMatch(/take .* away from the member/);
    expect((await decision(appOwner!, orgId, { action: 'env.manageMembers', appId: 'shop', envId: 'dev' })).allowed).toBe(true);
    expect((await manager!.api('PUT', path(`/apps/shop/envs/dev/members/${appOwner!.userId}`), { role: 'Viewer' })).status).toBe(200);
    expect((await decision(appOwner!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'dev' })).allowed).toBe(false);
  });
});

describe('Administrator-only permissions and the decision agreeing with the routes', () => {
  it('no custom role holds what only the Administrator role may do', async () => {
    const { admin, path } = await world({});
    for (const permission of ['defaultRoles.update', 'members.setRole', 'resources.update']) {
      const res = await admin.api('POST', path('/roles'), { id: 'power', name: 'Power', scope: 'org', permissions: ['org.read', permission] });
      expect(res.status, permission).toBe(400);
      expect(res.body.error.message).toMatch(/Only the Administrator role/);
    }
  });

  it('says what the routes do: Managers manage app and environment members, and do not change teams', async () => {
    const { orgId, admin, members, path } = await world({ Manager: 1, Member: 1 });
    const [manager] = members.Manager!;
    const [m] = members.Member!;
    const manages = await decision(manager!, orgId, { action: 'app.manageMembers', appId: 'shop' });
    expect(manages.allowed).toBe(true);
    expect(manages.reasons).toContainEqual(expect.objectContaining({ via: 'direct', role: 'Manager', scope: 'app', target: '*' }));
    expect((await decision(manager!, orgId, { action: 'env.manageMembers', appId: 'shop', envId: 'dev' })).allowed).toBe(true);
    expect((await manager!.api('PUT', path(`/apps/shop/envs/dev/members/${m!.userId}`), { role: 'Viewer' })).status).toBe(200);

    await admin.api('POST', path('/teams'), { id: 'web', name: 'Web' });
    expect((await decision(manager!, orgId, { action: 'teams.manage' })).allowed).toBe(false);
    expect((await manager!.api('PUT', path(`/teams/web/members/${m!.userId}`))).status).toBe(403);
  });

  it('does not tell a member who may not see an app whether it exists', async () => {
    const { orgId, admin, members, path } = await world({ Member: 1 });
    const [m] = members.Member!;
    const hidden = await decision(m!, orgId, { action: 'app.update', appId: 'shop' });
    const missing = await decision(m!, orgId, { action: 'app.update', appId: 'nothing' });
    expect(hidden.allowed).toBe(false);
    expect(missing).toEqual({ ...hidden, facts: { appId: 'nothing' }, missing: ['app.read on app nothing'] });
    expect(hidden.missing).toEqual(['app.read on app shop']);
    const hiddenEnv = await decision(m!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'live' });
    const missingEnv = await decision(m!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'nowhere' });
    expect(missingEnv.missing).toEqual(hiddenEnv.missing);
    // an org action with a stray appId is answered as an org action
    expect((await decision(m!, orgId, { action: 'members.invite', appId: 'shop' })).missing).toEqual(['members.invite on the organization']);
    // the routes under an app answer alike for a hidden app and a missing one
    for (const [method, suffix, body] of [
      ['DELETE', '', undefined],
      ['POST', '/envs', { id: 'x', type: 'development' }],
      ['DELETE', '/envs/live', undefined],
      ['PUT', `/envs/live/members/${m!.userId}`, { role: 'Viewer' }],
      ['GET', '/members', undefined],
    ] as const) {
      const hiddenRes = await m!.api(method, path(`/apps/shop${suffix}`), body);
      const missingRes = await m!.api(method, path(`/apps/nothing${suffix}`), body);
      expect(hiddenRes.status, `${method} ${suffix}`).toBe(403);
      expect(missingRes.status, `${method} ${suffix}`).toBe(403);
      expect(missingRes.body.error.message.replace('nothing', 'shop')).toBe(hiddenRes.body.error.message);
    }
    // someone who sees the app is told
    await admin.api('PUT', path(`/apps/shop/members/${m!.userId}`), { role: 'Viewer' });
    expect((await decision(m!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'nowhere' })).missing).toEqual(['environment shop/nowhere does not exist']);
  });
});

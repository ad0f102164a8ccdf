// Apps, environment types, environments and their roles over HTTP against DynamoDB Local.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, orgWithMembers } from '../support/fixtures';
import { harness, type Harness, type TestUser } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

const can = async (user: TestUser, orgId: string, body: Record<string, unknown>) => {
  const res = await user.api('POST', `/v1/orgs/${orgId}/authorize`, body);
  expect(res.status).toBe(200);
  return res.body.allowed as boolean;
};

describe('apps', () => {
  it('lets a Manager create an app and makes them its Owner; a Member may not create', async () => {
    const { orgId, members } = await orgWithMembers(h, { Manager: 1, Member: 1 });
    const [manager] = members.Manager!;
    const [member] = members.Member!;
    const created = await manager!.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ appId: 'shop', name: 'Shop', createdBy: manager!.userId });
    const people = await manager!.api('GET', `/v1/orgs/${orgId}/apps/shop/members`);
    expect(people.body.users).toEqual([{ userId: manager!.userId, role: 'Owner' }]);
    const denied = await member!.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'blog', name: 'Blog' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain('apps.create');
    const again = await manager!.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    expect(again.status).toBe(409);
  });

  it('lists only the apps the caller may see', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 2 });
    const [viewer, envOnly] = members.Member!;
    const noAppDefault = await admin.api('PUT', `/v1/orgs/${orgId}/default-roles`, { orgRole: 'Member', appRole: null, envTypeRoles: { development: 'Deployer' } });
    expect(noAppDefault.status).toBe(200);
    for (const id of ['alpha', 'beta', 'gamma']) expect((await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id, name: id })).status).toBe(201);
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/apps/beta/members/${viewer!.userId}`, { role: 'Viewer' })).status).toBe(200);
    expect((await admin.api('POST', `/v1/orgs/${orgId}/apps/gamma/envs`, { id: 'staging', type: 'development' })).status).toBe(201);
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/apps/gamma/envs/staging/members/${envOnly!.userId}`, { role: 'Deployer' })).status).toBe(200);
    const ids = async (u: TestUser) => ((await u.api('GET', `/v1/orgs/${orgId}/apps`)).body.apps as { appId: string }[]).map((a) => a.appId).sort();
    expect(await ids(admin)).toEqual(['alpha', 'beta', 'gamma']);
    expect(await ids(viewer!)).toEqual(['beta']);
    expect(await ids(envOnly!)).toEqual(['gamma']);
    expect((await viewer!.api('GET', `/v1/orgs/${orgId}/apps/alpha`)).status).toBe(403);
    const beta = await viewer!.api('GET', `/v1/orgs/${orgId}/apps/beta`);
    expect(beta.status).toBe(200);
    expect(beta.body.envs).toEqual([]);
  });

  it('answers 404 for an unknown app and 400 for a malformed id', async () => {
    const { orgId, admin } = await orgWithMembers(h);
    expect((await admin.api('GET', `/v1/orgs/${orgId}/apps/nothing`)).status).toBe(404);
    const bad = await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'Bad#Id', name: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const unknownRole = await admin.api('PUT', `/v1/orgs/${orgId}/apps/nothing/members/${admin.userId}`, { role: 'Emperor' });
    expect(unknownRole.status).toBe(400);
  });
});

describe('environments and environment types', () => {
  it('needs Developer on the app and Deployer on the type to create, deploy and delete', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 1 });
    const [dev] = members.Member!;
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    expect((await admin.api('POST', `/v1/orgs/${orgId}/env-types`, { id: 'production' })).status).toBe(201);
    expect((await dev!.api('POST', `/v1/orgs/${orgId}/env-types`, { id: 'qa' })).status).toBe(403);
    const types = await dev!.api('GET', `/v1/orgs/${orgId}/env-types`);
    expect(types.body.envTypes.map((t: { envTypeId: string }) => t.envTypeId).sort()).toEqual(['development', 'production']);

    // default Developer on every app, Deployer on development
    expect((await dev!.api('POST', `/v1/orgs/${orgId}/apps/shop/envs`, { id: 'dev1', type: 'development' })).status).toBe(201);
    const prod = await dev!.api('POST', `/v1/orgs/${orgId}/apps/shop/envs`, { id: 'live', type: 'production' });
    expect(prod.status).toBe(403);
    expect(prod.body.error.details.missing).toEqual(['envType.deploy on environment type production']);
    expect((await admin.api('POST', `/v1/orgs/${orgId}/apps/shop/envs`, { id: 'live', type: 'production' })).status).toBe(201);
    expect(await can(dev!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'live' })).toBe(false);
    expect((await dev!.api('DELETE', `/v1/orgs/${orgId}/apps/shop/envs/live`)).status).toBe(403);

    expect((await admin.api('PUT', `/v1/orgs/${orgId}/env-types/production/members/${dev!.userId}`, { role: 'Deployer' })).status).toBe(200);
    const typeMembers = await dev!.api('GET', `/v1/orgs/${orgId}/env-types/production/members`);
    expect(typeMembers.body.users).toEqual([{ userId: dev!.userId, role: 'Deployer' }]);
    expect(await can(dev!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'live' })).toBe(true);
    expect((await dev!.api('DELETE', `/v1/orgs/${orgId}/apps/shop/envs/live`)).status).toBe(204);
    expect((await dev!.api('GET', `/v1/orgs/${orgId}/apps/shop/envs/live`)).status).toBe(404);
    const envs = await dev!.api('GET', `/v1/orgs/${orgId}/apps/shop/envs`);
    expect(envs.body.envs.map((e: { envId: string }) => e.envId)).toEqual(['dev1']);

    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/env-types/production/members/${dev!.userId}`)).status).toBe(204);
    expect(await can(dev!, orgId, { action: 'envType.deploy', envTypeId: 'production' })).toBe(false);
    expect((await dev!.api('POST', `/v1/orgs/${orgId}/apps/shop/envs`, { id: 'x', type: 'nope' })).status).toBe(404);
  });

  it('lets an environment role reach above or below the app role on that environment only', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 2 });
    const [viewer, owner] = members.Member!;
    await admin.api('PUT', `/v1/orgs/${orgId}/default-roles`, { orgRole: 'Member', appRole: null, envTypeRoles: {} });
    await admin.api('POST', `/v1/orgs/${orgId}/env-types`, { id: 'production' });
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    for (const id of ['staging', 'live']) await admin.api('POST', `/v1/orgs/${orgId}/apps/shop/envs`, { id, type: 'production' });
    await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${viewer!.userId}`, { role: 'Viewer' });
    await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/envs/staging/members/${viewer!.userId}`, { role: 'Deployer' });
    expect(await can(viewer!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'staging' })).toBe(true);
    expect(await can(viewer!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'live' })).toBe(false);

    await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${owner!.userId}`, { role: 'Owner' });
    await admin.api('PUT', `/v1/orgs/${orgId}/env-types/production/members/${owner!.userId}`, { role: 'Deployer' });
    await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/envs/live/members/${owner!.userId}`, { role: 'Viewer' });
    expect(await can(owner!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'staging' })).toBe(true);
    expect(await can(owner!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'live' })).toBe(false);
    expect((await owner!.api('DELETE', `/v1/orgs/${orgId}/apps/shop/envs/live`)).status).toBe(403);
    const people = await admin.api('GET', `/v1/orgs/${orgId}/apps/shop/envs/live/members`);
    expect(people.body.users).toEqual([{ userId: owner!.userId, role: 'Viewer' }]);
    // the restricted member may not lift the restriction themselves; whoever may grant there may
    const selfLift = await owner!.api('DELETE', `/v1/orgs/${orgId}/apps/shop/envs/live/members/${owner!.userId}`);
    expect(selfLift.status).toBe(403);
    expect(selfLift.body.error.message).toMatch(/restricts you/);
    expect(await can(owner!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'live' })).toBe(false);
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/apps/shop/envs/live/members/${owner!.userId}`)).status).toBe(204);
    expect(await can(owner!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'live' })).toBe(true);
    // a role that only raises may be dropped by its holder
    expect((await viewer!.api('DELETE', `/v1/orgs/${orgId}/apps/shop/envs/staging/members/${viewer!.userId}`)).status).toBe(204);
  });
});

describe('app members and deletion', () => {
  it("lets an app's Owner add members up to Developer; Managers give any app role", async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 3, Manager: 1 });
    const [owner, a, b] = members.Member!;
    const [manager] = members.Manager!;
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${owner!.userId}`, { role: 'Owner' });
    expect((await owner!.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${a!.userId}`, { role: 'Developer' })).status).toBe(200);
    const tooHigh = await owner!.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${b!.userId}`, { role: 'Owner' });
    expect(tooHigh.status).toBe(403);
    expect(tooHigh.body.error.message).toMatch(/up to Developer/);
    expect((await a!.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${b!.userId}`, { role: 'Viewer' })).status).toBe(403);
    expect((await manager!.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${b!.userId}`, { role: 'Owner' })).status).toBe(200);
    // an Owner may not take an Owner's role away (the same authority as giving it)
    expect((await owner!.api('DELETE', `/v1/orgs/${orgId}/apps/shop/members/${b!.userId}`)).status).toBe(403);
    expect((await owner!.api('DELETE', `/v1/orgs/${orgId}/apps/shop/members/${a!.userId}`)).status).toBe(204);
    expect((await owner!.api('DELETE', `/v1/orgs/${orgId}/apps/shop/members/${a!.userId}`)).status).toBe(404);
    // not a member of the org: 404
    const outsider = await h.user();
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${outsider.userId}`, { role: 'Viewer' })).status).toBe(404);
  });

  it('deletes an app only as Owner with Deployer on every type it uses, and leaves no grant behind', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 2 });
    const [owner, viewer] = members.Member!;
    await admin.api('POST', `/v1/orgs/${orgId}/env-types`, { id: 'production' });
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    await admin.api('POST', `/v1/orgs/${orgId}/apps/shop/envs`, { id: 'live', type: 'production' });
    await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${owner!.userId}`, { role: 'Owner' });
    await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${viewer!.userId}`, { role: 'Viewer' });
    await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/envs/live/members/${viewer!.userId}`, { role: 'Owner' });
    await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'web', name: 'Web' });
    await admin.api('PUT', `/v1/orgs/${orgId}/teams/web/members/${viewer!.userId}`);
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/web/grants`, { scope: 'app', appId: 'shop', role: 'Owner' })).status).toBe(200);

    const denied = await owner!.api('DELETE', `/v1/orgs/${orgId}/apps/shop`);
    expect(denied.status).toBe(403);
    expect(denied.body.error.details.missing).toEqual(['envType.deploy on environment type production']);
    await admin.api('PUT', `/v1/orgs/${orgId}/env-types/production/members/${owner!.userId}`, { role: 'Deployer' });
    expect((await owner!.api('DELETE', `/v1/orgs/${orgId}/apps/shop`)).status).toBe(204);
    expect((await owner!.api('GET', `/v1/orgs/${orgId}/apps/shop`)).status).toBe(404);

    // an app with the same id starts empty: no old direct, environment or team grant comes back
    await admin.api('PUT', `/v1/orgs/${orgId}/default-roles`, { orgRole: 'Member', appRole: null, envTypeRoles: {} });
    expect((await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop again' })).status).toBe(201);
    expect((await admin.api('POST', `/v1/orgs/${orgId}/apps/shop/envs`, { id: 'live', type: 'production' })).status).toBe(201);
    const people = await admin.api('GET', `/v1/orgs/${orgId}/apps/shop/members`);
    expect(people.body).toEqual({ users: [{ userId: admin.userId, role: 'Owner' }], teams: [] });
    expect((await admin.api('GET', `/v1/orgs/${orgId}/apps/shop/envs/live/members`)).body).toEqual({ users: [], teams: [] });
    expect((await admin.api('GET', `/v1/orgs/${orgId}/teams/web`)).body.grants).toEqual([]);
    for (const u of [owner!, viewer!]) {
      expect(await can(u, orgId, { action: 'app.read', appId: 'shop' })).toBe(false);
      expect(await can(u, orgId, { action: 'env.read', appId: 'shop', envId: 'live' })).toBe(false);
    }
  });

  it('joins a user and gives them roles only while they are a member', async () => {
    const { orgId, admin } = await orgWithMembers(h);
    const late = await h.user();
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${late.userId}`, { role: 'Viewer' })).status).toBe(404);
    await addMember(orgId, late);
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${late.userId}`, { role: 'Viewer' })).status).toBe(200);
  });
});

// Custom and default roles over HTTP against DynamoDB Local.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgWithMembers } from '../support/fixtures';
import { harness, type Harness, type TestUser } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

const can = async (asker: TestUser, orgId: string, body: Record<string, unknown>) => (await asker.api('POST', `/v1/orgs/${orgId}/authorize`, body)).body.allowed as boolean;

describe('custom roles', () => {
  it('lists built-in roles and permission names by scope', async () => {
    const { orgId, members } = await orgWithMembers(h, { Member: 1 });
    const res = await members.Member![0]!.api('GET', `/v1/orgs/${orgId}/roles`);
    expect(res.status).toBe(200);
    expect(res.body.roles).toContainEqual(expect.objectContaining({ id: 'Deployer', scope: 'envType', builtIn: true, permissions: ['envType.deploy'] }));
    expect(res.body.permissions.app).toContain('env.deploy');
    expect(Object.keys(res.body.permissions)).toEqual(['org', 'app', 'envType', 'env']);
  });

  it('defines a role, grants it (counted), refuses to delete it while in use, deletes it after', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 2 });
    const [releaser, other] = members.Member!;
    await admin.api('PUT', `/v1/orgs/${orgId}/default-roles`, { orgRole: 'Member', appRole: null, envTypeRoles: { development: 'Deployer' } });
    const created = await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'release-manager', name: 'Release manager', scope: 'app', permissions: ['app.read', 'env.read', 'env.deploy'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'release-manager', builtIn: false, inUse: 0 });
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    await admin.api('POST', `/v1/orgs/${orgId}/apps/shop/envs`, { id: 'dev1', type: 'development' });
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${releaser!.userId}`, { role: 'release-manager' })).status).toBe(200);
    expect(await can(releaser!, orgId, { action: 'env.deploy', appId: 'shop', envId: 'dev1' })).toBe(true);
    expect(await can(releaser!, orgId, { action: 'app.update', appId: 'shop' })).toBe(false);
    await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'rel', name: 'Release' });
    await admin.api('PUT', `/v1/orgs/${orgId}/teams/rel/grants`, { scope: 'app', appId: 'shop', role: 'release-manager' });
    expect((await admin.api('GET', `/v1/orgs/${orgId}/roles/release-manager`)).body.inUse).toBe(2);

    const inUse = await admin.api('DELETE', `/v1/orgs/${orgId}/roles/release-manager`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.code).toBe('conflict');
    // name and description may change, permissions may not
    expect((await admin.api('PATCH', `/v1/orgs/${orgId}/roles/release-manager`, { name: 'Releaser' })).body.name).toBe('Releaser');
    expect((await admin.api('PATCH', `/v1/orgs/${orgId}/roles/release-manager`, { permissions: ['app.delete'] })).status).toBe(400);

    // a member removed from the org takes their grant's count with them
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/members/${releaser!.userId}`)).status).toBe(204);
    await admin.api('DELETE', `/v1/orgs/${orgId}/teams/rel/grants?scope=app&appId=shop`);
    expect((await admin.api('GET', `/v1/orgs/${orgId}/roles/release-manager`)).body.inUse).toBe(0);
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/roles/release-manager`)).status).toBe(204);
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${other!.userId}`, { role: 'release-manager' })).status).toBe(400);
  });

  it('counts a custom organization role held as a member\'s org role, through role changes and removal', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 2 });
    const [first, second] = members.Member!;
    const created = await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'auditor', name: 'Auditor', scope: 'org', permissions: ['org.read'] });
    expect(created.status).toBe(201);
    const inUse = async () => (await admin.api('GET', `/v1/orgs/${orgId}/roles/auditor`)).body.inUse as number;
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/members/${first!.userId}/role`, { role: 'auditor' })).status).toBe(200);
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/members/${second!.userId}/role`, { role: 'auditor' })).status).toBe(200);
    expect(await inUse()).toBe(2);
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/roles/auditor`)).status).toBe(409);

    expect((await admin.api('PUT', `/v1/orgs/${orgId}/members/${first!.userId}/role`, { role: 'Member' })).status).toBe(200);
    expect(await inUse()).toBe(1);
    // the same custom app role on two apps, and the custom org role: removal counts each out once
    await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'reader', name: 'Reader', scope: 'app', permissions: ['app.read'] });
    for (const appId of ['a1', 'a2']) {
      await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: appId, name: appId });
      expect((await admin.api('PUT', `/v1/orgs/${orgId}/apps/${appId}/members/${second!.userId}`, { role: 'reader' })).status).toBe(200);
    }
    expect((await admin.api('GET', `/v1/orgs/${orgId}/roles/reader`)).body.inUse).toBe(2);
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/members/${second!.userId}`)).status).toBe(204);
    expect(await inUse()).toBe(0);
    expect((await admin.api('GET', `/v1/orgs/${orgId}/roles/reader`)).body.inUse).toBe(0);
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/roles/auditor`)).status).toBe(204);
  });

  it('validates roles and lets only Administrators define them', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Manager: 1 });
    const wrongScope = await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'x', name: 'X', scope: 'env', permissions: ['app.delete'] });
    expect(wrongScope.status).toBe(400);
    expect(wrongScope.body.error.message).toMatch(/Not permissions at env scope: app.delete/);
    expect((await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'viewer', name: 'V', scope: 'app', permissions: ['app.read'] })).status).toBe(400);
    expect((await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'Bad Id', name: 'V', scope: 'app', permissions: ['app.read'] })).status).toBe(400);
    expect((await members.Manager![0]!.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'mine', name: 'Mine', scope: 'org', permissions: ['org.read'] })).status).toBe(403);
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/roles/none`)).status).toBe(404);
  });

  it('lets an app Owner give a custom role only within Developer', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 2 });
    const [owner, target] = members.Member!;
    await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'gatekeeper', name: 'Gatekeeper', scope: 'app', permissions: ['app.read', 'app.manageMembers'] });
    await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'reader', name: 'Reader', scope: 'app', permissions: ['app.read', 'env.read'] });
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${owner!.userId}`, { role: 'Owner' });
    expect((await owner!.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${target!.userId}`, { role: 'gatekeeper' })).status).toBe(403);
    expect((await owner!.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${target!.userId}`, { role: 'reader' })).status).toBe(200);
  });
});

describe('default roles', () => {
  it('are read and set by Administrators and apply live', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Manager: 1, Member: 1 });
    const [member] = members.Member!;
    expect((await admin.api('GET', `/v1/orgs/${orgId}/default-roles`)).body).toEqual({ orgRole: 'Manager', appRole: 'Developer', envTypeRoles: { development: 'Deployer' } });
    expect((await members.Manager![0]!.api('GET', `/v1/orgs/${orgId}/default-roles`)).status).toBe(403);
    expect((await members.Manager![0]!.api('PUT', `/v1/orgs/${orgId}/default-roles`, { orgRole: 'Member', appRole: 'Owner', envTypeRoles: {} })).status).toBe(403);

    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'later', name: 'Later' });
    expect(await can(member!, orgId, { action: 'app.update', appId: 'later' })).toBe(true);
    await admin.api('POST', `/v1/orgs/${orgId}/env-types`, { id: 'production' });
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/default-roles`, { orgRole: 'Member', appRole: 'Viewer', envTypeRoles: { production: 'Deployer' } })).status).toBe(200);
    expect(await can(member!, orgId, { action: 'app.update', appId: 'later' })).toBe(false);
    expect(await can(member!, orgId, { action: 'envType.deploy', envTypeId: 'production' })).toBe(true);
    expect(await can(member!, orgId, { action: 'envType.deploy', envTypeId: 'development' })).toBe(false);

    for (const bad of [
      { orgRole: 'Administrator', appRole: null, envTypeRoles: {} },
      { orgRole: 'Member', appRole: 'Deployer', envTypeRoles: {} },
      { orgRole: 'Member', appRole: null, envTypeRoles: { nowhere: 'Deployer' } },
      { orgRole: 'Member', appRole: null },
    ]) {
      const res = await admin.api('PUT', `/v1/orgs/${orgId}/default-roles`, bad);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });
});

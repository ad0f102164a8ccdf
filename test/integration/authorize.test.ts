// POST /v1/orgs/{orgId}/authorize over HTTP against DynamoDB Local: the contract, the reasons, and
// the DynamoDB calls per authorized request (counted on the shared client's middleware stack).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamo } from '../../functions/store/client';
import { orgWithMembers } from '../support/fixtures';
import { harness, type Harness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

/** Count the DynamoDB calls made while `run` runs (instrumentation of the real client, not a mock). */
async function countCalls<T>(run: () => Promise<T>): Promise<{ result: T; calls: string[] }> {
  const calls: string[] = [];
  const name = `count-${Math.random()}`;
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    return { result: await run(), calls };
  } finally {
    dynamo.middlewareStack.remove(name);
  }
}

describe('authorize', () => {
  it('names each grant that allowed it: direct, team, default, administrator', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 1 });
    const [dev] = members.Member!;
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    await admin.api('POST', `/v1/orgs/${orgId}/apps/shop/envs`, { id: 'dev1', type: 'development' });
    await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${dev!.userId}`, { role: 'Developer' });
    await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'web', name: 'Web' });
    await admin.api('PUT', `/v1/orgs/${orgId}/teams/web/grants`, { scope: 'app', appId: 'shop', role: 'Viewer' });
    await admin.api('PUT', `/v1/orgs/${orgId}/teams/web/members/${dev!.userId}`);

    const res = await dev!.api('POST', `/v1/orgs/${orgId}/authorize`, { action: 'env.deploy', appId: 'shop', envId: 'dev1' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ allowed: true, userId: dev!.userId, action: 'env.deploy', missing: [], facts: { appId: 'shop', envId: 'dev1', envTypeId: 'development' } });
    expect(res.body.reasons.map((r: { grant: string }) => r.grant).sort()).toEqual([
      'default: Deployer on environment type development',
      'default: Developer on every app',
      'direct: Developer on app shop',
    ]);
    const read = await dev!.api('POST', `/v1/orgs/${orgId}/authorize`, { action: 'app.read', appId: 'shop' });
    expect(read.body.reasons.map((r: { grant: string }) => r.grant)).toContain('team web: Viewer on app shop');
    const asAdmin = await admin.api('POST', `/v1/orgs/${orgId}/authorize`, { action: 'app.delete', appId: 'shop' });
    expect(asAdmin.body).toMatchObject({ allowed: true, reasons: [{ via: 'administrator', grant: 'administrator: Administrator on the organization' }] });

    const denied = await dev!.api('POST', `/v1/orgs/${orgId}/authorize`, { action: 'app.delete', appId: 'shop' });
    expect(denied.body).toMatchObject({ allowed: false, reasons: [], missing: ['app.delete on app shop'] });
    const absent = await dev!.api('POST', `/v1/orgs/${orgId}/authorize`, { action: 'env.deploy', appId: 'shop', envId: 'gone' });
    expect(absent.body).toMatchObject({ allowed: false, missing: ['environment shop/gone does not exist'] });
  });

  it('answers about another user to Administrators and Managers only', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Manager: 1, Member: 2 });
    const [a, b] = members.Member!;
    const about = { userId: a!.userId, action: 'apps.create' };
    expect((await admin.api('POST', `/v1/orgs/${orgId}/authorize`, about)).body).toMatchObject({ allowed: false, userId: a!.userId });
    expect((await members.Manager![0]!.api('POST', `/v1/orgs/${orgId}/authorize`, about)).status).toBe(200);
    expect((await b!.api('POST', `/v1/orgs/${orgId}/authorize`, about)).status).toBe(403);
    expect((await admin.api('POST', `/v1/orgs/${orgId}/authorize`, { userId: 'not-a-member', action: 'org.read' })).status).toBe(404);
  });

  it('rejects unknown actions and missing ids with 400, and outsiders with 404', async () => {
    const { orgId, admin } = await orgWithMembers(h);
    const unknown = await admin.api('POST', `/v1/orgs/${orgId}/authorize`, { action: 'app.fly' });
    expect(unknown.status).toBe(400);
    const missing = await admin.api('POST', `/v1/orgs/${orgId}/authorize`, { action: 'app.read' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/needs appId/);
    const outsider = await h.user();
    expect((await outsider.api('POST', `/v1/orgs/${orgId}/authorize`, { action: 'org.read' })).status).toBe(404);
  });

  it('costs one Query (with the org item, in parallel) to authorize, team and default roles included', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 1 });
    const [dev] = members.Member!;
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    await admin.api('POST', `/v1/orgs/${orgId}/apps/shop/envs`, { id: 'dev1', type: 'development' });
    await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'web', name: 'Web' });
    await admin.api('PUT', `/v1/orgs/${orgId}/teams/web/grants`, { scope: 'org', role: 'ArtifactContributor' });
    await admin.api('PUT', `/v1/orgs/${orgId}/teams/web/members/${dev!.userId}`);

    // an org-scope question needs no resource facts: exactly the caller's collection and the org item
    const org = await countCalls(() => dev!.api('POST', `/v1/orgs/${orgId}/authorize`, { action: 'artifacts.write' }));
    expect(org.result.body.allowed).toBe(true);
    expect(org.calls.sort()).toEqual(['GetItemCommand', 'QueryCommand']);
    // an environment question adds one read of the environment (its type)
    const env = await countCalls(() => dev!.api('POST', `/v1/orgs/${orgId}/authorize`, { action: 'env.deploy', appId: 'shop', envId: 'dev1' }));
    expect(env.result.body.allowed).toBe(true);
    expect(env.calls.sort()).toEqual(['GetItemCommand', 'GetItemCommand', 'QueryCommand']);
    // any route: authorizing it costs the same one Query (GET an app: + the app and its environments)
    const route = await countCalls(() => dev!.api('GET', `/v1/orgs/${orgId}/apps/shop`));
    expect(route.result.status).toBe(200);
    expect(route.calls.filter((c) => c === 'QueryCommand')).toHaveLength(2);
    expect(route.calls.filter((c) => c === 'GetItemCommand')).toHaveLength(2);
  });
});

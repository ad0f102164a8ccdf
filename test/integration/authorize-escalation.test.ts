// Privilege escalation over HTTP: every grant route, tried by actors below Administrator with every
// role, never leaves the grantee holding a permission the actor lacks (Managers excepted only for
// app roles, which the product lets them give), directly, through teams or through custom roles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, orgWithMembers } from '../support/fixtures';
import { harness, type Harness, type TestUser } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

const ENV_ACTIONS = ['env.read', 'env.update', 'env.deploy', 'env.delete', 'env.manageMembers'];
const QUESTIONS = [
  ...['app.read', 'app.update', 'app.delete', 'app.manageMembers', 'env.create'].map((action) => ({ action, appId: 'shop', envTypeId: 'production' })),
  ...ENV_ACTIONS.map((action) => ({ action, appId: 'shop', envId: 'live' })),
  ...ENV_ACTIONS.map((action) => ({ action, appId: 'shop', envId: 'dev' })),
  { action: 'envType.deploy', envTypeId: 'production' },
  ...['apps.create', 'apps.grantRoles', 'teams.manage', 'roles.manage', 'envTypes.manage', 'members.invite'].map((action) => ({ action })),
];
const key = (q: (typeof QUESTIONS)[number]) => `${q.action}${'envId' in q ? `@${q.envId}` : ''}`;

async function allowedSet(admin: TestUser, orgId: string, userId: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const q of QUESTIONS) {
    const res = await admin.api('POST', `/v1/orgs/${orgId}/authorize`, { userId, ...q });
    if (res.body.allowed) out.add(key(q));
  }
  return out;
}

/**
 * A Manager gives any app role (the product's rule) and environment roles likewise, except that an
 * environment role that deploys or deletes stands for Deployer on the type: that one must be theirs.
 */
const managerMayGive = (path: string, action: string) =>
  path.includes('/apps/shop/members/')
    ? action.startsWith('app.') || action.startsWith('env.')
    : path.includes('/envs/') && (action.startsWith('app.') || action.startsWith('env.')) && action !== 'env.deploy' && action !== 'env.delete';

describe('no route lets a user grant above their own permissions', () => {
  it('holds for app Owners, environment Owners, Developers, Managers and Members, across every grant route', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 4, Manager: 1 });
    const [appOwner, envOwner, developer, plain] = members.Member!;
    const [manager] = members.Manager!;
    await admin.api('PUT', `/v1/orgs/${orgId}/default-roles`, { orgRole: 'Member', appRole: null, envTypeRoles: {} });
    await admin.api('POST', `/v1/orgs/${orgId}/env-types`, { id: 'production' });
    await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' });
    await admin.api('POST', `/v1/orgs/${orgId}/apps/shop/envs`, { id: 'live', type: 'production' });
    await admin.api('POST', `/v1/orgs/${orgId}/apps/shop/envs`, { id: 'dev', type: 'development' });
    await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${appOwner!.userId}`, { role: 'Owner' });
    await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/envs/live/members/${envOwner!.userId}`, { role: 'Owner' });
    await admin.api('PUT', `/v1/orgs/${orgId}/apps/shop/members/${developer!.userId}`, { role: 'Developer' });
    await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'all-app', name: 'Everything on an app', scope: 'app', permissions: ['app.read', 'app.update', 'app.delete', 'app.manageMembers', 'env.manageMembers', 'env.deploy'] });
    await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'all-env', name: 'Everything on an env', scope: 'env', permissions: ['env.read', 'env.update', 'env.deploy', 'env.delete', 'env.manageMembers'] });
    await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'org-power', name: 'Org power', scope: 'org', permissions: ['org.read', 'roles.manage', 'envTypes.manage', 'teams.manage'] });
    await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'powerful', name: 'Powerful' });
    await admin.api('PUT', `/v1/orgs/${orgId}/teams/powerful/grants`, { scope: 'envType', envTypeId: 'production', role: 'Deployer' });
    await admin.api('PUT', `/v1/orgs/${orgId}/teams/powerful/grants`, { scope: 'org', role: 'org-power' });
    await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'empty', name: 'Empty' });

    const attempts = (grantee: string): [string, string, unknown?][] => [
      ...['Viewer', 'Developer', 'Owner', 'all-app'].map((role): [string, string, unknown] => ['PUT', `/apps/shop/members/${grantee}`, { role }]),
      ...['Viewer', 'Developer', 'Deployer', 'Owner', 'all-env'].map((role): [string, string, unknown] => ['PUT', `/apps/shop/envs/live/members/${grantee}`, { role }]),
      ...['Deployer', 'Owner', 'all-env'].map((role): [string, string, unknown] => ['PUT', `/apps/shop/envs/dev/members/${grantee}`, { role }]),
      ['PUT', `/env-types/production/members/${grantee}`, { role: 'Deployer' }],
      ['PUT', `/teams/powerful/members/${grantee}`],
      ['PUT', `/teams/empty/members/${grantee}`],
      ['PUT', '/teams/empty/grants', { scope: 'org', role: 'org-power' }],
      ['PUT', '/teams/empty/grants', { scope: 'envType', envTypeId: 'production', role: 'Deployer' }],
      ['PUT', '/teams/empty/grants', { scope: 'env', appId: 'shop', envId: 'live', role: 'all-env' }],
      ['PUT', '/teams/empty/grants', { scope: 'app', appId: 'shop', role: 'all-app' }],
      ['POST', '/roles', { id: `r-${grantee.slice(-6).toLowerCase()}`, name: 'r', scope: 'org', permissions: ['org.read', 'envTypes.manage'] }],
      ['PUT', '/default-roles', { orgRole: 'Member', appRole: 'Owner', envTypeRoles: { production: 'Deployer' } }],
    ];

    const succeeded: string[] = [];
    for (const actor of [appOwner!, envOwner!, developer!, plain!, manager!]) {
      const grantee = await h.user();
      await addMember(orgId, grantee);
      const own = await allowedSet(admin, orgId, actor.userId);
      const isManager = own.has('apps.grantRoles');
      for (const [method, path, body] of attempts(grantee.userId)) {
        const res = await actor.api(method, `/v1/orgs/${orgId}${path}`, body);
        expect([200, 201, 204, 400, 403, 404], `${method} ${path}`).toContain(res.status);
        if (res.status >= 300) continue;
        succeeded.push(`${actor === manager ? 'manager' : 'member'} ${method} ${path}`);
        // the actor may have put themselves into the empty team: everything it holds must be theirs already
        const theirs = await allowedSet(admin, orgId, grantee.userId);
        const route = path === '/teams/empty/grants' ? `${path}#${(body as { scope: string }).scope}` : path;
        for (const action of theirs) {
          if (isManager && managerMayGive(route, action.split('@')[0]!)) continue;
          expect(own.has(action), `${method} ${path} gave ${action}`).toBe(true);
        }
      }
      // reset the shared team between actors
      await admin.api('DELETE', `/v1/orgs/${orgId}/teams/empty`);
      await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'empty', name: 'Empty' });
    }
    // the check is not vacuous: Owners and Managers did give what they may
    expect(succeeded.length).toBeGreaterThanOrEqual(8);

    // No one raises their own access, Managers included: every grant route aimed at oneself.
    for (const actor of [appOwner!, envOwner!, developer!, plain!, manager!]) {
      const before = await allowedSet(admin, orgId, actor.userId);
      for (const [method, path, body] of attempts(actor.userId)) {
        const res = await actor.api(method, `/v1/orgs/${orgId}${path}`, body);
        expect([200, 201, 204, 400, 403, 404], `${method} ${path}`).toContain(res.status);
        if (res.status >= 300) continue;
        const after = await allowedSet(admin, orgId, actor.userId);
        for (const action of after) expect(before.has(action), `${method} ${path} (to oneself) gave ${action}`).toBe(true);
      }
      await admin.api('DELETE', `/v1/orgs/${orgId}/teams/empty`);
      await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 'empty', name: 'Empty' });
    }
  }, 240_000);
});

// Authorization benchmark, in one run on the same data (1,000 users, 200 apps, 20 environment types,
// 50 teams): decisions per second of our evaluator and of node-casbin with an equivalent
// RBAC-with-domains model, their ratio; then DynamoDB calls per request for every route, counted on
// the shared client's middleware stack against DynamoDB Local.

import { newEnforcer, newModelFromString } from 'casbin';
import { decide, subjectGrants, type DefaultRoles, type Grant, type ResourceFacts } from '../functions/domain/evaluator';
import { PERMISSIONS, builtInRole, type Permission, type Scope } from '../functions/domain/permissions';

const USERS = 1000;
const APPS = 200;
const TYPES = 20;
const TEAMS = 50;
const SECONDS = 3;
const AGREEMENT_SAMPLE = 2_000;

/** A deterministic generator, so both engines and every run see the same data. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface World {
  defaults: DefaultRoles;
  users: { id: string; orgRole: string; direct: Grant[]; teams: string[] }[];
  teams: Map<string, Grant[]>;
  envs: { appId: string; envId: string; envTypeId: string }[];
  requests: { user: number; action: Permission; facts: ResourceFacts }[];
}

const g = (scope: Scope, target: string, role: string, via: Grant['via'] = { kind: 'direct' }): Grant => ({ scope, target, role, permissions: builtInRole(scope, role)!.permissions, via });

function world(): World {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const apps = Array.from({ length: APPS }, (_, i) => `app${i}`);
  const types = ['development', ...Array.from({ length: TYPES - 1 }, (_, i) => `type${i}`)];
  const envs = apps.flatMap((appId) => ['dev', 'staging', 'live'].map((envId, i) => ({ appId, envId, envTypeId: i === 0 ? 'development' : pick(types) })));
  const teams = new Map<string, Grant[]>();
  for (let t = 0; t < TEAMS; t++) {
    const via = { kind: 'team' as const, teamId: `team${t}` };
    teams.set(`team${t}`, [...Array.from({ length: 5 }, () => g('app', pick(apps), pick(['Viewer', 'Developer', 'Owner']), via)), g('envType', pick(types), 'Deployer', via)]);
  }
  const users = Array.from({ length: USERS }, (_, i) => {
    const x = r();
    const orgRole = x < 0.01 ? 'Administrator' : x < 0.2 ? 'Manager' : x < 0.3 ? 'ArtifactContributor' : 'Member';
    const direct = [
      ...Array.from({ length: 3 }, () => g('app', pick(apps), pick(['Viewer', 'Developer', 'Owner']))),
      g('envType', pick(types), 'Deployer'),
      ...(r() < 0.5 ? [(() => { const e = pick(envs); return g('env', `${e.appId}/${e.envId}`, 'Owner'); })()] : []),
    ];
    return { id: `user${i}`, orgRole, direct, teams: Array.from({ length: 1 + Math.floor(r() * 2) }, () => `team${Math.floor(r() * TEAMS)}`) };
  });
  const actions = [...new Set(Object.values(PERMISSIONS).flat())] as Permission[];
  const requests = Array.from({ length: 10_000 }, () => {
    const action = pick(actions);
    const env = pick(envs);
    const facts: ResourceFacts = { appId: env.appId, envId: env.envId, envTypeId: action === 'envType.deploy' ? pick(types) : env.envTypeId, appEnvTypes: envs.filter((e) => e.appId === env.appId).map((e) => e.envTypeId) };
    return { user: Math.floor(r() * USERS), action, facts };
  });
  return { defaults: { orgRole: 'Member', appRole: 'Viewer', envTypeRoles: { development: 'Deployer' } }, users, teams, envs, requests };
}

/** What one request costs us: the user's collection (team copies included) folded with the live defaults, then decide. */
function oursFor(w: World) {
  const collections = w.users.map((u) => [...u.direct, ...u.teams.flatMap((t) => w.teams.get(t) ?? [])]);
  return (i: number) => {
    const q = w.requests[i % w.requests.length]!;
    const u = w.users[q.user]!;
    const grants = subjectGrants({ orgId: 'o', userId: u.id, orgRole: u.orgRole, grants: collections[q.user]! }, w.defaults);
    return decide(grants, q.action, q.facts).allowed;
  };
}

const CASBIN_MODEL = `
[request_definition]
r = sub, dom, act

[policy_definition]
p = sub, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = (g(r.sub, p.sub, r.dom) || g(r.sub, p.sub, "org") || g("everyone", p.sub, r.dom)) && (r.act == p.act || p.act == "*")
`;

/**
 * The same data in casbin's RBAC with domains: a domain per target (org, app:a, envType:t, env:a/e),
 * roles as permission sets; org roles (Administrator: "*") hold in every domain; team roles expanded
 * to each member (as our store copies them); defaults as roles of "everyone" in each app and type.
 * Plain domain lookups, no pattern matching, so casbin is at its fastest. Compound rules are composed
 * from several enforce calls, as a caller would.
 */
async function casbinFor(w: World) {
  const e = await newEnforcer(await newModelFromString(CASBIN_MODEL));
  const policies: string[][] = [];
  for (const scope of ['org', 'app', 'envType', 'env'] as Scope[]) {
    for (const id of ['Member', 'ArtifactContributor', 'Manager', 'Viewer', 'Developer', 'Owner', 'Deployer']) {
      const def = builtInRole(scope, id);
      if (def) for (const p of def.permissions) policies.push([`${scope}:${id}`, p]);
    }
  }
  policies.push(['org:Administrator', '*']);
  await e.addPolicies(policies);
  const roles: string[][] = [];
  const dom = (x: Grant) => (x.scope === 'org' ? 'org' : `${x.scope}:${x.target}`);
  for (const appId of new Set(w.envs.map((x) => x.appId))) roles.push(['everyone', `app:${w.defaults.appRole}`, `app:${appId}`]);
  for (const [t, r] of Object.entries(w.defaults.envTypeRoles)) roles.push(['everyone', `envType:${r}`, `envType:${t}`]);
  for (const u of w.users) {
    roles.push([u.id, `org:${u.orgRole}`, 'org']);
    for (const x of [...u.direct, ...u.teams.flatMap((t) => w.teams.get(t) ?? [])]) roles.push([u.id, `${x.scope}:${x.role}`, dom(x)]);
  }
  await e.addGroupingPolicies(roles);
  const envActions = new Set<string>(PERMISSIONS.env);
  return (i: number) => {
    const q = w.requests[i % w.requests.length]!;
    const sub = w.users[q.user]!.id;
    const { appId, envId, envTypeId } = q.facts;
    const has = (d: string, act: string) => e.enforceSync(sub, d, act);
    const typeOk = (t: string) => has(`envType:${t}`, 'envType.deploy');
    if ((PERMISSIONS.org as readonly string[]).includes(q.action)) return has('org', q.action);
    if (q.action === 'envType.deploy') return typeOk(envTypeId!);
    if (q.action === 'env.create') return has(`app:${appId}`, 'env.create') && typeOk(envTypeId!);
    if (q.action === 'app.delete') return has(`app:${appId}`, 'app.delete') && q.facts.appEnvTypes!.every(typeOk);
    if (envActions.has(q.action)) {
      const onEnv = has(`env:${appId}/${envId}`, q.action);
      if (q.action === 'env.deploy' || q.action === 'env.delete') return onEnv || (has(`app:${appId}`, q.action) && typeOk(envTypeId!));
      return onEnv || has(`app:${appId}`, q.action);
    }
    return has(`app:${appId}`, q.action);
  };
}

/** Decisions per second: warm up, then run for about `seconds` (in batches, checking the time between). */
function rate(run: (i: number) => boolean, seconds: number): number {
  for (let i = 0; i < 200; i++) run(i); // warm up
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let n = 0;
  for (let batch = 1; process.hrtime.bigint() - start < budget; batch = Math.min(batch * 2, 10_000)) {
    for (let i = 0; i < batch; i++) run(n++);
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

export async function evaluatorFigures() {
  const w = world();
  const ours = oursFor(w);
  const casbin = await casbinFor(w);
  let agree = 0;
  for (let i = 0; i < AGREEMENT_SAMPLE; i++) if (ours(i) === casbin(i)) agree++;
  const oursRate = rate(ours, SECONDS);
  const casbinRate = rate(casbin, SECONDS);
  console.log(`authorize: ${USERS} users, ${APPS} apps (${w.envs.length} environments), ${TYPES} environment types, ${TEAMS} teams`);
  console.log(`  our evaluator : ${Math.round(oursRate).toLocaleString('en')} decisions/s (subjectGrants + decide per decision)`);
  console.log(`  node-casbin   : ${Math.round(casbinRate).toLocaleString('en')} decisions/s (RBAC with domains, enforceSync)`);
  console.log(`  ratio         : ${(oursRate / casbinRate).toFixed(1)}× (ours / casbin)`);
  console.log(`  agreement     : ${((100 * agree) / AGREEMENT_SAMPLE).toFixed(2)}% of ${AGREEMENT_SAMPLE} requests decided the same by both`);
}

/** DynamoDB calls per request for every route of the route table, on DynamoDB Local through the local server. */
async function callsPerRoute() {
  const { startDynamoLocal, ensureTable } = await import('../local/dynamo');
  const { startSesLocal } = await import('../local/ses');
  const { setLocalEnvironment } = await import('../local/environment');
  // The DynamoDB Local of `npm run bench` (bench/run.ts) when there is one: the SDK client is made once.
  const dynamoLocal = process.env.AWS_ENDPOINT_URL_DYNAMODB ? undefined : await startDynamoLocal();
  const dynamoEndpoint = dynamoLocal?.endpoint ?? process.env.AWS_ENDPOINT_URL_DYNAMODB!;
  const ses = await startSesLocal(0);
  const tableName = process.env.TABLE_NAME ?? `bench-routes-${Date.now()}`;
  setLocalEnvironment({ dynamoEndpoint, sesEndpoint: ses.endpoint, publicUrl: 'http://localhost:0', tableName });
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  await ensureTable(dynamoEndpoint, tableName);
  const { createLocalSigner } = await import('../local/sign-in');
  const { tokenVerifier } = await import('../functions/http/auth');
  const { startLocalServer } = await import('../local/server');
  const { dynamo } = await import('../functions/store/client');
  const { keys } = await import('../functions/store/keys');
  const { routes } = await import('../functions/routes');
  const { joinItems } = await import('../functions/store/orgs');
  const { transact } = await import('../functions/store/transact');
  const signer = await createLocalSigner({ issuer: process.env.JWT_ISSUER!, audience: process.env.JWT_AUDIENCE! });
  tokenVerifier().cacheJwks(signer.jwks as never);
  const { server, url } = await startLocalServer({ port: 0, signer, sesEndpoint: ses.endpoint });
  try {
    const token = await signer.issue({ email: 'bench@example.com', provider: 'Google' });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
    };
    const me = await call('GET', '/v1/me');
    const userId = me.body!.user.userId as string;
    const orgId = (await call('POST', '/v1/orgs', { name: 'Bench' })).body!.orgId as string;
    const o = `/v1/orgs/${orgId}`;
    for (const [m, p, b] of [
      ['POST', `${o}/apps`, { id: 'shop', name: 'Shop' }],
      ['POST', `${o}/apps/shop/envs`, { id: 'dev1', type: 'development' }],
      ['POST', `${o}/teams`, { id: 'web', name: 'Web' }],
      ['PUT', `${o}/teams/web/grants`, { scope: 'app', appId: 'shop', role: 'Developer' }],
      ['PUT', `${o}/teams/web/members/${userId}`],
    ] as const) await call(m, p, b);
    // A second member whose role changes and who is removed.
    const other = 'bench-other';
    await transact(joinItems({ orgId, userId: other, email: 'other@example.com', role: 'Member', joinedAt: new Date().toISOString() }));

    // One request per route that succeeds where it can, GETs first and DELETEs last. Ids not given
    // here come from `params` (the app, environment, type and team made above).
    const samples: Record<string, [string, unknown?]> = {
      'POST /v1/orgs': ['/v1/orgs', { name: 'Other' }],
      'POST /v1/orgs/{orgId}/invitations': [`${o}/invitations`, { email: 'new@example.com' }],
      'POST /v1/orgs/{orgId}/apps': [`${o}/apps`, { id: 'blog', name: 'Blog' }],
      'POST /v1/orgs/{orgId}/env-types': [`${o}/env-types`, { id: 'production' }],
      'POST /v1/orgs/{orgId}/apps/{appId}/envs': [`${o}/apps/shop/envs`, { id: 'dev2', type: 'development' }],
      'POST /v1/orgs/{orgId}/teams': [`${o}/teams`, { id: 'ops', name: 'Ops' }],
      'POST /v1/orgs/{orgId}/roles': [`${o}/roles`, { id: 'reader', name: 'Reader', scope: 'app', permissions: ['app.read'] }],
      'POST /v1/orgs/{orgId}/authorize': [`${o}/authorize`, { action: 'env.deploy', appId: 'shop', envId: 'dev1' }],
      'GET /v1/orgs/{orgId}/roles/{roleId}': [`${o}/roles/Manager`],
      'PUT /v1/orgs/{orgId}/members/{userId}/role': [`${o}/members/${other}/role`, { role: 'Manager' }],
      'PUT /v1/orgs/{orgId}/apps/{appId}/members/{userId}': [`${o}/apps/blog/members/${other}`, { role: 'reader' }],
      'PUT /v1/orgs/{orgId}/env-types/{typeId}/members/{userId}': [`${o}/env-types/production/members/${userId}`, { role: 'Deployer' }],
      'PUT /v1/orgs/{orgId}/apps/{appId}/envs/{envId}/members/{userId}': [`${o}/apps/shop/envs/dev1/members/${userId}`, { role: 'Owner' }],
      'PUT /v1/orgs/{orgId}/teams/{teamId}/members/{userId}': [`${o}/teams/ops/members/${userId}`],
      'PUT /v1/orgs/{orgId}/teams/{teamId}/grants': [`${o}/teams/ops/grants`, { scope: 'app', appId: 'blog', role: 'Viewer' }],
      'PUT /v1/orgs/{orgId}/default-roles': [`${o}/default-roles`, { orgRole: 'Manager', appRole: 'Developer', envTypeRoles: { development: 'Deployer' } }],
      'PATCH /v1/orgs/{orgId}/roles/{roleId}': [`${o}/roles/reader`, { name: 'Readers' }],
      'PATCH /v1/orgs/{orgId}': [o, { name: 'Bench 2' }],
      'DELETE /v1/orgs/{orgId}/members/{userId}': [`${o}/members/${other}`],
      'DELETE /v1/orgs/{orgId}/apps/{appId}': [`${o}/apps/blog`],
      'DELETE /v1/orgs/{orgId}/env-types/{typeId}/members/{userId}': [`${o}/env-types/production/members/${userId}`],
      'DELETE /v1/orgs/{orgId}/apps/{appId}/envs/{envId}': [`${o}/apps/shop/envs/dev2`],
      'DELETE /v1/orgs/{orgId}/teams/{teamId}': [`${o}/teams/ops`],
      'DELETE /v1/orgs/{orgId}/teams/{teamId}/grants': [`${o}/teams/web/grants?scope=app&appId=shop`],
    };
    const params: Record<string, string> = { orgId, appId: 'shop', envId: 'dev1', typeId: 'development', teamId: 'web', roleId: 'reader', userId, invitationId: 'none', token: 'none' };
    const order = (m: string) => ({ GET: 0, POST: 1, PUT: 2, PATCH: 3, DELETE: 4 })[m] ?? 5;
    const table = [...routes].filter((r) => r.auth === 'user').sort((a, b) => order(a.method) - order(b.method));
    const rows: string[] = [];
    const authPk = keys.subjectPK(orgId, userId);
    for (const route of table) {
      const key = `${route.method} ${route.path}`;
      if (key === 'DELETE /v1/orgs/{orgId}') continue; // would end the run's org
      const [path, body] = samples[key] ?? [route.path.replace(/\{(\w+)\}/g, (_, n: string) => params[n] ?? n)];
      let total = 0;
      let auth = 0;
      const name = `bench-count-${rows.length}`;
      dynamo.middlewareStack.add(
        (next, context) => async (args) => {
          total++;
          const input = args.input as { ExpressionAttributeValues?: Record<string, unknown>; Key?: Record<string, unknown> };
          const isCollection = context.commandName === 'QueryCommand' && input.ExpressionAttributeValues?.[':pk'] === authPk;
          const isOrg = context.commandName === 'GetItemCommand' && JSON.stringify(input.Key ?? {}).includes(`"ORG#${orgId}"`) && JSON.stringify(input.Key ?? {}).includes('"ORG"}');
          if (isCollection || isOrg) auth++;
          return next(args);
        },
        { step: 'initialize', name },
      );
      const res = await call(route.method, path, body);
      dynamo.middlewareStack.remove(name);
      if (key === 'POST /v1/orgs/{orgId}/invitations' && res.body?.invitationId) params.invitationId = res.body.invitationId as string;
      rows.push(`  ${key.padEnd(68)} ${String(res.status).padStart(3)}  ${String(total).padStart(3)} calls (${auth} to authorize)`);
    }
    console.log('DynamoDB calls per request, by route (status; authorization = the caller\'s collection Query + the org GetItem, in parallel):');
    for (const row of rows) console.log(row);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await ses.stop();
    await dynamoLocal?.stop();
  }
}

export async function authorizeBench(): Promise<void> {
  await evaluatorFigures();
  await callsPerRoute();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await authorizeBench();
}

// Authorization benchmark, in one run on the same data (1,000 users, 200 apps, 20 environment types,
// 50 teams): decisions per second of our evaluator and of node-casbin with an equivalent
// RBAC-with-domains model, their ratio; then DynamoDB calls per request for every route (public ones,
// a live invitation link and the org's deletion included), counted on the shared client's middleware
// stack against DynamoDB Local, with each request's time as a ratio to a baseline of the same run.
// Only the route figures: `npx tsx bench/authorize.ts --routes`.

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

/** Median of a list of numbers. */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/**
 * DynamoDB calls per request for every route of the route table, on DynamoDB Local through the local
 * server, each measured on a success where one can be arranged: a real invitation is issued so its
 * preview, its page and its acceptance (by the invitee) are measured on a live link, and the org is
 * deleted last. Beside the calls, each request's time as a ratio to a baseline measured in this run
 * (the median GET /v1/openapi.json: the whole HTTP stack, no DynamoDB). No timed assertion anywhere.
 */
export async function callsPerRoute() {
  const { startDynamoLocal, ensureTable } = await import('../local/dynamo');
  const { startSesLocal, readMailbox } = await import('../local/ses');
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
    const inviteeEmail = 'invitee@example.com';
    const tokens = {
      owner: await signer.issue({ email: 'bench@example.com', provider: 'Google' }),
      invitee: await signer.issue({ email: inviteeEmail, provider: 'GitHub' }),
      anonymous: undefined,
    };
    type Caller = keyof typeof tokens;
    const call = async (method: string, path: string, body?: unknown, as: Caller = 'owner') => {
      const token = tokens[as];
      const started = process.hrtime.bigint();
      const res = await fetch(url + path, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let json: Record<string, any> | undefined;
      try {
        json = text ? (JSON.parse(text) as Record<string, any>) : undefined;
      } catch {
        json = undefined; // the invite page is HTML
      }
      return { status: res.status, body: json, ms };
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
      ['POST', `${o}/invitations`, { email: inviteeEmail, role: 'Member' }],
    ] as const) {
      const res = await call(m, p, b);
      if (res.status >= 300) throw new Error(`bench setup: ${m} ${p} answered ${res.status} ${JSON.stringify(res.body)}`);
    }
    // The live link of that invitation, as the invitee gets it: from the mail the local SES kept.
    const mail = (await readMailbox(ses.endpoint)).reverse().find((m) => m.destination.to.includes(inviteeEmail));
    const inviteToken = /\/invite\/([^\s"'<>]+)/.exec(mail?.body.text ?? '')?.[1];
    if (!inviteToken) throw new Error('bench setup: no invitation link in the local mailbox');
    // A second member whose role changes and who is removed.
    const other = 'bench-other';
    await transact(joinItems({ orgId, userId: other, email: 'other@example.com', role: 'Member', joinedAt: new Date().toISOString() }));

    // The baseline of this run: the cheapest route (no DynamoDB), warmed up, median of 21.
    for (let i = 0; i < 5; i++) await call('GET', '/v1/openapi.json', undefined, 'anonymous');
    const baselineTimes: number[] = [];
    for (let i = 0; i < 21; i++) baselineTimes.push((await call('GET', '/v1/openapi.json', undefined, 'anonymous')).ms);
    const baseline = median(baselineTimes);

    // One request per route that succeeds where it can, GETs first and DELETEs last, the org's own
    // deletion at the very end. Ids not given here come from `params` (made above).
    const samples: Record<string, { path: string; body?: unknown; as?: Caller }> = {
      'GET /v1/openapi.json': { path: '/v1/openapi.json', as: 'anonymous' },
      'GET /v1/invitations/{token}': { path: `/v1/invitations/${inviteToken}`, as: 'anonymous' },
      'GET /invite/{token}': { path: `/invite/${inviteToken}`, as: 'anonymous' },
      'POST /v1/invitations/{token}/accept': { path: `/v1/invitations/${inviteToken}/accept`, as: 'invitee' },
      'POST /v1/orgs': { path: '/v1/orgs', body: { name: 'Other' } },
      'POST /v1/orgs/{orgId}/invitations': { path: `${o}/invitations`, body: { email: 'new@example.com' } },
      'POST /v1/orgs/{orgId}/apps': { path: `${o}/apps`, body: { id: 'blog', name: 'Blog' } },
      'POST /v1/orgs/{orgId}/env-types': { path: `${o}/env-types`, body: { id: 'production' } },
      'POST /v1/orgs/{orgId}/apps/{appId}/envs': { path: `${o}/apps/shop/envs`, body: { id: 'dev2', type: 'development' } },
      'POST /v1/orgs/{orgId}/teams': { path: `${o}/teams`, body: { id: 'ops', name: 'Ops' } },
      'POST /v1/orgs/{orgId}/roles': { path: `${o}/roles`, body: { id: 'reader', name: 'Reader', scope: 'app', permissions: ['app.read'] } },
      'POST /v1/orgs/{orgId}/authorize': { path: `${o}/authorize`, body: { action: 'env.deploy', appId: 'shop', envId: 'dev1' } },
      'GET /v1/orgs/{orgId}/roles/{roleId}': { path: `${o}/roles/Manager` },
      'PUT /v1/orgs/{orgId}/members/{userId}/role': { path: `${o}/members/${other}/role`, body: { role: 'Manager' } },
      'PUT /v1/orgs/{orgId}/apps/{appId}/members/{userId}': { path: `${o}/apps/blog/members/${other}`, body: { role: 'reader' } },
      'PUT /v1/orgs/{orgId}/env-types/{typeId}/members/{userId}': { path: `${o}/env-types/production/members/${userId}`, body: { role: 'Deployer' } },
      'PUT /v1/orgs/{orgId}/apps/{appId}/envs/{envId}/members/{userId}': { path: `${o}/apps/shop/envs/dev1/members/${userId}`, body: { role: 'Owner' } },
      'PUT /v1/orgs/{orgId}/teams/{teamId}/members/{userId}': { path: `${o}/teams/ops/members/${userId}` },
      'PUT /v1/orgs/{orgId}/teams/{teamId}/grants': { path: `${o}/teams/ops/grants`, body: { scope: 'app', appId: 'blog', role: 'Viewer' } },
      'PUT /v1/orgs/{orgId}/default-roles': { path: `${o}/default-roles`, body: { orgRole: 'Manager', appRole: 'Developer', envTypeRoles: { development: 'Deployer' } } },
      'PATCH /v1/orgs/{orgId}/roles/{roleId}': { path: `${o}/roles/reader`, body: { name: 'Readers' } },
      'PATCH /v1/orgs/{orgId}': { path: o, body: { name: 'Bench 2' } },
      'DELETE /v1/orgs/{orgId}/members/{userId}': { path: `${o}/members/${other}` },
      'DELETE /v1/orgs/{orgId}/apps/{appId}': { path: `${o}/apps/blog` },
      'DELETE /v1/orgs/{orgId}/env-types/{typeId}/members/{userId}': { path: `${o}/env-types/production/members/${userId}` },
      'DELETE /v1/orgs/{orgId}/apps/{appId}/envs/{envId}': { path: `${o}/apps/shop/envs/dev2` },
      'DELETE /v1/orgs/{orgId}/teams/{teamId}': { path: `${o}/teams/ops` },
      'DELETE /v1/orgs/{orgId}/teams/{teamId}/grants': { path: `${o}/teams/web/grants?scope=app&appId=shop` },
    };
    const params: Record<string, string> = { orgId, appId: 'shop', envId: 'dev1', typeId: 'development', teamId: 'web', roleId: 'reader', userId };
    const LAST = 'DELETE /v1/orgs/{orgId}'; // ends the run's org, so it goes after everything else
    const order = (r: { method: string; path: string }) => (`${r.method} ${r.path}` === LAST ? 9 : ({ GET: 0, POST: 1, PUT: 2, PATCH: 3, DELETE: 4 })[r.method] ?? 5);
    const table = [...routes].sort((a, b) => order(a) - order(b));
    const rows: string[] = [];
    const leftOut: string[] = [];
    const failures: string[] = [];
    const authPk = keys.subjectPK(orgId, userId);
    for (const route of table) {
      const key = `${route.method} ${route.path}`;
      const sample = samples[key];
      const unresolved = sample ? [] : [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).filter((n) => !params[n]);
      if (unresolved.length) {
        leftOut.push(`  ${key}: no sample and no value for ${unresolved.join(', ')}`);
        continue;
      }
      const path = sample?.path ?? route.path.replace(/\{(\w+)\}/g, (_, n: string) => params[n]!);
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
      const res = await call(route.method, path, sample?.body, sample?.as);
      dynamo.middlewareStack.remove(name);
      // Reads are repeatable: their time is the median of five (the calls are counted on the first).
      let ms = res.ms;
      if (route.method === 'GET' && res.status < 300) {
        const more: number[] = [res.ms];
        for (let i = 0; i < 4; i++) more.push((await call(route.method, path, sample?.body, sample?.as)).ms);
        ms = median(more);
      }
      if (key === 'POST /v1/orgs/{orgId}/invitations' && res.body?.invitationId) params.invitationId = res.body.invitationId as string;
      if (res.status >= 300) failures.push(`  ${key}: ${res.status} ${res.body?.error?.code ?? ''}`.trimEnd());
      const ratio = `${(ms / baseline).toFixed(1).padStart(5)}×${route.method === 'GET' ? ' ' : '¹'}`;
      rows.push(`  ${key.padEnd(68)} ${String(res.status).padStart(3)}  ${String(total).padStart(3)} calls (${auth} to authorize)  ${ratio}`);
    }
    console.log(`DynamoDB calls per request, by route (status; authorization = the caller's collection Query + the org GetItem, in parallel), and time as a multiple of the baseline (GET /v1/openapi.json, median ${baseline.toFixed(1)} ms in this run; ¹ one request, the rest medians of five):`);
    for (const row of rows) console.log(row);
    console.log(`Routes measured: ${rows.length} of ${routes.length}.`);
    if (leftOut.length) console.log(`Left out:\n${leftOut.join('\n')}`);
    if (failures.length) console.log(`Measured on a refusal, not a success (their figures are the refusal's cost):\n${failures.join('\n')}`);
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
  if (process.argv.includes('--routes')) await callsPerRoute();
  else await authorizeBench();
}

// The GitHub OIDC wrapper end to end over real HTTP: the wrapper's Lambda handlers served on
// localhost as API Gateway v2 events, a fake GitHub and a fake Secrets Manager started here, the
// pending sign-ins and codes in DynamoDB Local. The test plays Cognito (authorize, follow the
// redirects, redeem the code, read userinfo) and the browser.

import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { JwtVerifier } from 'aws-jwt-verify';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { clock } from '../../functions/lib/clock';
import { githubOidcRoutes } from '../../functions/github-oidc/routes';
import { generateSigningJwk } from '../../functions/github-oidc/keygen';
import { SECRET_CACHE_TTL_MS, PREVIOUS_SECRET_WINDOW_MS } from '../../functions/github-oidc/secrets';
import { logger } from '../../functions/http/logger';
import { lambdaContext, startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-aws';
import { gitHubAccount, startFakeGitHub, type FakeGitHub, type FakeGitHubAccount } from '../support/fake-github';

const COGNITO_CALLBACK = 'https://auth.example.com/oauth2/idpresponse';
/** Cognito's state is long (GitHub rejects such states for users passing 2FA): ~1 KB here. */
const longState = () => randomBytes(768).toString('base64url');

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type Route = (typeof githubOidcRoutes)[number];

let github: FakeGitHub;
let secrets: FakeSecretsManager;
let handlers: Record<string, Handler> = {};
let wrapper: Server;
let issuer: string;
let flow: typeof import('../../functions/github-oidc/flow');

beforeAll(async () => {
  github = await startFakeGitHub();
  secrets = await startFakeSecretsManager({
    'github-client-secret': github.clientSecret,
    'oidc-signing-key': JSON.stringify(await generateSigningJwk()),
  });
  wrapper = createServer((req, res) => {
    serve(req, handlers)
      .then((result) => {
        res.writeHead(result.statusCode ?? 200, Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])));
        res.end(result.body ?? '');
      })
      .catch(() => {
        res.writeHead(599);
        res.end();
      });
  });
  await new Promise<void>((r) => wrapper.listen(0, '127.0.0.1', () => r()));
  const address = wrapper.address();
  issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/oidc/github`;
  // The wrapper reads its configuration at load, as in Lambda: set it, then import the handlers.
  Object.assign(process.env, {
    OIDC_ISSUER: issuer,
    GITHUB_CLIENT_ID: github.clientId,
    GITHUB_CLIENT_SECRET_ID: 'github-client-secret',
    OIDC_SIGNING_KEY_SECRET_ID: 'oidc-signing-key',
    ALLOWED_REDIRECT_URIS: `https://other.example.com/cb, ${COGNITO_CALLBACK}`,
    GITHUB_OAUTH_URL: github.url,
    GITHUB_API_URL: github.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
  });
  handlers = (await import('../../functions/github-oidc/handlers')) as unknown as Record<string, Handler>;
  flow = await import('../../functions/github-oidc/flow');
});

afterEach(() => {
  clock.offsetSeconds = 0;
});

afterAll(async () => {
  await new Promise<void>((r) => {
    wrapper.closeAllConnections();
    wrapper.close(() => r());
  });
  await github.close();
  await secrets.close();
});

/** The wrapper's routes as API Gateway HTTP API would invoke them. */
async function serve(req: IncomingMessage, handlers: Record<string, Handler>): Promise<APIGatewayProxyStructuredResultV2> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = githubOidcRoutes.find((r) => r.path === url.pathname && r.method === req.method);
  if (!route) return { statusCode: 404, body: '' };
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  return handlers[route.handler]!(apiEvent(route, url, headers, Buffer.concat(chunks)), lambdaContext(route.handler));
}

/** An API Gateway HTTP API (v2) event for a request to one of the wrapper's routes. */
function apiEvent(route: Route, url: URL, headers: Record<string, string>, body: Buffer = Buffer.alloc(0)): APIGatewayProxyEventV2 {
  const now = Date.now();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: { method: route.method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    // Form bodies reach Lambda base64-encoded, as API Gateway sends non-JSON bodies.
    ...(body.length ? { body: body.toString('base64'), isBase64Encoded: true } : { isBase64Encoded: false }),
  };
  return event;
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { redirect: 'manual', headers });

function authorizeQuery(overrides: Record<string, string | undefined> = {}) {
  const params: Record<string, string | undefined> = {
    client_id: github.clientId,
    redirect_uri: COGNITO_CALLBACK,
    response_type: 'code',
    scope: 'openid email profile',
    state: longState(),
    nonce: randomBytes(16).toString('hex'),
    ...overrides,
  };
  return new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();
}

/** Cognito sends the browser to authorize; the browser follows to GitHub and back to the callback. */
async function toCallback(account: FakeGitHubAccount, query = authorizeQuery()) {
  github.signIn(account);
  const start = await get(`${issuer}/authorize?${query}`);
  expect(start.status).toBe(302);
  const atGitHub = new URL(start.headers.get('location')!);
  expect(atGitHub.origin + atGitHub.pathname).toBe(`${github.url}/login/oauth/authorize`);
  const fromGitHub = await get(atGitHub.href);
  expect(fromGitHub.status).toBe(302);
  return { atGitHub, callbackUrl: fromGitHub.headers.get('location')! };
}

/** The whole browser leg: where the wrapper finally sends the browser (Cognito's idpresponse). */
async function signIn(account: FakeGitHubAccount, query = authorizeQuery()) {
  const { atGitHub, callbackUrl } = await toCallback(account, query);
  const back = await get(callbackUrl);
  expect(back.status).toBe(302);
  return { atGitHub, atCognito: new URL(back.headers.get('location')!) };
}

function redeem(form: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

const tokenForm = (code: string, overrides: Record<string, string> = {}) => ({
  grant_type: 'authorization_code',
  code,
  redirect_uri: COGNITO_CALLBACK,
  client_id: github.clientId,
  client_secret: github.clientSecret,
  ...overrides,
});

async function verifierWithWrapperJwks() {
  const res = await fetch(`${issuer}/.well-known/jwks.json`);
  expect(res.status).toBe(200);
  const jwks = (await res.json()) as { keys: Record<string, unknown>[] };
  expect(jwks.keys[0]).not.toHaveProperty('d');
  // aws-jwt-verify insists on an https JWKS URI; the JWKS fetched over HTTP above is handed to it.
  const verifier = JwtVerifier.create({ issuer, audience: github.clientId, jwksUri: 'https://oidc-wrapper.invalid/.well-known/jwks.json' });
  verifier.cacheJwks(jwks as never);
  return verifier;
}

describe('a sign-in through the wrapper', () => {
  it('gives Cognito an id token with the verified primary e-mail, verifiable against the JWKS', async () => {
    const account = gitHubAccount({ name: 'Mona Lisa' });
    const query = authorizeQuery();
    const cognitoState = new URLSearchParams(query).get('state')!;
    const nonce = new URLSearchParams(query).get('nonce')!;
    const { atGitHub, atCognito } = await signIn(account, query);

    // GitHub saw a short state and the wrapper's own callback, never Cognito's long state.
    expect(atGitHub.searchParams.get('state')!.length).toBeLessThanOrEqual(43);
    expect(atGitHub.searchParams.get('redirect_uri')).toBe(`${issuer}/callback`);
    expect(atGitHub.searchParams.get('scope')).toBe('read:user user:email');
    // Cognito gets its own state back, unchanged, with a code.
    expect(atCognito.origin + atCognito.pathname).toBe(COGNITO_CALLBACK);
    expect(atCognito.searchParams.get('state')).toBe(cognitoState);
    const code = atCognito.searchParams.get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const res = await redeem(tokenForm(code));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const tokens = (await res.json()) as { id_token: string; access_token: string; token_type: string; expires_in: number };
    expect(tokens.token_type).toBe('Bearer');

    const claims = await (await verifierWithWrapperJwks()).verify(tokens.id_token);
    expect(claims).toMatchObject({
      iss: issuer,
      aud: github.clientId,
      sub: String(account.id),
      email: account.emails[0]!.email,
      email_verified: true,
      name: 'Mona Lisa',
      preferred_username: account.login,
      nonce,
    });
    expect(claims.exp! - claims.iat!).toBe(flow.TOKEN_TTL_SECONDS);
    expect(decodeProtectedHeader(tokens.id_token)).toMatchObject({ alg: 'RS256', typ: 'JWT' });

    const info = await get(`${issuer}/userinfo`, { authorization: `Bearer ${tokens.access_token}` });
    expect(info.status).toBe(200);
    expect(await info.json()).toEqual({
      sub: String(account.id),
      email: account.emails[0]!.email,
      email_verified: true,
      name: 'Mona Lisa',
      preferred_username: account.login,
    });
  });

  it('uses the real primary address of a user whose e-mail is private (noreply public e-mail)', async () => {
    const account = gitHubAccount({ id: 4242001, login: 'hidden-octo', name: null });
    account.publicEmail = `${account.id}+${account.login}@users.noreply.github.com`;
    account.emails = [
      { email: `${account.id}+${account.login}@users.noreply.github.com`, primary: false, verified: true, visibility: null },
      { email: 'Old.Address@example.org', primary: false, verified: false, visibility: null },
      { email: 'Hidden.Octo@Example.com', primary: true, verified: true, visibility: 'private' },
    ];
    const { atCognito } = await signIn(account);
    const res = await redeem(tokenForm(atCognito.searchParams.get('code')!));
    expect(res.status).toBe(200);
    const claims = decodeJwt(((await res.json()) as { id_token: string }).id_token);
    expect(claims).toMatchObject({ sub: '4242001', email: 'hidden.octo@example.com', email_verified: true, name: 'hidden-octo' });
  });

  it('refuses an account without a verified primary e-mail, sending Cognito a clear access_denied', async () => {
    const account = gitHubAccount();
    account.emails = [
      { email: 'unverified@example.com', primary: true, verified: false, visibility: 'public' },
      { email: `${account.id}+${account.login}@users.noreply.github.com`, primary: false, verified: true, visibility: null },
    ];
    const query = authorizeQuery();
    const { atCognito } = await signIn(account, query);
    expect(atCognito.origin + atCognito.pathname).toBe(COGNITO_CALLBACK);
    expect(atCognito.searchParams.get('code')).toBeNull();
    expect(atCognito.searchParams.get('error')).toBe('access_denied');
    expect(atCognito.searchParams.get('error_description')).toMatch(/no verified primary e-mail/);
    expect(atCognito.searchParams.get('state')).toBe(new URLSearchParams(query).get('state'));
  });

  it('sends a user who declines at GitHub back to Cognito with access_denied', async () => {
    const query = authorizeQuery();
    const start = await get(`${issuer}/authorize?${query}`);
    const short = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const back = await get(`${issuer}/callback?error=access_denied&state=${short}`);
    expect(back.status).toBe(302);
    const atCognito = new URL(back.headers.get('location')!);
    expect(atCognito.searchParams.get('error')).toBe('access_denied');
    expect(atCognito.searchParams.get('state')).toBe(new URLSearchParams(query).get('state'));
  });
});

describe('the authorize endpoint', () => {
  it.each([
    ['a redirect_uri that is not registered', { redirect_uri: 'https://evil.example.com/oauth2/idpresponse' }, /redirect_uri/],
    ['a redirect_uri that only starts like a registered one', { redirect_uri: `${COGNITO_CALLBACK}/../evil` }, /redirect_uri/],
    ['an unknown client_id', { client_id: 'someone-else' }, /client_id/],
    ['a missing state', { state: undefined }, /state/],
    ['a missing redirect_uri', { redirect_uri: undefined }, /redirect_uri/],
  ])('refuses %s with a 400, without redirecting', async (_, overrides, message) => {
    const res = await get(`${issuer}/authorize?${authorizeQuery(overrides)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toMatch(message);
  });

  it('refuses a repeated parameter', async () => {
    const res = await get(`${issuer}/authorize?${authorizeQuery()}&redirect_uri=${encodeURIComponent(COGNITO_CALLBACK)}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('answers an unsupported response_type at the registered redirect_uri', async () => {
    const res = await get(`${issuer}/authorize?${authorizeQuery({ response_type: 'token' })}`);
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('unsupported_response_type');
  });
});

describe('the state GitHub brings back', () => {
  async function callbackWithState(mutate: (state: string) => string) {
    const { callbackUrl } = await toCallback(gitHubAccount());
    const url = new URL(callbackUrl);
    url.searchParams.set('state', mutate(url.searchParams.get('state')!));
    return url;
  }

  it('refuses a tampered state', async () => {
    const url = await callbackWithState((s) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1));
    const res = await get(url.href);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(/unknown, expired or already used/) });
  });

  it('refuses a missing or oversized state', async () => {
    expect((await get(`${issuer}/callback?code=abc`)).status).toBe(400);
    expect((await get(`${issuer}/callback?code=abc&state=${'x'.repeat(500)}`)).status).toBe(400);
  });

  it('refuses a state used twice', async () => {
    const url = await callbackWithState((s) => s);
    expect((await get(url.href)).status).toBe(302);
    const again = await get(url.href);
    expect(again.status).toBe(400);
  });

  it('refuses an expired state', async () => {
    const url = await callbackWithState((s) => s);
    clock.offsetSeconds += flow.STATE_TTL_SECONDS + 1;
    const res = await get(url.href);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });
});

describe('the token endpoint', () => {
  async function freshCode() {
    const { atCognito } = await signIn(gitHubAccount());
    return atCognito.searchParams.get('code')!;
  }

  it('redeems a code once only', async () => {
    const code = await freshCode();
    expect((await redeem(tokenForm(code))).status).toBe(200);
    const again = await redeem(tokenForm(code));
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('accepts client_secret_basic', async () => {
    const code = await freshCode();
    const { client_id, client_secret, ...form } = tokenForm(code);
    const basic = Buffer.from(`${encodeURIComponent(client_id)}:${encodeURIComponent(client_secret)}`).toString('base64');
    expect((await redeem(form, { authorization: `Basic ${basic}` })).status).toBe(200);
  });

  it('refuses a wrong client secret with 401 invalid_client, leaving the code usable', async () => {
    const code = await freshCode();
    const res = await redeem(tokenForm(code, { client_secret: 'guess' }));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    expect((await redeem(tokenForm(code))).status).toBe(200);
  });

  it('refuses a code presented with another redirect_uri', async () => {
    const code = await freshCode();
    const res = await redeem(tokenForm(code, { redirect_uri: 'https://other.example.com/cb' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('refuses an expired code, an unknown code and another grant type', async () => {
    const code = await freshCode();
    clock.offsetSeconds += flow.CODE_TTL_SECONDS + 1;
    expect((await redeem(tokenForm(code))).status).toBe(400);
    clock.offsetSeconds = 0;
    expect((await redeem(tokenForm('not-a-code'))).status).toBe(400);
    const res = await redeem(tokenForm('x', { grant_type: 'refresh_token' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('refuses a JSON body with a 400', async () => {
    const res = await fetch(`${issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"code":"x"}' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });
});

describe('userinfo, JWKS and discovery', () => {
  it('accepts only our access tokens at userinfo', async () => {
    const { atCognito } = await signIn(gitHubAccount());
    const tokens = (await (await redeem(tokenForm(atCognito.searchParams.get('code')!))).json()) as { id_token: string; access_token: string };
    for (const authorization of [`Bearer ${tokens.id_token}`, 'Bearer not.a.token', '', `Basic ${tokens.access_token}`]) {
      const res = await get(`${issuer}/userinfo`, authorization ? { authorization } : {});
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    }
    // The access token is no id token either: its audience is the wrapper, not the client.
    await expect((await verifierWithWrapperJwks()).verify(tokens.access_token)).rejects.toThrow();
  });

  it('publishes a discovery document with explicit endpoints, and no PKCE it would ignore', async () => {
    const res = await get(`${issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).not.toHaveProperty('code_challenge_methods_supported');
    expect(doc).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });

  it('read each secret once so far (no previous client secret: the current one is older than the rotation window), the signing key only at the token endpoint', () => {
    const reads = secrets.calls.map((c) => `${c.target}:${c.body.SecretId}:${c.body.VersionStage}`);
    expect(reads.sort()).toEqual([
      'secretsmanager.GetSecretValue:github-client-secret:AWSCURRENT',
      'secretsmanager.GetSecretValue:oidc-signing-key:AWSCURRENT',
    ]);
  });
});

describe('a slow GitHub', () => {
  async function callbackWith(limits: { perCallMs: number; totalMs: number }) {
    const { readConfig } = await import('../../functions/github-oidc/config');
    const query = authorizeQuery();
    const { callbackUrl } = await toCallback(gitHubAccount(), query);
    const started = Date.now();
    const result = await flow.completeGitHubCallback({ ...readConfig(), githubLimits: limits }, new URL(callbackUrl).searchParams);
    return { result, elapsedMs: Date.now() - started, cognitoState: new URLSearchParams(query).get('state') };
  }
  afterEach(() => {
    for (const path of ['/login/oauth/access_token', '/user', '/user/emails'] as const) github.slowDown(path, 0);
  });

  it('ends a call that outlives its own limit in temporarily_unavailable, back at Cognito', async () => {
    github.slowDown('/login/oauth/access_token', 2000);
    const { result, elapsedMs, cognitoState } = await callbackWith({ perCallMs: 300, totalMs: 1500 });
    expect(result.statusCode).toBe(302);
    const atCognito = new URL(String(result.headers!.location));
    expect(atCognito.origin + atCognito.pathname).toBe(COGNITO_CALLBACK);
    expect(atCognito.searchParams.get('error')).toBe('temporarily_unavailable');
    expect(atCognito.searchParams.get('state')).toBe(cognitoState);
    expect(elapsedMs).toBeLessThan(1500);
  });

  it('shares one deadline across the exchange and the profile calls', async () => {
    // Each call alone is within its limit (500 < 900 ms); together they are not (1,000 > 800 ms).
    github.slowDown('/login/oauth/access_token', 500);
    github.slowDown('/user', 500);
    github.slowDown('/user/emails', 500);
    const { result, elapsedMs } = await callbackWith({ perCallMs: 900, totalMs: 800 });
    expect(new URL(String(result.headers!.location)).searchParams.get('error')).toBe('temporarily_unavailable');
    expect(elapsedMs).toBeGreaterThanOrEqual(700);
    expect(elapsedMs).toBeLessThan(1000);
  });

  it('still signs in when GitHub is slow but within the limits', async () => {
    github.slowDown('/login/oauth/access_token', 200);
    github.slowDown('/user', 200);
    const { result } = await callbackWith({ perCallMs: 900, totalMs: 1500 });
    expect(new URL(String(result.headers!.location)).searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('published signing keys', () => {
  async function tokens() {
    const { atCognito } = await signIn(gitHubAccount());
    const res = await redeem(tokenForm(atCognito.searchParams.get('code')!));
    expect(res.status).toBe(200);
    return (await res.json()) as { id_token: string; access_token: string };
  }
  const jwksKids = async () => ((await (await fetch(`${issuer}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

  it('are what the JWKS and userinfo use: neither reads a secret', async () => {
    const { id_token, access_token } = await tokens();
    const before = secrets.calls.length;
    expect(await jwksKids()).toContain(decodeProtectedHeader(id_token).kid);
    expect((await get(`${issuer}/userinfo`, { authorization: `Bearer ${access_token}` })).status).toBe(200);
    expect(secrets.calls.length).toBe(before);
  });

  it('leave the JWKS a lifetime after the last signature, and are published again before the next', async () => {
    const { id_token } = await tokens();
    const kid = decodeProtectedHeader(id_token).kid!;
    clock.offsetSeconds += flow.PUBLISHED_KEY_LIFETIME_SECONDS + 1;
    expect(await jwksKids()).not.toContain(kid);
    const again = await tokens();
    expect(decodeProtectedHeader(again.id_token).kid).toBe(kid);
    expect(await jwksKids()).toContain(kid);
  });
});

describe('wrapper logs', () => {
  it("carry each invocation's own request id and endpoint, nothing left from the one before", async () => {
    const route = (handler: string) => githubOidcRoutes.find((r) => r.handler === handler)!;
    const lines: string[] = [];
    const capture = ((chunk: unknown) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      return true;
    }) as typeof process.stdout.write;
    // Refusals log at INFO, below the tests' level: pass them on as warnings so they are printed.
    const info = vi.spyOn(logger, 'info').mockImplementation(((message: string, ...extra: never[]) => logger.warn(message, ...extra)) as typeof logger.info);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      await handlers.authorize!(apiEvent(route('authorize'), new URL(`${issuer}/authorize?client_id=nobody`), {}), lambdaContext('authorize', 'request-authorize'));
      await handlers.token!(
        apiEvent(route('token'), new URL(`${issuer}/token`), { 'content-type': 'application/json' }, Buffer.from('{}')),
        lambdaContext('token', 'request-token'),
      );
    } finally {
      out.mockRestore();
      err.mockRestore();
      info.mockRestore();
    }
    const refused = lines
      .join('')
      .split('\n')
      .filter((l) => l.includes('oauth request refused'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(refused).toEqual([
      expect.objectContaining({ function_request_id: 'request-authorize', endpoint: 'authorize', error: 'invalid_request' }),
      expect.objectContaining({ function_request_id: 'request-token', endpoint: 'token' }),
    ]);
  });
});

// Last: it changes the client secret and moves the wall clock past the secret cache.
describe('rotating the GitHub client secret', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is picked up within the cache lifetime, and Cognito\'s previous secret still passes until its provider is updated', async () => {
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await signIn(gitHubAccount())).atCognito.searchParams.get('code')!);
    const reads = () => secrets.calls.filter((c) => c.body.SecretId === 'github-client-secret' && c.body.VersionStage === 'AWSCURRENT').length;
    const before = reads();
    secrets.put('github-client-secret', 'rotated-client-secret');
    // Within the cache lifetime the old value is still the current one: the new one is refused.
    expect((await redeem(tokenForm(codes[0]!, { client_secret: 'rotated-client-secret' }))).status).toBe(401);
    // Past the cache lifetime on the wall clock; the service clock (code expiry) stays where it was.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + SECRET_CACHE_TTL_MS + 1000);
    clock.offsetSeconds -= (SECRET_CACHE_TTL_MS + 1000) / 1000;
    expect((await redeem(tokenForm(codes[0]!, { client_secret: 'rotated-client-secret' }))).status).toBe(200);
    expect(reads()).toBe(before + 1);
    expect((await redeem(tokenForm(codes[1]!, { client_secret: github.clientSecret }))).status).toBe(200); // Cognito not updated yet
    expect((await redeem(tokenForm(codes[2]!, { client_secret: 'neither' }))).status).toBe(401);
  });

  it('stops accepting the previous secret a day after the change (a secret rotated out stays out)', async () => {
    const code = (await signIn(gitHubAccount())).atCognito.searchParams.get('code')!;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + PREVIOUS_SECRET_WINDOW_MS + SECRET_CACHE_TTL_MS + 60_000);
    clock.offsetSeconds -= (PREVIOUS_SECRET_WINDOW_MS + SECRET_CACHE_TTL_MS + 60_000) / 1000;
    expect((await redeem(tokenForm(code, { client_secret: github.clientSecret }))).status).toBe(401);
  });
});

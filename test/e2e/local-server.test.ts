// End to end: the local runtime started as `npm start` starts it, driven over HTTP, then stopped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalProcess, type LocalProcess } from '../support/local-process';

let local: LocalProcess;
beforeAll(async () => {
  local = await startLocalProcess();
}, 90_000);
afterAll(async () => {
  await local?.stop('SIGKILL');
});

async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(local.url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : undefined };
}

async function signIn(email: string, provider = 'Google') {
  const res = await call('POST', '/_local/login', undefined, { email, provider });
  expect(res.status).toBe(200);
  return res.body.token as string;
}

describe('npm start', () => {
  it('prints the URLs it serves', () => {
    for (const page of ['/v1', '/_local/sign-in', '/_local/clock', '/_local/mailbox']) expect(local.output()).toContain(page);
  });

  it('signs in, creates an org, lists members and keeps the last Administrator', async () => {
    const token = await signIn('founder@example.com');
    const me = await call('GET', '/v1/me', token);
    expect(me.status).toBe(200);
    expect(me.body.organizations).toHaveLength(1);
    const org = await call('POST', '/v1/orgs', token, { name: 'Platform' });
    expect(org.status).toBe(201);
    const members = await call('GET', `/v1/orgs/${org.body.orgId}/members`, token);
    expect(members.body.members).toEqual([expect.objectContaining({ email: 'founder@example.com', role: 'Administrator', status: 'active' })]);
    const demote = await call('PUT', `/v1/orgs/${org.body.orgId}/members/${me.body.user.userId}/role`, token, { role: 'Member' });
    expect(demote).toMatchObject({ status: 409, body: { error: { code: 'last_administrator' } } });
  });

  it('treats Google and GitHub sign-ins of one address as one user', async () => {
    const google = await call('GET', '/v1/me', await signIn('both@example.com', 'Google'));
    const github = await call('GET', '/v1/me', await signIn('both@example.com', 'GitHub'));
    expect(github.body.user.userId).toBe(google.body.user.userId);
    expect(github.body.user.providers.sort()).toEqual(['GitHub', 'Google']);
  });

  it('moves the test clock', async () => {
    const before = await call('GET', '/_local/clock');
    const after = await call('POST', '/_local/clock', undefined, { advanceSeconds: 3600 });
    expect(after.body.offsetSeconds - before.body.offsetSeconds).toBe(3600);
    expect(Date.parse(after.body.now) - Date.parse(before.body.now)).toBeGreaterThanOrEqual(3600_000);
    expect((await call('POST', '/_local/clock', undefined, { advanceSeconds: 'soon' })).status).toBe(400);
  });

  it('answers unknown routes 404 and wrong methods 405, with the error shape', async () => {
    const missing = await call('GET', '/v1/nope');
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const wrong = await call('PUT', '/v1/me');
    expect(wrong).toMatchObject({ status: 405, body: { error: { code: 'method_not_allowed' } } });
  });

  it('stops cleanly on SIGTERM, DynamoDB Local included', async () => {
    const code = await local.stop('SIGTERM');
    expect(code).toBe(0);
    await expect(fetch(local.dynamoEndpoint)).rejects.toThrow();
  });
});

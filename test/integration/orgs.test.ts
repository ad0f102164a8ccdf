// Organizations and members over HTTP against DynamoDB Local.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestUser } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

async function orgWith(admin: TestUser, name = 'Acme') {
  const res = await admin.api('POST', '/v1/orgs', { name });
  expect(res.status).toBe(201);
  return res.body.orgId as string;
}

describe('first sign-in', () => {
  it('creates the profile and a Default Organization with the user as Administrator', async () => {
    const ann = await h.user({ name: 'Ann' });
    const me = await ann.api('GET', '/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ email: ann.email, name: 'Ann', providers: ['Google'] });
    expect(me.body.organizations).toEqual([expect.objectContaining({ name: 'Default Organization', role: 'Administrator' })]);
  });

  it('makes one user, not two, for concurrent first calls and for a second provider', async () => {
    const email = `twice-${Date.now()}@example.com`;
    const google = await h.signer.issue({ email, provider: 'Google' });
    const github = await h.signer.issue({ email, provider: 'GitHub' });
    const calls = await Promise.all(
      [google, github, google, github].map((t) => fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${t}` } }).then((r) => r.json() as Promise<any>)),
    );
    const ids = new Set(calls.map((c) => c.user.userId));
    expect(ids.size).toBe(1);
    const orgs = calls.map((c) => c.organizations.length);
    expect(Math.max(...orgs)).toBe(1);
  });
});

describe('organizations', () => {
  it('creates, reads, renames and deletes an organization', async () => {
    const ann = await h.user();
    const orgId = await orgWith(ann);
    expect((await ann.api('GET', `/v1/orgs/${orgId}`)).body).toMatchObject({ orgId, name: 'Acme', adminCount: 1 });
    expect((await ann.api('PATCH', `/v1/orgs/${orgId}`, { name: 'Acme Corp' })).body.name).toBe('Acme Corp');
    expect((await ann.api('DELETE', `/v1/orgs/${orgId}`)).status).toBe(204);
    expect((await ann.api('GET', `/v1/orgs/${orgId}`)).status).toBe(404);
    const me = await ann.api('GET', '/v1/me');
    expect(me.body.organizations.map((o: { orgId: string }) => o.orgId)).not.toContain(orgId);
  });

  it('hides an organization from non-members', async () => {
    const ann = await h.user();
    const bob = await h.user();
    const orgId = await orgWith(ann);
    const res = await bob.api('GET', `/v1/orgs/${orgId}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('lists the creator as the only active member', async () => {
    const ann = await h.user();
    const orgId = await orgWith(ann);
    const res = await ann.api('GET', `/v1/orgs/${orgId}/members`);
    expect(res.body.members).toEqual([expect.objectContaining({ userId: ann.userId, role: 'Administrator', status: 'active' })]);
  });

  it('keeps the last Administrator: no self-demotion, no leaving', async () => {
    const ann = await h.user();
    const orgId = await orgWith(ann);
    const demote = await ann.api('PUT', `/v1/orgs/${orgId}/members/${ann.userId}/role`, { role: 'Member' });
    expect(demote.status).toBe(409);
    expect(demote.body.error.code).toBe('last_administrator');
    const leave = await ann.api('DELETE', `/v1/orgs/${orgId}/members/${ann.userId}`);
    expect(leave.status).toBe(409);
    expect(leave.body.error.code).toBe('last_administrator');
    expect((await ann.api('GET', `/v1/orgs/${orgId}`)).body.adminCount).toBe(1);
  });
});

describe('bad input', () => {
  it.each([
    ['malformed JSON', 'POST', '/v1/orgs', '{"name":', 400],
    ['a wrong type', 'POST', '/v1/orgs', { name: 42 }, 400],
    ['an unknown field', 'POST', '/v1/orgs', { name: 'x', admin: true }, 400],
    ['an empty name', 'POST', '/v1/orgs', { name: '  ' }, 400],
    ['an id with #', 'GET', '/v1/orgs/a%23b', undefined, 400],
    ['an id of 300 characters', 'GET', `/v1/orgs/${'a'.repeat(300)}`, undefined, 400],
    ['an unknown route', 'GET', '/v1/nothing-here', undefined, 404],
    ['a wrong method', 'PATCH', '/v1/me', undefined, 405],
  ])('answers %s with a 4xx error body', async (_, method, path, body, status) => {
    const ann = await h.user();
    const res = await ann.api(method, path, body);
    expect(res.status).toBe(status);
    expect(res.body.error).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
  });

  it('answers an unknown role with 400', async () => {
    const ann = await h.user();
    const orgId = await orgWith(ann);
    const res = await ann.api('PUT', `/v1/orgs/${orgId}/members/${ann.userId}/role`, { role: 'Overlord' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('answers a body over 64 KiB with 413', async () => {
    const ann = await h.user();
    const res = await ann.api('POST', '/v1/orgs', { name: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('answers a missing or forged token with 401', async () => {
    const ann = await h.user();
    const missing = await fetch(`${h.url}/v1/me`);
    expect(missing.status).toBe(401);
    const forged = ann.token.slice(0, -4) + (ann.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const res = await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe('unauthenticated');
  });
});

describe('openapi', () => {
  it('serves a document with every route of the route table', async () => {
    const { routes } = await import('../../functions/routes');
    const res = await fetch(`${h.url}/v1/openapi.json`);
    const doc = (await res.json()) as any;
    expect(doc.openapi).toBe('3.1.0');
    for (const r of routes) expect(doc.paths[r.path]?.[r.method.toLowerCase()]?.operationId).toBe(r.operationId);
  });
});

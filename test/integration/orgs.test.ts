// Organizations and members over HTTP against DynamoDB Local.
import { TransactionCanceledException, TransactionConflictException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDeletionSweep } from '../../functions/jobs/cleanup';
import { dynamo } from '../../functions/store/client';
import { keys } from '../../functions/store/keys';
import * as orgStore from '../../functions/store/orgs';
import { addMember } from '../support/fixtures';
import { advanceClock, harness, resetClock, type Harness, type TestUser } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      seen.push(context.commandName ?? '');
      const injected = inject?.(context.commandName ?? '', args.input);
      if (injected instanceof Error) throw injected;
      if (injected) return { output: { $metadata: {}, ...injected.output }, response: {} } as never;
      return next(args);
    },
    { step: 'initialize', name: 'orgsTestInjection' },
  );
});
afterAll(async () => h.close());
afterEach(() => {
  resetClock();
  inject = undefined;
});

/**
 * Errors injected into the service's own DynamoDB client (it runs in this process), before the SDK's
 * retries: what DynamoDB answers under contention and throttling, to test how we map it. `inject`
 * gets the low-level command name (GetItemCommand, TransactWriteItemsCommand...) and the document
 * input, and returns an error to throw, an output to answer with, or undefined to let the call through.
 */
type Injected = Error | { output: Record<string, unknown> } | undefined;
let inject: ((command: string, input: any) => Injected) | undefined;
const seen: string[] = [];

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

/** Every item key of a partition, read back consistently. */
async function partition(pk: string): Promise<string[]> {
  return (await orgStore.partitionKeys(pk)).map((k) => k.SK);
}

/** An org with a second member, a team holding an app role, a custom role, an app and a pending invitation. */
async function populatedOrg(admin: TestUser) {
  const orgId = await orgWith(admin, 'Doomed');
  const member = await h.user();
  await addMember(orgId, member, 'Member');
  await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'app1', name: 'App' });
  await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'peek', name: 'Peek', scope: 'app', permissions: ['app.read'] });
  await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: 't1', name: 'T' });
  await admin.api('PUT', `/v1/orgs/${orgId}/teams/t1/members/${member.userId}`);
  expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/t1/grants`, { scope: 'app', appId: 'app1', role: 'peek' })).status).toBe(200);
  expect((await admin.api('PUT', `/v1/orgs/${orgId}/apps/app1/members/${member.userId}`, { role: 'Owner' })).status).toBe(200);
  const invitee = `doomed-${Date.now()}@example.com`;
  expect((await admin.api('POST', `/v1/orgs/${orgId}/invitations`, { email: invitee })).status).toBe(201);
  const mail = (await h.mailTo(invitee)).at(-1);
  const token = /\/invite\/([A-Za-z0-9_.-]+)/.exec(mail?.body.text ?? '')?.[1];
  expect(token).toBeDefined();
  return { orgId, member, invitee, token: token! };
}

/** Everything of an org that the sweep must remove, by partition. */
async function leftovers(orgId: string, userIds: string[], teamIds: string[]) {
  return {
    org: await partition(keys.org(orgId).PK),
    users: (await Promise.all(userIds.map((u) => partition(keys.subjectPK(orgId, u))))).flat(),
    teams: (await Promise.all(teamIds.map((t) => partition(keys.teamPK(orgId, t))))).flat(),
  };
}

describe('organization deletion', () => {
  it('marks the org deleted, sweeps what it held, and lets the job delete the org item a minute later', async () => {
    const admin = await h.user();
    const { orgId, member, token } = await populatedOrg(admin);
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}`)).status).toBe(204);
    // the request swept everything but the mark
    expect(await leftovers(orgId, [admin.userId, member.userId], ['t1'])).toEqual({ org: ['ORG'], users: [], teams: [] });
    expect((await (await h.user({ email: `late-${Date.now()}@example.com` })).api('POST', `/v1/invitations/${token}/accept`)).status).toBe(404);

    // the job leaves the mark for a minute (requests in flight at the mark land first), then deletes it
    await runDeletionSweep();
    expect(await partition(keys.org(orgId).PK)).toEqual(['ORG']);
    advanceClock(61);
    const run = await runDeletionSweep();
    expect(run.organizations.finished).toBeGreaterThanOrEqual(1);
    expect(await partition(keys.org(orgId).PK)).toEqual([]);
    expect(await orgStore.organizationsToSweep()).not.toContainEqual(expect.objectContaining({ orgId }));
  });

  it('authorizes nothing from the mark on, hides the org everywhere, and the job finishes a deletion interrupted after the mark', async () => {
    const admin = await h.user();
    const { orgId, member, invitee, token } = await populatedOrg(admin);
    // The request died right after the mark: nothing was swept.
    await orgStore.markOrganizationDeleted(orgId, new Date().toISOString());
    for (const u of [admin, member]) {
      expect((await u.api('GET', `/v1/orgs/${orgId}`)).status).toBe(404);
      expect((await u.api('GET', `/v1/orgs/${orgId}/apps/app1`)).status).toBe(404);
      expect((await u.api('POST', `/v1/orgs/${orgId}/authorize`, { action: 'app.read', appId: 'app1' })).status).toBe(404);
      expect((await u.api('GET', '/v1/me')).body.organizations.map((o: { orgId: string }) => o.orgId)).not.toContain(orgId);
    }
    expect((await admin.api('PATCH', `/v1/orgs/${orgId}`, { name: 'Back' })).status).toBe(404);
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}`)).status).toBe(404);
    // the invitation is dead and no longer shown to the invitee
    const invited = await h.user({ email: invitee });
    expect((await invited.api('GET', '/v1/me')).body.invitations ?? []).not.toContainEqual(expect.objectContaining({ orgId }));
    expect((await invited.api('GET', `/v1/invitations/${token}`)).status).toBe(404);
    expect((await invited.api('POST', `/v1/invitations/${token}/accept`)).status).toBe(404);
    // store reads of the org treat it as gone
    expect(await orgStore.getOrganization(orgId)).toBeUndefined();
    expect((await orgStore.getOrganizations([orgId])).size).toBe(0);

    expect((await leftovers(orgId, [admin.userId, member.userId], ['t1'])).users.length).toBeGreaterThan(0);
    advanceClock(61);
    await runDeletionSweep();
    expect(await leftovers(orgId, [admin.userId, member.userId, invited.userId], ['t1'])).toEqual({ org: [], users: [], teams: [] });
  });

  it('sweeps a member who joined after the mark (a request in flight), and only then deletes the org item', async () => {
    const admin = await h.user();
    const orgId = await orgWith(admin);
    await orgStore.markOrganizationDeleted(orgId, new Date().toISOString());
    const late = await h.user();
    // A join that read the org before the mark and commits after it. (If joins refuse marked orgs, fine too.)
    const joined = await addMember(orgId, late, 'Member').then(
      () => true,
      (err: { code?: string }) => {
        expect(err.code).toBe('not_found');
        return false;
      },
    );
    expect((await late.api('GET', `/v1/orgs/${orgId}`)).status).toBe(404);
    advanceClock(61);
    await runDeletionSweep();
    expect(await leftovers(orgId, [admin.userId, late.userId], [])).toEqual({ org: [], users: [], teams: [] });
    if (joined) console.log('a join after the mark was accepted and swept');
  });

  it('deletes an org of 300 members within the request budget or through the job, and the job reads no more than the deleted items', { timeout: 180_000 }, async () => {
    const admin = await h.user();
    const orgId = await orgWith(admin, 'Big');
    const users = Array.from({ length: 300 }, (_, i) => ({ userId: `big-${i}-${orgId}`, email: `big-${i}@example.com` }) as TestUser);
    for (let i = 0; i < users.length; i += 25) await Promise.all(users.slice(i, i + 25).map((u) => addMember(orgId, u)));
    const t0 = performance.now();
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}`)).status).toBe(204);
    const ms = Math.round(performance.now() - t0);
    const left = await leftovers(orgId, users.map((u) => u.userId), []);
    console.log(`org deletion, 300 members: DELETE answered in ${ms} ms, ${left.users.length} collection items left to the job`);
    advanceClock(61);
    seen.length = 0;
    await runDeletionSweep();
    expect(seen).not.toContain('ScanCommand');
    expect(await leftovers(orgId, [admin.userId, ...users.map((u) => u.userId)], [])).toEqual({ org: [], users: [], teams: [] });
    // an idle run: one query of each sweep entry (organizations, teams, deleted accounts), nothing else
    seen.length = 0;
    await runDeletionSweep();
    expect(seen.filter((c) => c !== 'QueryCommand')).toEqual([]);
    expect(seen.length).toBeLessThanOrEqual(3 + (await orgStore.organizationsToSweep()).length * 8);
  });
});

describe('DynamoDB contention and throttling', () => {
  const cancelled = (code: string) =>
    new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: [{ Code: code }, { Code: 'None' }] });

  it('answers a single write on an item a transaction holds (TransactionConflictException) with 409 conflict', async () => {
    const ann = await h.user();
    const orgId = await orgWith(ann);
    inject = (command) => (command === 'UpdateItemCommand' ? new TransactionConflictException({ message: 'Transaction is ongoing for the item', $metadata: {} }) : undefined);
    const res = await ann.api('PATCH', `/v1/orgs/${orgId}`, { name: 'Renamed' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
    expect(res.body.error.message).toMatch(/try again/i);
  });

  it('answers transaction conflicts that outlast the retries with 409, and throttled transactions with 503', async () => {
    const ann = await h.user();
    const orgId = await orgWith(ann);
    const bob = await h.user();
    await addMember(orgId, bob, 'Member');
    const path = `/v1/orgs/${orgId}/members/${bob.userId}/role`;
    let attempts = 0;
    inject = (command) => (command === 'TransactWriteItemsCommand' ? (attempts++, cancelled('TransactionConflict')) : undefined);
    const busy = await ann.api('PUT', path, { role: 'Manager' });
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('conflict');
    expect(attempts).toBeGreaterThan(1); // retried before giving up
    for (const code of ['ThrottlingError', 'ProvisionedThroughputExceeded']) {
      inject = (command) => (command === 'TransactWriteItemsCommand' ? cancelled(code) : undefined);
      const throttled = await ann.api('PUT', path, { role: 'Manager' });
      expect(throttled.status).toBe(503);
      expect(throttled.body.error.code).toBe('temporarily_unavailable');
    }
    inject = undefined;
    expect((await ann.api('GET', `/v1/orgs/${orgId}/members`)).body.members).toContainEqual(expect.objectContaining({ userId: bob.userId, role: 'Member' }));
  });

  it('answers throttled reads (after the SDK gave up) with 503', async () => {
    const ann = await h.user();
    const orgId = await orgWith(ann);
    inject = (command) => (command === 'GetItemCommand' ? new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }) : undefined);
    const res = await ann.api('GET', `/v1/orgs/${orgId}`);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('temporarily_unavailable');
  });

  it('stops retrying keys DynamoDB leaves unprocessed after a few attempts with backoff: 503, not a hung request', async () => {
    const ann = await h.user();
    let calls = 0;
    inject = (command, input) => (command === 'BatchGetItemCommand' ? (calls++, { output: { Responses: {}, UnprocessedKeys: input.RequestItems } }) : undefined);
    const t0 = performance.now();
    const res = await ann.api('GET', '/v1/me');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('temporarily_unavailable');
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThanOrEqual(8);
    expect(performance.now() - t0).toBeLessThan(9_000);
  });

  it('stops retrying unprocessed deletes the same way', async () => {
    inject = (command, input) => (command === 'BatchWriteItemCommand' ? { output: { UnprocessedItems: input.RequestItems } } : undefined);
    await expect(orgStore.deleteItems([{ PK: 'ORG#nothing', SK: 'X' }])).rejects.toThrow(/unprocessed/);
  });
});

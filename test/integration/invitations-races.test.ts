// Invitations under races that need one precise interleaving, and states that only time or an old
// invitation produce. A race is made deterministic by holding one request just after a chosen read
// (a spy that lets the real store function run, then waits) while the other request completes.
import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { expiresAtFrom, hashSecret, newSecret, type StoredInvitation } from '../../functions/domain/invitations';
import { clock } from '../../functions/lib/clock';
import { dynamo, table } from '../../functions/store/client';
import * as invitationStore from '../../functions/store/invitations';
import { keys } from '../../functions/store/keys';
import * as orgStore from '../../functions/store/orgs';
import * as subjects from '../../functions/store/subjects';
import { advanceClock, anonymous, harness, resetClock, type Api, type Harness, type TestUser } from '../support/harness';

let h: Harness;
let anon: Api;
beforeAll(async () => {
  h = await harness();
  anon = await anonymous();
});
afterAll(async () => h.close());
afterEach(() => {
  resetClock();
  vi.restoreAllMocks();
});

const DAY = 24 * 3600;
const newEmail = (tag = 'invitee') => `${tag}-${randomBytes(5).toString('hex')}@example.com`;

async function orgWith(admin: TestUser) {
  const res = await admin.api('POST', '/v1/orgs', { name: 'Acme' });
  expect(res.status).toBe(201);
  return res.body.orgId as string;
}

async function linkTokenFor(email: string): Promise<string> {
  const text = (await h.mailTo(email)).at(-1)?.body.text ?? '';
  const token = /\/invite\/([A-Za-z0-9_.-]+)/.exec(text)?.[1];
  if (!token) throw new Error(`no invitation link in the mail to ${email}`);
  return token;
}

const invite = (admin: TestUser, orgId: string, body: Record<string, unknown>) => admin.api('POST', `/v1/orgs/${orgId}/invitations`, body);

async function invited(body: Record<string, unknown> = {}) {
  const admin = await h.user();
  const orgId = await orgWith(admin);
  const email = newEmail();
  const res = await invite(admin, orgId, { email, ...body });
  expect(res.status).toBe(201);
  return { admin, orgId, email, invitationId: res.body.invitationId as string, token: await linkTokenFor(email) };
}

/**
 * Hold the first call of `mod[name]` whose arguments match, right after the real function returned,
 * until release(). `reached` resolves when a call is held.
 */
function holdAfter<M extends object>(mod: M, name: keyof M & string, matches: (...args: any[]) => boolean) {
  const real = mod[name] as (...args: unknown[]) => Promise<unknown>;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let markReached!: () => void;
  const reached = new Promise<void>((resolve) => (markReached = resolve));
  let held = false;
  vi.spyOn(mod, name as never).mockImplementation((async (...args: unknown[]) => {
    const out = await real(...args);
    if (!held && matches(...args)) {
      held = true;
      markReached();
      await released;
    }
    return out;
  }) as never);
  return { reached, release };
}

/** The members list's rows for one address: their statuses. */
async function rowsOf(admin: TestUser, orgId: string, email: string): Promise<string[]> {
  const members = await admin.api('GET', `/v1/orgs/${orgId}/members`);
  return members.body.members.filter((m: { email: string }) => m.email === email).map((m: { status: string }) => m.status);
}

describe('an address that joins while it is invited again', () => {
  it('an invite to the caller\'s own address committed while they accept another address\'s link is revoked by the accept', async () => {
    const admin = await h.user();
    const orgId = await orgWith(admin);
    expect((await admin.api('PATCH', `/v1/orgs/${orgId}`, { settings: { invitationsAllowAnyAccount: true } })).status).toBe(200);
    const user = await h.user();
    const other = newEmail('other');
    expect((await invite(admin, orgId, { email: other })).status).toBe(201);
    const token = await linkTokenFor(other);
    // The accept reads "no invitation pending for my address", then an invite to it commits, then the accept writes.
    const hold = holdAfter(invitationStore, 'getPendingInvitationId', (o: string, e: string) => o === orgId && e === user.email);
    const accepting = user.api('POST', `/v1/invitations/${token}/accept`);
    await hold.reached;
    expect((await invite(admin, orgId, { email: user.email })).status).toBe(201);
    hold.release();
    expect((await accepting).status).toBe(200);
    expect(await rowsOf(admin, orgId, user.email)).toEqual(['active']);
    expect(await invitationStore.getPendingInvitationId(orgId, user.email)).toBeUndefined();
  });

  it('an invite that found no membership while the address joined answers 409 already_member and leaves no invitation', async () => {
    const { admin, orgId, email, token } = await invited();
    const invitee = await h.user({ email });
    // The invite reads "not a member", then the accept commits (and deletes the guard), then the invite writes.
    const hold = holdAfter(orgStore, 'getMembership', (o: string, u: string) => o === orgId && u === invitee.userId);
    const again = invite(admin, orgId, { email });
    await hold.reached;
    expect((await invitee.api('POST', `/v1/invitations/${token}/accept`)).status).toBe(200);
    hold.release();
    const res = await again;
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('already_member');

    expect(await rowsOf(admin, orgId, email)).toEqual(['active']);
    expect(await invitationStore.getPendingInvitationId(orgId, email)).toBeUndefined();
    const list = await admin.api('GET', `/v1/orgs/${orgId}/invitations`);
    expect(list.body.invitations.map((i: { status: string }) => i.status)).toEqual(['accepted']);
  });

  it('a resend whose invitee joined in between answers 409 already_member and re-issues nothing', async () => {
    const admin = await h.user();
    const orgId = await orgWith(admin);
    expect((await admin.api('PATCH', `/v1/orgs/${orgId}`, { settings: { invitationsAllowAnyAccount: true } })).status).toBe(200);
    const user = await h.user();
    // An invitation for the user's address without a guard naming it (as an invitation written before
    // accepts closed the caller's own one): only the resend's own check can see the membership.
    const now = clock.nowSeconds();
    const stray: StoredInvitation = {
      orgId,
      invitationId: `01STRAY${randomBytes(6).toString('hex').toUpperCase()}`,
      email: user.email,
      appRoles: [],
      status: 'pending',
      expiresAt: expiresAtFrom(now),
      invitedBy: { userId: admin.userId, email: admin.email },
      createdAt: new Date(now * 1000).toISOString(),
      updatedAt: new Date(now * 1000).toISOString(),
      secretHash: hashSecret(newSecret()),
    };
    await invitationStore.importInvitations([stray], now);
    const other = newEmail('other');
    expect((await invite(admin, orgId, { email: other })).status).toBe(201);

    const hold = holdAfter(orgStore, 'getMembership', (o: string, u: string) => o === orgId && u === user.userId);
    const resend = admin.api('POST', `/v1/orgs/${orgId}/invitations/${stray.invitationId}/resend`);
    await hold.reached;
    expect((await user.api('POST', `/v1/invitations/${await linkTokenFor(other)}/accept`)).status).toBe(200);
    hold.release();
    const res = await resend;
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('already_member');
    expect(await invitationStore.getInvitation(orgId, stray.invitationId)).toMatchObject({ status: 'pending', secretHash: stray.secretHash });
    expect(await h.mailTo(user.email)).toEqual([]);
    // And once the membership is there to be read, at once.
    const again = await admin.api('POST', `/v1/orgs/${orgId}/invitations/${stray.invitationId}/resend`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_member');
  });

  it("accepting another address's invitation revokes the caller's own pending one in the org, in the same transaction", async () => {
    const { admin, orgId, token } = await invited();
    expect((await admin.api('PATCH', `/v1/orgs/${orgId}`, { settings: { invitationsAllowAnyAccount: true } })).status).toBe(200);
    const user = await h.user();
    const own = await invite(admin, orgId, { email: user.email });
    expect(own.status).toBe(201);
    const ownToken = await linkTokenFor(user.email);

    expect((await user.api('POST', `/v1/invitations/${token}/accept`)).status).toBe(200);
    expect(await rowsOf(admin, orgId, user.email)).toEqual(['active']);
    expect(await invitationStore.getPendingInvitationId(orgId, user.email)).toBeUndefined();
    const revoked = await admin.api('GET', `/v1/orgs/${orgId}/invitations?status=revoked`);
    expect(revoked.body.invitations).toEqual([expect.objectContaining({ invitationId: own.body.invitationId, revokedBy: user.userId })]);
    const ownLink = await anon('GET', `/v1/invitations/${ownToken}`);
    expect(ownLink.status).toBe(410);
    expect(ownLink.body.error.code).toBe('invitation_revoked');
    expect((await user.api('GET', '/v1/me')).body.invitations).toEqual([]);
  });
});

describe('leftovers of an earlier removal', () => {
  it('are deleted by an accept, but a losing accept cannot delete the grants the winner just wrote', async () => {
    const admin = await h.user();
    const orgId = await orgWith(admin);
    expect((await admin.api('POST', `/v1/orgs/${orgId}/apps`, { id: 'shop', name: 'Shop' })).status).toBe(201);
    const email = newEmail();
    expect((await invite(admin, orgId, { email, appRoles: [{ appId: 'shop', role: 'Owner' }] })).status).toBe(201);
    const token = await linkTokenFor(email);
    const invitee = await h.user({ email });
    // A leftover grant where the accept writes its own, and one elsewhere.
    for (const target of ['shop', 'gone']) {
      await dynamo.send(
        new PutCommand({
          TableName: table(),
          Item: { ...keys.userGrant(orgId, invitee.userId, keys.scope.app(target)), type: 'Grant', orgId, userId: invitee.userId, scope: 'app', target, role: 'Viewer' },
        }),
      );
    }

    // The slow accept reads the collection (leftovers included), then the fast one joins.
    const hold = holdAfter(subjects, 'getSubjectCollection', (o: string, u: string) => o === orgId && u === invitee.userId);
    const slow = invitee.api('POST', `/v1/invitations/${token}/accept`);
    await hold.reached;
    expect((await invitee.api('POST', `/v1/invitations/${token}/accept`)).status).toBe(200);
    hold.release();
    const lost = await slow;

    const collection = await subjects.getSubjectCollection(orgId, invitee.userId);
    expect(collection.membership).toBeDefined();
    expect(collection.grants.map((g) => `${g.target}:${g.role}`)).toEqual(['shop:Owner']);
    expect(lost.status).toBe(409);
    expect(lost.body.error.code).toBe('already_member');
  });
});

describe('an old invitation after a newer one took its guard over', () => {
  it('can be revoked; the newer invitation stays pending with its guard', async () => {
    const { admin, orgId, email, invitationId } = await invited();
    // Past expiry and the 7-day grace: the guard may be taken over (TTL has not removed it yet).
    advanceClock(8 * DAY);
    const newer = await invite(admin, orgId, { email });
    expect(newer.status).toBe(201);
    expect(newer.body).toMatchObject({ resent: false });
    expect(newer.body.invitationId).not.toBe(invitationId);

    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/invitations/${invitationId}`)).status).toBe(204);
    expect(await invitationStore.getInvitation(orgId, invitationId)).toMatchObject({ status: 'revoked' });
    expect(await invitationStore.getPendingInvitationId(orgId, email)).toBe(newer.body.invitationId);
    const members = await admin.api('GET', `/v1/orgs/${orgId}/members`);
    expect(members.body.members).toContainEqual(expect.objectContaining({ email, status: 'invited', invitationId: newer.body.invitationId }));
    const invitee = await h.user({ email });
    expect((await invitee.api('POST', `/v1/invitations/${await linkTokenFor(email)}/accept`)).status).toBe(200);
  });
});

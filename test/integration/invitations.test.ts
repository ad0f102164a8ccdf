// Invitations end to end over HTTP against the local server: DynamoDB Local and the local SES.
import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { expiresAtFrom, formatToken, hashSecret, newSecret } from '../../functions/domain/invitations';
import { clock } from '../../functions/lib/clock';
import { dynamo, table } from '../../functions/store/client';
import { importInvitations } from '../../functions/store/invitations';
import { keys } from '../../functions/store/keys';
import { getSubjectCollection } from '../../functions/store/subjects';
import { advanceClock, anonymous, harness, resetClock, type Api, type Harness, type TestUser } from '../support/harness';

let h: Harness;
let anon: Api;
beforeAll(async () => {
  h = await harness();
  anon = await anonymous();
});
afterAll(async () => h.close());
afterEach(() => resetClock());

const DAY = 24 * 3600;
const newEmail = (tag = 'invitee') => `${tag}-${randomBytes(5).toString('hex')}@example.com`;

async function orgWith(admin: TestUser, name = 'Acme') {
  const res = await admin.api('POST', '/v1/orgs', { name });
  expect(res.status).toBe(201);
  return res.body.orgId as string;
}

/** The token of the newest invitation mail to an address. */
async function linkTokenFor(email: string, count?: number): Promise<string> {
  const mails = await h.mailTo(email);
  if (count !== undefined) expect(mails).toHaveLength(count);
  const text = mails.at(-1)?.body.text ?? '';
  const match = /\/invite\/([A-Za-z0-9_.-]+)/.exec(text);
  if (!match?.[1]) throw new Error(`no invitation link in the mail to ${email}`);
  return match[1];
}

async function invite(admin: TestUser, orgId: string, body: Record<string, unknown>) {
  return admin.api('POST', `/v1/orgs/${orgId}/invitations`, body);
}

/** An org with an Administrator and an invitation mailed to a fresh address: the link's token. */
async function invited(body: Record<string, unknown> = {}) {
  const admin = await h.user({ name: 'Ann Admin' });
  const orgId = await orgWith(admin);
  const email = newEmail();
  const res = await invite(admin, orgId, { email, ...body });
  expect(res.status).toBe(201);
  return { admin, orgId, email, invitationId: res.body.invitationId as string, token: await linkTokenFor(email, 1) };
}

describe('the whole flow', () => {
  it('invites, mails the link, shows the page, and makes the invitee a member on accept', async () => {
    const admin = await h.user({ name: 'Ann <Admin>' });
    const orgId = await orgWith(admin, 'Acme & Co');
    const email = newEmail();

    const created = await invite(admin, orgId, { email: `  ${email.toUpperCase()} `, role: 'Member' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email, role: 'Member', status: 'pending', resent: false, invitedBy: { userId: admin.userId } });
    expect(JSON.stringify(created.body)).not.toMatch(/secret|hash/i);

    // The mail: both parts, the org, the inviter, the link, the expiry.
    const [mail] = await h.mailTo(email);
    expect(mail?.subject).toContain('Acme & Co');
    expect(mail?.body.text).toContain('Ann <Admin>');
    expect(mail?.body.text).toContain(`${h.url}/invite/`);
    expect(mail?.body.text).toMatch(/expires at \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(mail?.body.html).toContain('Acme &#38; Co');
    expect(mail?.body.html).not.toContain('<Admin>');
    const token = await linkTokenFor(email, 1);

    // Invited, not yet a member: listed with status invited.
    const before = await admin.api('GET', `/v1/orgs/${orgId}/members`);
    expect(before.body.members).toContainEqual(expect.objectContaining({ email, status: 'invited', role: 'Member' }));

    // The page the link opens, without a sign-in.
    const page = await fetch(`${h.url}/invite/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    // The URL holds the token: no cache keeps the page, no referrer carries it away.
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/sandbox|unsafe-inline/);
    const html = await page.text();
    expect(html).toContain('Acme &#38; Co');
    expect(html).toContain('Ann &#60;Admin&#62;');
    expect(html).toContain(`/_local/sign-in?returnTo=%2Finvite%2F${token}`);
    expect(html).toContain('Sign in to accept');

    const previewed = await anon('GET', `/v1/invitations/${token}`);
    expect(previewed.status).toBe(200);
    expect(previewed.body).toMatchObject({ orgId, orgName: 'Acme & Co', email, role: 'Member', status: 'pending', invitedBy: { email: admin.email } });

    // The invitee signs in, sees the invitation on /v1/me, accepts.
    const invitee = await h.user({ email, name: 'Ivy' });
    const me = await invitee.api('GET', '/v1/me');
    expect(me.body.invitations).toEqual([expect.objectContaining({ orgId, orgName: 'Acme & Co', role: 'Member' })]);
    const accepted = await invitee.api('POST', `/v1/invitations/${token}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ orgId, orgName: 'Acme & Co', role: 'Member' });

    const after = await invitee.api('GET', '/v1/me');
    expect(after.body.organizations).toContainEqual(expect.objectContaining({ orgId, role: 'Member' }));
    expect(after.body.invitations).toEqual([]);
    const members = await admin.api('GET', `/v1/orgs/${orgId}/members`);
    expect(members.body.members).toContainEqual(expect.objectContaining({ userId: invitee.userId, email, status: 'active', role: 'Member' }));
    expect(members.body.members.filter((m: { status: string }) => m.status === 'invited')).toEqual([]);
    const list = await admin.api('GET', `/v1/orgs/${orgId}/invitations?status=accepted`);
    expect(list.body.invitations).toEqual([expect.objectContaining({ email, status: 'accepted', acceptedBy: invitee.userId })]);
    expect((await admin.api('GET', `/v1/orgs/${orgId}`)).body.memberCount).toBe(2);

    // The link is used up: the page says so, with 410 Gone.
    const again = await invitee.api('POST', `/v1/invitations/${token}/accept`);
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('invitation_used');
    expect(again.headers.get('cache-control')).toBe('no-store');
    const usedPage = await fetch(`${h.url}/invite/${token}`);
    expect(usedPage.status).toBe(410);
    expect(usedPage.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(await usedPage.text()).toContain('already used');
  });

  it('gives the org default role when the invitation names none, and the app roles it names', async () => {
    const admin = await h.user();
    const orgId = await orgWith(admin);
    await dynamo.send(new PutCommand({ TableName: table(), Item: { ...keys.app(orgId, 'shop'), type: 'App', orgId, appId: 'shop', name: 'Shop' } }));
    const email = newEmail();
    const missingApp = await invite(admin, orgId, { email, appRoles: [{ appId: 'nope', role: 'Owner' }] });
    expect(missingApp.status).toBe(404);
    const badRole = await invite(admin, orgId, { email, appRoles: [{ appId: 'shop', role: 'Emperor' }] });
    expect(badRole.status).toBe(400);

    await dynamo.send(new PutCommand({ TableName: table(), Item: { ...keys.app(orgId, 'gone'), type: 'App', orgId, appId: 'gone', name: 'Gone' } }));
    const appRoles = [{ appId: 'shop', role: 'Owner' }, { appId: 'gone', role: 'Viewer' }];
    expect((await invite(admin, orgId, { email, appRoles })).status).toBe(201);
    // An app deleted after the invitation is left out when it is accepted.
    await dynamo.send(new PutCommand({ TableName: table(), Item: { ...keys.app(orgId, 'gone'), type: 'App', orgId, appId: 'gone', name: 'Gone', deleting: true } }));
    const invitee = await h.user({ email });
    const accepted = await invitee.api('POST', `/v1/invitations/${await linkTokenFor(email, 1)}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ role: 'Manager', appRoles: [{ appId: 'shop', role: 'Owner' }] });
    const collection = await getSubjectCollection(orgId, invitee.userId);
    expect(collection.membership).toMatchObject({ role: 'Manager', version: 0 });
    expect(collection.grants).toEqual([expect.objectContaining({ scope: 'app', target: 'shop', role: 'Owner' })]);
  });
});

describe('accepting', () => {
  it('lets exactly one of 20 parallel accepts of one link win', async () => {
    const { orgId, email, token, admin } = await invited();
    const invitee = await h.user({ email });
    const results = await Promise.all(Array.from({ length: 20 }, () => invitee.api('POST', `/v1/invitations/${token}/accept`)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) {
      expect([410, 409]).toContain(r.status);
      expect(['invitation_used', 'already_member']).toContain(r.body.error.code);
    }
    const members = await admin.api('GET', `/v1/orgs/${orgId}/members`);
    expect(members.body.members.filter((m: { userId?: string }) => m.userId === invitee.userId)).toHaveLength(1);
    expect((await admin.api('GET', `/v1/orgs/${orgId}`)).body.memberCount).toBe(2);
  });

  it('works at 24 h - 1 s and answers 410 at 24 h + 1 s, while TTL deletes nothing', async () => {
    // Time stands still (only Date is faked), so the test clock alone decides the seconds.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    try {
      await expiryAtTheEdges();
    } finally {
      vi.useRealTimers();
    }
  });

  async function expiryAtTheEdges() {
    const early = await invited();
    const late = await invited();
    const earlyInvitee = await h.user({ email: early.email });
    const lateInvitee = await h.user({ email: late.email });

    advanceClock(DAY - 1);
    expect((await earlyInvitee.api('POST', `/v1/invitations/${early.token}/accept`)).status).toBe(200);
    advanceClock(2);
    const expired = await lateInvitee.api('POST', `/v1/invitations/${late.token}/accept`);
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe('invitation_expired');
    expect((await anon('GET', `/v1/invitations/${late.token}`)).body.error.code).toBe('invitation_expired');
    const expiredPage = await fetch(`${h.url}/invite/${late.token}`);
    expect(expiredPage.status).toBe(410);
    expect(await expiredPage.text()).toContain('has expired');

    // Still there, listed as expired (the stored status is still pending), and not in the members list.
    const list = await late.admin.api('GET', `/v1/orgs/${late.orgId}/invitations?status=expired`);
    expect(list.body.invitations).toEqual([expect.objectContaining({ invitationId: late.invitationId, status: 'expired' })]);
    expect((await late.admin.api('GET', `/v1/orgs/${late.orgId}/invitations?status=pending`)).body.invitations).toEqual([]);
    const members = await late.admin.api('GET', `/v1/orgs/${late.orgId}/members`);
    expect(members.body.members.map((m: { status: string }) => m.status)).toEqual(['active']);

    // Expired invitations can be resent: a new link with a new 24 hours.
    const resent = await late.admin.api('POST', `/v1/orgs/${late.orgId}/invitations/${late.invitationId}/resend`);
    expect(resent.status).toBe(200);
    expect(resent.body.status).toBe('pending');
    const fresh = await linkTokenFor(late.email, 2);
    expect((await lateInvitee.api('POST', `/v1/invitations/${fresh}/accept`)).status).toBe(200);
  }

  it('requires the invited address unless the org lets any account accept', async () => {
    const { admin, orgId, token } = await invited();
    const other = await h.user();
    const denied = await other.api('POST', `/v1/invitations/${token}/accept`);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
    expect((await admin.api('PATCH', `/v1/orgs/${orgId}`, { settings: { invitationsAllowAnyAccount: true } })).status).toBe(200);
    expect((await other.api('POST', `/v1/invitations/${token}/accept`)).status).toBe(200);
  });

  it('answers 404 for links that are not invitations and 410 for a wrong secret, never 500', async () => {
    const { token } = await invited();
    const [orgId, invitationId] = token.split('.');
    const user = await h.user();
    const shapes = ['x', 'a.b', 'a.b.c', `${token}.x`, `${orgId}.${invitationId}`, 'a#b.c.' + 'A'.repeat(43), '%E0%A4%A', 'A'.repeat(5000)];
    for (const bad of shapes) {
      for (const res of [await anon('GET', `/v1/invitations/${bad}`), await user.api('POST', `/v1/invitations/${bad}/accept`)]) {
        expect(res.status, bad.slice(0, 40)).toBeLessThan(500);
        expect(res.status).toBeGreaterThanOrEqual(400);
      }
      expect((await anon('GET', `/v1/invitations/${encodeURIComponent(bad)}`)).status).not.toBe(500);
    }
    expect((await anon('GET', '/v1/invitations/a.b.c')).status).toBe(404);
    expect((await anon('GET', `/v1/invitations/${orgId}.01NOPE.${'A'.repeat(43)}`)).status).toBe(404);
    const wrongSecret = await anon('GET', `/v1/invitations/${orgId}.${invitationId}.${'A'.repeat(43)}`);
    expect(wrongSecret.status).toBe(410);
    expect(wrongSecret.body.error.code).toBe('invitation_expired');
    expect(JSON.stringify(wrongSecret.body)).not.toContain('Acme');
    // Errors are never cached.
    expect(wrongSecret.headers.get('cache-control')).toBe('no-store');
    const page = await fetch(`${h.url}/invite/a.b.c`);
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('Invitation not found');
    const replaced = await fetch(`${h.url}/invite/${orgId}.${invitationId}.${'A'.repeat(43)}`);
    expect(replaced.status).toBe(410);
    expect(await replaced.text()).toContain('no longer valid');
    expect((await anon('POST', `/v1/invitations/${token}/accept`)).status).toBe(401);
  });
});

describe('inviting', () => {
  it('makes a second invite to the same address a resend: one pending invitation, the old link dead', async () => {
    const { admin, orgId, email, token, invitationId } = await invited({ role: 'Member' });
    const again = await invite(admin, orgId, { email: email.toUpperCase(), role: 'ArtifactContributor' });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ invitationId, resent: true, role: 'ArtifactContributor' });
    const pending = await admin.api('GET', `/v1/orgs/${orgId}/invitations?status=pending`);
    expect(pending.body.invitations).toHaveLength(1);
    expect((await anon('GET', `/v1/invitations/${token}`)).status).toBe(410);
    const invitee = await h.user({ email });
    const accepted = await invitee.api('POST', `/v1/invitations/${await linkTokenFor(email, 2)}/accept`);
    expect(accepted.body.role).toBe('ArtifactContributor');
  });

  it('resend kills the old link and mails a new one with a new 24 hours', async () => {
    const { admin, orgId, email, token, invitationId } = await invited();
    advanceClock(3600);
    const resent = await admin.api('POST', `/v1/orgs/${orgId}/invitations/${invitationId}/resend`);
    expect(resent.status).toBe(200);
    const newToken = await linkTokenFor(email, 2);
    expect(newToken).not.toBe(token);
    expect(Date.parse(resent.body.expiresAt) / 1000).toBeGreaterThan(Date.now() / 1000 + DAY);
    const invitee = await h.user({ email });
    const old = await invitee.api('POST', `/v1/invitations/${token}/accept`);
    expect(old.status).toBe(410);
    expect((await invitee.api('POST', `/v1/invitations/${newToken}/accept`)).status).toBe(200);
    const afterAccept = await admin.api('POST', `/v1/orgs/${orgId}/invitations/${invitationId}/resend`);
    expect(afterAccept.status).toBe(409);
  });

  it('revoke kills the link and removes the row from the members list', async () => {
    const { admin, orgId, email, token, invitationId } = await invited();
    expect((await admin.api('GET', `/v1/orgs/${orgId}/members`)).body.members).toContainEqual(expect.objectContaining({ email, status: 'invited' }));
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/invitations/${invitationId}`)).status).toBe(204);
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/invitations/${invitationId}`)).status).toBe(204);
    const members = await admin.api('GET', `/v1/orgs/${orgId}/members`);
    expect(members.body.members.find((m: { email: string }) => m.email === email)).toBeUndefined();
    const invitee = await h.user({ email });
    const res = await invitee.api('POST', `/v1/invitations/${token}/accept`);
    expect(res.status).toBe(410);
    expect(res.body.error.code).toBe('invitation_revoked');
    expect((await anon('GET', `/v1/invitations/${token}`)).body.error.code).toBe('invitation_revoked');
    const revokedPage = await fetch(`${h.url}/invite/${token}`);
    expect(revokedPage.status).toBe(410);
    expect(await revokedPage.text()).toContain('withdrawn');
    const revoked = await admin.api('GET', `/v1/orgs/${orgId}/invitations?status=revoked`);
    expect(revoked.body.invitations).toEqual([expect.objectContaining({ invitationId, status: 'revoked', revokedBy: admin.userId })]);
    expect((await admin.api('POST', `/v1/orgs/${orgId}/invitations/${invitationId}/resend`)).status).toBe(409);
    // The address may be invited afresh.
    const fresh = await invite(admin, orgId, { email });
    expect(fresh.status).toBe(201);
    expect(fresh.body.invitationId).not.toBe(invitationId);
  });

  it('lets a Manager invite, but not as Administrator; Members may not invite', async () => {
    const admin = await h.user();
    const orgId = await orgWith(admin);
    const managerEmail = newEmail('manager');
    const memberEmail = newEmail('member');
    await invite(admin, orgId, { email: managerEmail, role: 'Manager' });
    await invite(admin, orgId, { email: memberEmail, role: 'Member' });
    const manager = await h.user({ email: managerEmail });
    const member = await h.user({ email: memberEmail });
    expect((await manager.api('POST', `/v1/invitations/${await linkTokenFor(managerEmail, 1)}/accept`)).status).toBe(200);
    expect((await member.api('POST', `/v1/invitations/${await linkTokenFor(memberEmail, 1)}/accept`)).status).toBe(200);

    const asAdmin = await invite(manager, orgId, { email: newEmail(), role: 'Administrator' });
    expect(asAdmin.status).toBe(403);
    expect(asAdmin.body.error.code).toBe('forbidden');
    expect((await invite(manager, orgId, { email: newEmail(), role: 'Manager' })).status).toBe(201);
    expect((await invite(member, orgId, { email: newEmail() })).status).toBe(403);
    expect((await invite(admin, orgId, { email: newEmail(), role: 'Administrator' })).status).toBe(201);
  });

  it('refuses current members, bad input, and more than the hourly limit', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() }); // no hour may turn in between
    process.env.INVITATION_HOURLY_LIMIT = '3';
    try {
      const { admin, orgId } = await invited();
      const self = await invite(admin, orgId, { email: admin.email });
      expect(self.status).toBe(409);
      expect(self.body.error.code).toBe('already_member');
      for (const body of [{}, { email: 'not-an-address' }, { email: 'a@b.co', role: 'Emperor' }, { email: 'a@b.co', extra: 1 }, { email: 'a@b.co', role: 'Member#x' }]) {
        const res = await invite(admin, orgId, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
      const results = [];
      for (let i = 0; i < 3; i++) results.push((await invite(admin, orgId, { email: newEmail() })).status);
      // One was sent by invited() already: the third here is the fourth of the hour.
      expect(results).toEqual([201, 201, 429]);
      const limited = await invite(admin, orgId, { email: newEmail() });
      expect(limited.body.error.code).toBe('rate_limited');
      advanceClock(3600);
      expect((await invite(admin, orgId, { email: newEmail() })).status).toBe(201);
    } finally {
      vi.useRealTimers();
      delete process.env.INVITATION_HOURLY_LIMIT;
    }
  });
});

describe('custom org roles', () => {
  const BROAD = ['org.read', 'members.read', 'members.invite', 'members.remove', 'org.update'];

  async function orgWithRole(permissions: string[]) {
    const admin = await h.user();
    const orgId = await orgWith(admin);
    const created = await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'ops', name: 'Ops', scope: 'org', permissions });
    expect(created.status).toBe(201);
    return { admin, orgId };
  }

  it('an invitation whose role was deleted and re-created under its id is refused (409), and a resend copies the new role', async () => {
    const { admin, orgId } = await orgWithRole(BROAD);
    const email = newEmail();
    const inv = await invite(admin, orgId, { email, role: 'ops' });
    expect(inv.status).toBe(201);
    const oldToken = await linkTokenFor(email, 1);
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/roles/ops`)).status).toBe(204);

    // Deleted: the resend cannot copy it, and says what to do.
    const resendDeleted = await admin.api('POST', `/v1/orgs/${orgId}/invitations/${inv.body.invitationId}/resend`);
    expect(resendDeleted.status).toBe(409);
    expect(resendDeleted.body.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/ops.*deleted.*revoke/i) });

    // Re-created narrower under the same id: the old link must not give the old, broader copy.
    expect((await admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: 'ops', name: 'Ops', scope: 'org', permissions: ['org.read'] })).status).toBe(201);
    const invitee = await h.user({ email });
    const refused = await invitee.api('POST', `/v1/invitations/${oldToken}/accept`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/role ops .*changed.*new invitation/i) });
    expect((await getSubjectCollection(orgId, invitee.userId)).membership).toBeUndefined();

    // A resend now copies the role as it is defined today.
    const resent = await admin.api('POST', `/v1/orgs/${orgId}/invitations/${inv.body.invitationId}/resend`);
    expect(resent.status).toBe(200);
    expect((await invitee.api('POST', `/v1/invitations/${await linkTokenFor(email, 2)}/accept`)).status).toBe(200);
    expect((await getSubjectCollection(orgId, invitee.userId)).membership).toMatchObject({ role: 'ops', permissions: ['org.read'] });
    expect((await admin.api('GET', `/v1/orgs/${orgId}/roles/ops`)).body).toMatchObject({ inUse: 1 });
  });

  it('an invitation stored without the role identity is accepted only while the role has the copied permissions', async () => {
    const { admin, orgId } = await orgWithRole(['org.read', 'members.read']);
    const now = clock.nowSeconds();
    const legacy = (email: string, rolePermissions: string[]) => {
      const secret = newSecret();
      const invitation = {
        orgId,
        invitationId: `01OLD${randomBytes(6).toString('hex').toUpperCase()}`,
        email,
        role: 'ops',
        rolePermissions: rolePermissions as never,
        appRoles: [],
        status: 'pending' as const,
        expiresAt: expiresAtFrom(now),
        invitedBy: { userId: admin.userId, email: admin.email },
        createdAt: new Date(now * 1000).toISOString(),
        updatedAt: new Date(now * 1000).toISOString(),
        secretHash: hashSecret(secret),
      };
      return { invitation, token: formatToken({ orgId, invitationId: invitation.invitationId, secret }) };
    };
    const same = legacy(newEmail(), ['members.read', 'org.read']);
    const other = legacy(newEmail(), BROAD);
    await importInvitations([same.invitation, other.invitation], now);
    const sameUser = await h.user({ email: same.invitation.email });
    const otherUser = await h.user({ email: other.invitation.email });
    expect((await sameUser.api('POST', `/v1/invitations/${same.token}/accept`)).status).toBe(200);
    const refused = await otherUser.api('POST', `/v1/invitations/${other.token}/accept`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('conflict');
  });
});

describe('the inviter name in the mail', () => {
  it('is one line of at most 100 characters, whatever the sign-in claims hold', async () => {
    const admin = await h.user({ name: `Ann\n\nSECURITY NOTICE: your account is locked, sign in at https://evil.example/login\n\n${'x'.repeat(200)}` });
    const orgId = await orgWith(admin);
    const email = newEmail();
    const res = await invite(admin, orgId, { email });
    expect(res.status).toBe(201);
    const expected = `Ann SECURITY NOTICE: your account is locked, sign in at https://evil.example/login ${'x'.repeat(200)}`.slice(0, 100);
    expect(res.body.invitedBy.name).toBe(expected);
    const lines = ((await h.mailTo(email))[0]?.body.text ?? '').split('\n');
    expect(lines[0]).toBe(`${expected} (${admin.email}) invited you to join the organization "Acme".`);
    expect(lines[2]).toBe('Accept the invitation here:');
    expect(lines[3]).toMatch(new RegExp(`^${h.url}/invite/[A-Za-z0-9_.-]+$`));
  });
});

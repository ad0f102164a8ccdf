// When SES refuses, nothing is left half-done: this file's SES endpoint is a port nobody listens on.
// The environment is set before any handler module (and so the SES client) loads.
import { randomBytes } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../../local/dynamo';

process.env.AWS_ENDPOINT_URL_SES = `http://127.0.0.1:${await freePort()}`;
const { anonymous, harness } = await import('../support/harness');
const store = await import('../../functions/store/invitations');
const domain = await import('../../functions/domain/invitations');
const { clock } = await import('../../functions/lib/clock');
const { dynamo, table } = await import('../../functions/store/client');
const { keys } = await import('../../functions/store/keys');
const h = await harness();
afterAll(async () => h.close());

const newEmail = () => `invitee-${randomBytes(5).toString('hex')}@example.com`;

it('answers 502 mail_failed and leaves no invitation, no guard and no counted slot behind', async () => {
  const admin = await h.user();
  const orgId = (await admin.api('POST', '/v1/orgs', { name: 'Acme' })).body.orgId as string;
  const email = newEmail();
  process.env.INVITATION_HOURLY_LIMIT = '1';
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await admin.api('POST', `/v1/orgs/${orgId}/invitations`, { email });
      expect(res.status).toBe(502);
      expect(res.body.error).toMatchObject({ code: 'mail_failed' });
      expect(res.body.error.message).toMatch(/could not be sent.*try again/i);
    }
  } finally {
    delete process.env.INVITATION_HOURLY_LIMIT;
  }
  expect((await admin.api('GET', `/v1/orgs/${orgId}/invitations`)).body.invitations).toEqual([]);
  expect((await admin.api('GET', `/v1/orgs/${orgId}/members`)).body.members.map((m: { status: string }) => m.status)).toEqual(['active']);
  expect(await store.getPendingInvitationId(orgId, email)).toBeUndefined();
});

it('keeps the invitation and its old link as they were when a resend cannot be mailed', async () => {
  const admin = await h.user();
  const orgId = (await admin.api('POST', '/v1/orgs', { name: 'Acme' })).body.orgId as string;
  const now = clock.nowSeconds();
  const secret = domain.newSecret();
  const invitation = {
    orgId,
    invitationId: `01TEST${randomBytes(6).toString('hex').toUpperCase()}`,
    email: newEmail(),
    appRoles: [],
    status: 'pending' as const,
    expiresAt: domain.expiresAtFrom(now),
    invitedBy: { userId: admin.userId, email: admin.email },
    createdAt: new Date(now * 1000).toISOString(),
    updatedAt: new Date(now * 1000).toISOString(),
    secretHash: domain.hashSecret(secret),
  };
  await store.createInvitation(invitation, now, 100);
  const token = domain.formatToken({ orgId, invitationId: invitation.invitationId, secret });

  const res = await admin.api('POST', `/v1/orgs/${orgId}/invitations/${invitation.invitationId}/resend`);
  expect(res.status).toBe(502);
  expect(res.body.error.code).toBe('mail_failed');
  const anon = await anonymous();
  const preview = await anon('GET', `/v1/invitations/${token}`);
  expect(preview.status).toBe(200);
  expect(preview.body.expiresAt).toBe(new Date(invitation.expiresAt * 1000).toISOString());
  expect(await store.getInvitation(orgId, invitation.invitationId)).toMatchObject({ status: 'pending', secretHash: invitation.secretHash, expiresAt: invitation.expiresAt });
  expect(await store.getPendingInvitationId(orgId, invitation.email)).toBe(invitation.invitationId);
});

it('puts an expired invitation back as stored expired, outside the cleanup index, when its resend cannot be mailed', async () => {
  const admin = await h.user();
  const orgId = (await admin.api('POST', '/v1/orgs', { name: 'Acme' })).body.orgId as string;
  const now = clock.nowSeconds();
  const secret = domain.newSecret();
  // Pending as stored, expired an hour ago: the cleanup job's cursor may already be past its hour.
  const invitation = {
    orgId,
    invitationId: `01TEST${randomBytes(6).toString('hex').toUpperCase()}`,
    email: newEmail(),
    appRoles: [],
    status: 'pending' as const,
    expiresAt: now - 3600,
    invitedBy: { userId: admin.userId, email: admin.email },
    createdAt: new Date((now - 25 * 3600) * 1000).toISOString(),
    updatedAt: new Date((now - 25 * 3600) * 1000).toISOString(),
    secretHash: domain.hashSecret(secret),
  };
  await store.createInvitation(invitation, now, 100);

  const res = await admin.api('POST', `/v1/orgs/${orgId}/invitations/${invitation.invitationId}/resend`);
  expect(res.status).toBe(502);
  const { Item } = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.invitation(orgId, invitation.invitationId), ConsistentRead: true }));
  expect(Item).toMatchObject({ status: 'expired', secretHash: invitation.secretHash, expiresAt: invitation.expiresAt });
  expect(Item).not.toHaveProperty('GSI3PK');
  expect(Item).not.toHaveProperty('GSI3SK');
  // Still listed as expired, still resendable (its guard is back), the old link still dead.
  const listed = await admin.api('GET', `/v1/orgs/${orgId}/invitations?status=expired`);
  expect(listed.body.invitations).toEqual([expect.objectContaining({ invitationId: invitation.invitationId, status: 'expired' })]);
  expect(await store.getPendingInvitationId(orgId, invitation.email)).toBe(invitation.invitationId);
  const token = domain.formatToken({ orgId, invitationId: invitation.invitationId, secret });
  expect((await (await anonymous())('GET', `/v1/invitations/${token}`)).body.error.code).toBe('invitation_expired');
});

// When SES takes the connection and never answers, it may have sent the mail: the invite must end well
// inside the API function's 10 s timeout, keep the invitation (its link may be in the invitee's
// mailbox) and say the mail is unconfirmed, instead of the Lambda dying mid-request or a rollback
// killing a link that was delivered. This file's SES endpoint is a local TCP server that accepts and
// stays silent; it is set before any handler module (and the SES client) loads.
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, expect, it } from 'vitest';

const sockets = new Set<Socket>();
let connections = 0;
const silent = createServer((socket) => {
  connections++;
  sockets.add(socket);
  socket.on('error', () => {});
  socket.on('close', () => sockets.delete(socket));
});
await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
process.env.AWS_ENDPOINT_URL_SES = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;

const { harness } = await import('../support/harness');
const store = await import('../../functions/store/invitations');
const { hourBucket } = await import('../../functions/domain/invitations');
const { clock } = await import('../../functions/lib/clock');
const { dynamo, table } = await import('../../functions/store/client');
const { keys } = await import('../../functions/store/keys');
const h = await harness();
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await h.close();
});

/** The API function's timeout (lib/constructs/service-function.ts): the whole request must end well before. */
const LAMBDA_TIMEOUT_MS = 10_000;

it('answers in time with mail "unconfirmed", keeps the invitation, its guard and its counted slot, and sends one request only', async () => {
  const admin = await h.user();
  const orgId = (await admin.api('POST', '/v1/orgs', { name: 'Acme' })).body.orgId as string;
  const email = `invitee-${randomBytes(5).toString('hex')}@example.com`;
  const hour = hourBucket(clock.nowSeconds());

  const started = Date.now();
  const res = await admin.api('POST', `/v1/orgs/${orgId}/invitations`, { email });
  const took = Date.now() - started;

  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ email, status: 'pending', mail: 'unconfirmed' });
  // One attempt of at most 3 s (SES_TIMEOUTS): a retry could mail twice. The bound is the Lambda's deadline.
  expect(took).toBeLessThan(LAMBDA_TIMEOUT_MS - 1_000);
  expect(connections).toBe(1);
  expect(await store.getPendingInvitationId(orgId, email)).toBe(res.body.invitationId);
  const { Item: rate } = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.invitationRate(orgId, hour), ConsistentRead: true }));
  expect(rate?.count).toBe(1);
  // The remedy is a resend, which is unconfirmed the same way and keeps the invitation pending.
  const again = await admin.api('POST', `/v1/orgs/${orgId}/invitations/${res.body.invitationId}/resend`);
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ status: 'pending', mail: 'unconfirmed' });
}, 30_000);

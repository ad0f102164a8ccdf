// When SES accepts the connection and never answers, the invite must still end well inside the API
// function's 10 s timeout, with the rollback done and 502 mail_failed, instead of the Lambda dying with
// the invitation, its guard and the counted slot left behind. This file's SES endpoint is a local TCP
// server that accepts and stays silent; it is set before any handler module (and the SES client) loads.
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

it('answers 502 mail_failed in time and leaves no invitation, no guard and no counted slot behind', async () => {
  const admin = await h.user();
  const orgId = (await admin.api('POST', '/v1/orgs', { name: 'Acme' })).body.orgId as string;
  const email = `invitee-${randomBytes(5).toString('hex')}@example.com`;
  const hour = hourBucket(clock.nowSeconds());

  const started = Date.now();
  const res = await admin.api('POST', `/v1/orgs/${orgId}/invitations`, { email });
  const took = Date.now() - started;

  expect(res.status).toBe(502);
  expect(res.body.error.code).toBe('mail_failed');
  // Two attempts of at most 3 s each (SES_TIMEOUTS), then the rollback: ~7 s here, under load.
  expect(took).toBeLessThan(LAMBDA_TIMEOUT_MS - 1_000);
  // SES was reached and kept silent (not refused: that fails fast anyway).
  expect(connections).toBeGreaterThanOrEqual(1);
  expect((await admin.api('GET', `/v1/orgs/${orgId}/invitations`)).body.invitations).toEqual([]);
  expect(await store.getPendingInvitationId(orgId, email)).toBeUndefined();
  const { Item: rate } = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.invitationRate(orgId, hour), ConsistentRead: true }));
  expect(rate?.count ?? 0).toBe(0);
}, 30_000);

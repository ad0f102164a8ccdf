// The scheduled cleanup reads through the sparse byExpiry index: with 20,000 unrelated items and 200
// expired invitations it reads about 200 items, marks them expired, and never touches the rest.
// The job is global (every org, one cursor): each test first runs it until nothing expired is left and
// sets the cursor it needs, so no test depends on what an earlier one left behind.
import { randomBytes } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { seedExpired, seedUnrelated } from '../../bench/cleanup';
import { expiresAtFrom, hashSecret, hourBucket, INVITATION_GRACE_SECONDS, newSecret, type StoredInvitation } from '../../functions/domain/invitations';
import { clock } from '../../functions/lib/clock';
import { cleanupExpiredInvitations } from '../../functions/operations/invitations';
import { dynamo, table } from '../../functions/store/client';
import { getCleanupCursor, getInvitation, importInvitations, setCleanupCursor } from '../../functions/store/invitations';
import { keys } from '../../functions/store/keys';
import { harness, type Harness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());
afterEach(() => {
  clock.offsetSeconds = 0;
});

const HOUR = 3600;
const isoAt = (s: number) => new Date(s * 1000).toISOString();

/** Mark everything expired so far, then put the cursor at `bucket`: a clean start for one test. */
async function cleanSlate(bucket: string): Promise<void> {
  while (!(await cleanupExpiredInvitations()).complete);
  await setCleanupCursor(bucket, isoAt(clock.nowSeconds()));
}

function pendingInvitation(expiresAt: number): StoredInvitation {
  return {
    orgId: `o${randomBytes(4).toString('hex')}`,
    invitationId: `01C${randomBytes(8).toString('hex').toUpperCase()}`,
    email: `c-${randomBytes(4).toString('hex')}@example.com`,
    appRoles: [],
    status: 'pending',
    expiresAt,
    invitedBy: { userId: 'u', email: 'a@example.com' },
    createdAt: isoAt(expiresAt - 24 * HOUR),
    updatedAt: isoAt(expiresAt - 24 * HOUR),
    secretHash: hashSecret(newSecret()),
  };
}

it('on its first run (no cursor) marks invitations that expired days ago, up to the end of the grace period', async () => {
  const now = clock.nowSeconds();
  await dynamo.send(new DeleteCommand({ TableName: table(), Key: keys.job('invitation-cleanup') }));
  // Expired 30 hours and 6 days ago: still in the index (their TTL, expiry + 7 days, is to come).
  const old = [pendingInvitation(now - 30 * HOUR), pendingInvitation(now - INVITATION_GRACE_SECONDS + 24 * HOUR)];
  await importInvitations(old, now);

  const first = await cleanupExpiredInvitations();
  expect(first.complete).toBe(true);
  for (const inv of old) expect(await getInvitation(inv.orgId, inv.invitationId)).toMatchObject({ status: 'expired' });
  expect(await getCleanupCursor()).toBeDefined();
});

it('marks 200 expired invitations among 20,000 other items reading at most ~250 items', async () => {
  const now = clock.nowSeconds();
  await cleanSlate(hourBucket(now - 4 * HOUR));
  await seedUnrelated(20_000, now);
  const expired = await seedExpired(200, now, 3 * HOUR);
  // Pending and still valid, in the current hour's bucket: the key condition (expiresAt < now) leaves it.
  const live = {
    ...expired[0]!,
    orgId: 'live-org',
    invitationId: `01LIVE${randomBytes(6).toString('hex').toUpperCase()}`,
    expiresAt: now + 2,
    secretHash: hashSecret(newSecret()),
  };
  const fresh = { ...live, invitationId: `01FRESH${randomBytes(6).toString('hex').toUpperCase()}`, expiresAt: expiresAtFrom(now) };
  live.expiresAt = clock.nowSeconds() + 60; // seeding took a while
  await importInvitations([live, fresh], now);

  const first = await cleanupExpiredInvitations();
  expect(first.marked).toBe(200);
  expect(first.itemsRead).toBeLessThanOrEqual(250);
  expect(first.complete).toBe(true);
  expect(first.readCapacityUnits).toBeLessThan(50);
  for (const inv of [expired[0]!, expired[199]!]) {
    expect(await getInvitation(inv.orgId, inv.invitationId)).toMatchObject({ status: 'expired' });
  }
  expect(await getInvitation(live.orgId, live.invitationId)).toMatchObject({ status: 'pending' });
  expect(await getInvitation(fresh.orgId, fresh.invitationId)).toMatchObject({ status: 'pending' });

  // Marked entries have left the index: the next run reads (almost) nothing.
  const second = await cleanupExpiredInvitations();
  expect(second.marked).toBe(0);
  expect(second.itemsRead).toBeLessThanOrEqual(5);

  // Over HTTP (the local server's job route), once the live one has expired too.
  clock.offsetSeconds += 61;
  const res = await fetch(`${h.url}/_local/jobs/run`, { method: 'POST' });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { invitationCleanup: { marked: number; itemsRead: number } };
  expect(body.invitationCleanup.marked).toBe(1);
  expect(await getInvitation(live.orgId, live.invitationId)).toMatchObject({ status: 'expired' });
  expect(await getInvitation(fresh.orgId, fresh.invitationId)).toMatchObject({ status: 'pending' });
}, 180_000); // seeding 20,000 items takes a minute or more on a small, busy machine

it('stops at its item budget and carries on from the stored cursor', async () => {
  const now = clock.nowSeconds();
  // These are back-dated up to 10 minutes, maybe into the previous hour, which no real invitation can
  // be (each expires 24 h after it is written): start the cursor there.
  await cleanSlate(hourBucket(now - HOUR));
  await seedExpired(30, now, 600);
  const partial = await cleanupExpiredInvitations({ maxItems: 10 });
  expect(partial.complete).toBe(false);
  expect(partial.marked).toBe(9); // the cursor read counts as one of the 10
  const rest = await cleanupExpiredInvitations();
  expect(partial.marked + rest.marked).toBe(30);
  expect(rest.complete).toBe(true);
});

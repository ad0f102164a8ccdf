// The scheduled cleanup reads through the sparse byExpiry index: with 20,000 unrelated items and 200
// expired invitations it reads about 200 items, marks them expired, and never touches the rest.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedExpired, seedUnrelated } from '../../bench/cleanup';
import { expiresAtFrom, hashSecret, hourBucket, newSecret } from '../../functions/domain/invitations';
import { clock } from '../../functions/lib/clock';
import { cleanupExpiredInvitations } from '../../functions/operations/invitations';
import { getInvitation, importInvitations, setCleanupCursor } from '../../functions/store/invitations';
import { harness, type Harness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

it('marks 200 expired invitations among 20,000 other items reading at most ~250 items', async () => {
  const now = clock.nowSeconds();
  await seedUnrelated(20_000, now);
  const expired = await seedExpired(200, now, 3 * 3600);
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
  try {
    const res = await fetch(`${h.url}/_local/jobs/run`, { method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { invitationCleanup: { marked: number; itemsRead: number } };
    expect(body.invitationCleanup.marked).toBe(1);
    expect(await getInvitation(live.orgId, live.invitationId)).toMatchObject({ status: 'expired' });
    expect(await getInvitation(fresh.orgId, fresh.invitationId)).toMatchObject({ status: 'pending' });
  } finally {
    clock.offsetSeconds = 0;
  }
});

it('stops at its item budget and carries on from the stored cursor', async () => {
  const now = clock.nowSeconds();
  await seedExpired(30, now, 600);
  // The first test moved the job's cursor to this hour; these were back-dated up to 10 minutes, maybe
  // into the previous hour, which no real invitation can be (each expires 24 h after it is written).
  await setCleanupCursor(hourBucket(now - 3600), new Date(now * 1000).toISOString());
  const partial = await cleanupExpiredInvitations({ maxItems: 10 });
  expect(partial.complete).toBe(false);
  expect(partial.marked).toBe(9); // the cursor read counts as one of the 10
  const rest = await cleanupExpiredInvitations();
  expect(partial.marked + rest.marked).toBe(30);
  expect(rest.complete).toBe(true);
});

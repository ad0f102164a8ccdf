// Benchmark: the invitation cleanup's reads per expired invitation as the table grows (1k, 10k, 50k
// unrelated items). The job reads through the sparse byExpiry index, so the figure must stay flat;
// printed as a ratio against the 1k run of the same process. Run alone: `npx tsx bench/cleanup.ts`.
// Uses DynamoDB Local: the one of this process's environment (AWS_ENDPOINT_URL_DYNAMODB + TABLE_NAME)
// if set, otherwise one it starts and stops itself.

import '../local/preamble';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { hashSecret, newSecret, type StoredInvitation } from '../functions/domain/invitations';
import { clock } from '../functions/lib/clock';
import { cleanupExpiredInvitations } from '../functions/operations/invitations';
import { dynamo, table } from '../functions/store/client';
import { importInvitations } from '../functions/store/invitations';
import { keys } from '../functions/store/keys';
import { ensureTable, startDynamoLocal } from '../local/dynamo';
import { setLocalEnvironment } from '../local/environment';

const HOUR = 3600;

function invitation(orgId: string, expiresAt: number, status: StoredInvitation['status'] = 'pending'): StoredInvitation {
  const at = new Date((expiresAt - 24 * HOUR) * 1000).toISOString();
  return {
    orgId,
    invitationId: `01B${randomBytes(10).toString('hex').toUpperCase()}`,
    email: `bench-${randomBytes(6).toString('hex')}@example.com`,
    appRoles: [],
    status,
    expiresAt,
    invitedBy: { userId: 'bench-admin', email: 'admin@example.com', name: 'Bench' },
    createdAt: at,
    updatedAt: at,
    secretHash: hashSecret(newSecret()),
  };
}

/**
 * Seed `count` items unrelated to the cleanup: memberships, grants, apps, and (one in ten) pending
 * invitations that expire 10-22 hours from `now`, so the byExpiry index is not empty either.
 */
export async function seedUnrelated(count: number, now: number): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const plain: Record<string, unknown>[] = [];
  const future: StoredInvitation[] = [];
  for (let i = 0; i < count; i++) {
    const orgId = `bench-${run}-${i % 97}`;
    const userId = `u${run}${i}`;
    if (i % 10 === 0) {
      future.push(invitation(orgId, now + 10 * HOUR + (i % 12) * HOUR + (i % 3600)));
    } else if (i % 10 < 7) {
      plain.push({
        ...keys.member(orgId, userId),
        type: 'Member',
        orgId,
        userId,
        email: `${userId}@example.com`,
        role: 'Member',
        joinedAt: new Date(now * 1000).toISOString(),
        GSI1PK: keys.scopeMembers(orgId, keys.scope.org()),
        GSI1SK: keys.principalUser(userId),
        GSI2PK: keys.principalUser(userId),
        GSI2SK: `ORG#${orgId}`,
      });
    } else if (i % 10 < 9) {
      plain.push({
        ...keys.userGrant(orgId, userId, keys.scope.app('shop')),
        type: 'Grant',
        orgId,
        userId,
        scope: 'app',
        target: 'shop',
        role: 'Developer',
        GSI1PK: keys.scopeMembers(orgId, keys.scope.app('shop')),
        GSI1SK: keys.principalUser(userId),
      });
    } else {
      plain.push({ ...keys.app(orgId, `app-${i}`), type: 'App', orgId, appId: `app-${i}`, name: `App ${i}` });
    }
  }
  await batchPut(plain);
  await importInvitations(future, now);
}

/**
 * Seed `count` pending invitations that expired during the `withinSeconds` before `now` (keep that after
 * the job's previous run: a real invitation cannot expire in the past of a run that already happened).
 */
export async function seedExpired(count: number, now: number, withinSeconds = HOUR): Promise<StoredInvitation[]> {
  const run = randomBytes(3).toString('hex');
  const seeded = Array.from({ length: count }, (_, i) => invitation(`exp-${run}-${i % 7}`, now - 1 - ((i * 97) % withinSeconds)));
  await importInvitations(seeded, now);
  return seeded;
}

async function batchPut(items: Record<string, unknown>[]): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let requests: { PutRequest: { Item: Record<string, unknown> } }[] | undefined = batches[next++]!.map((Item) => ({ PutRequest: { Item } }));
      while (requests && requests.length > 0) {
        const out = await dynamo.send(new BatchWriteCommand({ RequestItems: { [table()]: requests } }));
        requests = out.UnprocessedItems?.[table()] as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

export interface CleanupFigure {
  unrelatedItems: number;
  expired: number;
  marked: number;
  itemsRead: number;
  readCapacityUnits: number;
  itemsReadPerExpired: number;
}

/** Print (and return) items read per expired invitation at 1k, 10k and 50k unrelated items. */
export async function cleanupBench(options: { sizes?: number[]; expiredPerRun?: number } = {}): Promise<CleanupFigure[]> {
  const sizes = options.sizes ?? [1_000, 10_000, 50_000];
  const expiredPerRun = options.expiredPerRun ?? 100;
  let stop: (() => Promise<void>) | undefined;
  if (!process.env.AWS_ENDPOINT_URL_DYNAMODB || !process.env.TABLE_NAME) {
    const local = await startDynamoLocal();
    stop = local.stop;
    setLocalEnvironment({ dynamoEndpoint: local.endpoint, sesEndpoint: 'http://127.0.0.1:9', publicUrl: 'http://localhost:3000', tableName: `bench-cleanup-${randomBytes(4).toString('hex')}` });
  }
  await ensureTable(process.env.AWS_ENDPOINT_URL_DYNAMODB!, table());
  const offset = clock.offsetSeconds;
  const figures: CleanupFigure[] = [];
  try {
    // A first run sets the job's cursor, so every measured run starts from where the previous one ended.
    await cleanupExpiredInvitations();
    let seeded = 0;
    for (const size of sizes) {
      clock.offsetSeconds += 2 * HOUR;
      const now = clock.nowSeconds();
      await seedUnrelated(size - seeded, now);
      seeded = size;
      await seedExpired(expiredPerRun, now);
      const result = await cleanupExpiredInvitations();
      figures.push({
        unrelatedItems: size,
        expired: expiredPerRun,
        marked: result.marked,
        itemsRead: result.itemsRead,
        readCapacityUnits: Math.round(result.readCapacityUnits * 10) / 10,
        itemsReadPerExpired: Math.round((result.itemsRead / Math.max(1, result.marked)) * 100) / 100,
      });
    }
  } finally {
    clock.offsetSeconds = offset;
    await stop?.();
  }
  const base = figures[0]?.itemsReadPerExpired ?? 1;
  console.log('\nInvitation cleanup: items read per expired invitation (byExpiry index, no Scan)');
  console.log('unrelated items | expired | marked | items read | read capacity | read per expired | vs 1k');
  for (const f of figures) {
    console.log(
      `${String(f.unrelatedItems).padStart(15)} | ${String(f.expired).padStart(7)} | ${String(f.marked).padStart(6)} | ${String(f.itemsRead).padStart(10)} | ${String(f.readCapacityUnits).padStart(13)} | ${f.itemsReadPerExpired.toFixed(2).padStart(16)} | ${(f.itemsReadPerExpired / base).toFixed(2)}x`,
    );
  }
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  await cleanupBench();
}

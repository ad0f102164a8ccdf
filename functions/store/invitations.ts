// Invitations. Each exported function is one access pattern.
//   ORG#o / INV#<invitationId>         the invitation (status, secretHash, expiresAt, ttl); while pending it
//                                      sits in the sparse byExpiry index (GSI3PK=EXP#<hour>, GSI3SK=<expiresAt>#o#id)
//   ORG#o / INVPENDING#<email>         the guard: one pending invitation per (org, address); listed for the
//                                      address through byPrincipal (GSI2PK=EMAIL#<email>, GSI2SK=ORG#o)
//   ORG#o / INVRATE#<yyyy-mm-ddThh>    invitations sent by the org in that hour (ADD, conditioned < limit)
//   JOB#invitation-cleanup / STATE     the cleanup job's cursor: the first expiry bucket not yet done

import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError, conflict } from '../domain/errors';
import {
  closedTtl,
  expirySortKey,
  hourBucket,
  padSeconds,
  pendingTtl,
  type Invitation,
  type InvitationStatus,
  type StoredInvitation,
} from '../domain/invitations';
import type { Membership, Page } from '../domain/model';
import { dynamo, table } from './client';
import { scopeCheck } from './apps';
import { userGrantItem } from './grants';
import { keys } from './keys';
import { joinItems } from './orgs';
import { decodeCursor, encodeCursor, queryAll } from './paging';
import { transact, type TxItem } from './transact';

type Item = Record<string, unknown>;

const CLEANUP_JOB = 'invitation-cleanup';

/** A pending invitation for an address already exists in the org: the invite becomes a resend. */
export class PendingInvitationExists extends Error {}
/** The invitation changed since it was read (accepted, revoked, resent, expired): read it again to say how. */
export class InvitationChanged extends Error {}

function toInvitation(item: Item): StoredInvitation {
  return {
    orgId: item.orgId as string,
    invitationId: item.invitationId as string,
    email: item.email as string,
    ...(item.role ? { role: item.role as string } : {}),
    ...(item.rolePermissions ? { rolePermissions: item.rolePermissions as Invitation['rolePermissions'] } : {}),
    appRoles: (item.appRoles as Invitation['appRoles'] | undefined) ?? [],
    status: item.status as InvitationStatus,
    expiresAt: item.expiresAt as number,
    invitedBy: item.invitedBy as Invitation['invitedBy'],
    createdAt: item.createdAt as string,
    updatedAt: (item.updatedAt as string | undefined) ?? (item.createdAt as string),
    ...(item.acceptedAt ? { acceptedAt: item.acceptedAt as string, acceptedBy: item.acceptedBy as string } : {}),
    ...(item.revokedAt ? { revokedAt: item.revokedAt as string, revokedBy: item.revokedBy as string } : {}),
    secretHash: item.secretHash as string,
  };
}

/** The invitation item; pending ones carry the byExpiry attributes and the grace-period TTL. */
function invitationItem(inv: StoredInvitation, now: number): Item {
  const pending = inv.status === 'pending';
  return {
    ...keys.invitation(inv.orgId, inv.invitationId),
    type: 'Invitation',
    ...inv,
    ttl: pending || inv.status === 'expired' ? pendingTtl(inv.expiresAt) : closedTtl(now),
    ...(pending
      ? { GSI3PK: keys.expiryBucket(hourBucket(inv.expiresAt)), GSI3SK: expirySortKey(inv.expiresAt, inv.orgId, inv.invitationId) }
      : {}),
  };
}

/** A pending invitation as the guard item shows it: enough to list it without reading the invitation. */
export interface PendingInvitation {
  orgId: string;
  invitationId: string;
  email: string;
  role?: string;
  expiresAt: number;
  invitedBy: Invitation['invitedBy'];
  createdAt: string;
}

function guardItem(inv: StoredInvitation): Item {
  const pending: PendingInvitation = {
    orgId: inv.orgId,
    invitationId: inv.invitationId,
    email: inv.email,
    ...(inv.role ? { role: inv.role } : {}),
    expiresAt: inv.expiresAt,
    invitedBy: inv.invitedBy,
    createdAt: inv.createdAt,
  };
  return {
    ...keys.pendingInvitation(inv.orgId, inv.email),
    type: 'PendingInvitation',
    ...pending,
    ttl: pendingTtl(inv.expiresAt),
    GSI2PK: keys.principalEmail(inv.email),
    GSI2SK: `ORG#${inv.orgId}`,
  };
}

function toPending(item: Item): PendingInvitation {
  return {
    orgId: item.orgId as string,
    invitationId: item.invitationId as string,
    email: item.email as string,
    ...(item.role ? { role: item.role as string } : {}),
    expiresAt: item.expiresAt as number,
    invitedBy: item.invitedBy as Invitation['invitedBy'],
    createdAt: item.createdAt as string,
  };
}

/** Count one invitation mail against the org's hourly limit (TTL removes the counter item after two hours). */
function rateItem(orgId: string, now: number, limit: number): TxItem {
  const hour = hourBucket(now);
  return {
    op: {
      Update: {
        TableName: table(),
        Key: keys.invitationRate(orgId, hour),
        UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
        ExpressionAttributeNames: { '#count': 'count', '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':ttl': now + 2 * 3600 },
      },
    },
    onConditionFailed: () =>
      new DomainError('rate_limited', `This organization has sent ${limit} invitations in this hour, its limit. Try again next hour.`, {
        limit,
        retryAfterHour: hour,
      }),
  };
}

/** Give back a slot counted at `now` (a mail that was not sent). Unconditional: it must not block the undo. */
function unrateItem(orgId: string, now: number): TxItem {
  return {
    op: {
      Update: {
        TableName: table(),
        Key: keys.invitationRate(orgId, hourBucket(now)),
        UpdateExpression: 'ADD #count :minus',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':minus': -1 },
      },
    },
  };
}

/** A guard may be taken over once DynamoDB TTL should have removed it (TTL deletes lag). */
const GUARD_FREE = 'attribute_not_exists(PK) OR #ttl <= :now';

/**
 * Create a pending invitation, the (org, e-mail) guard and count it in the hourly limit, in one transaction.
 * Throws PendingInvitationExists if the address has a pending invitation in the org (no read-then-write),
 * rate_limited past the limit.
 */
export async function createInvitation(inv: StoredInvitation, now: number, limit: number): Promise<void> {
  await transact([
    { op: { Put: { TableName: table(), Item: invitationItem(inv, now), ConditionExpression: 'attribute_not_exists(PK)' } } },
    {
      op: {
        Put: {
          TableName: table(),
          Item: guardItem(inv),
          ConditionExpression: GUARD_FREE,
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': now },
        },
      },
      onConditionFailed: () => new PendingInvitationExists(),
    },
    rateItem(inv.orgId, now, limit),
  ]);
}

/**
 * Undo a creation whose mail could not be sent: delete the invitation and its guard if they are still
 * what the creation wrote, and give back the slot counted at `now` (the creation's). StaleRead if changed.
 */
export async function deleteUnsentInvitation(inv: StoredInvitation, now: number): Promise<void> {
  await transact([
    {
      op: {
        Delete: {
          TableName: table(),
          Key: keys.invitation(inv.orgId, inv.invitationId),
          ConditionExpression: 'secretHash = :hash AND #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':hash': inv.secretHash, ':pending': 'pending' },
        },
      },
    },
    {
      op: {
        Delete: {
          TableName: table(),
          Key: keys.pendingInvitation(inv.orgId, inv.email),
          ConditionExpression: 'invitationId = :id',
          ExpressionAttributeValues: { ':id': inv.invitationId },
        },
      },
    },
    unrateItem(inv.orgId, now),
  ]);
}

/** The id of the pending invitation for an address in an org (its guard, strongly consistent). */
export async function getPendingInvitationId(orgId: string, email: string): Promise<string | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.pendingInvitation(orgId, email), ConsistentRead: true }));
  return Item?.invitationId as string | undefined;
}

/** One invitation (strongly consistent). */
export async function getInvitation(orgId: string, invitationId: string): Promise<StoredInvitation | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.invitation(orgId, invitationId), ConsistentRead: true }));
  return Item ? toInvitation(Item) : undefined;
}

/** Replace the invitation with `next` only if it is still `previous` (same secret hash and status). */
function replaceItem(previous: StoredInvitation, next: StoredInvitation, now: number, onFailed?: () => Error): TxItem {
  return {
    op: {
      Put: {
        TableName: table(),
        Item: invitationItem(next, now),
        ConditionExpression: 'secretHash = :hash AND #status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':hash': previous.secretHash, ':status': previous.status },
      },
    },
    ...(onFailed ? { onConditionFailed: onFailed } : {}),
  };
}

/** The guard of `inv`, written whether it exists (ours) or not (TTL took it); another invitation's: conflict. */
function guardPutItem(inv: StoredInvitation, now: number): TxItem {
  return {
    op: {
      Put: {
        TableName: table(),
        Item: guardItem(inv),
        ConditionExpression: `invitationId = :id OR ${GUARD_FREE}`,
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':id': inv.invitationId, ':now': now },
      },
    },
    onConditionFailed: () => conflict(`Another invitation for ${inv.email} is pending in this organization.`),
  };
}

/**
 * Re-issue an invitation (resend): new secret hash, new expiry, back in the byExpiry index, conditioned on
 * the hash and status read, so the old link is dead from this write on. Counted in the hourly limit.
 * A concurrent change makes it StaleRead.
 */
export async function reissueInvitation(previous: StoredInvitation, next: StoredInvitation, now: number, limit: number): Promise<void> {
  await transact([replaceItem(previous, next, now), guardPutItem(next, now), rateItem(next.orgId, now, limit)]);
}

/**
 * Roll back a re-issue whose mail could not be sent, if nothing changed since: the previous link lives
 * again. `now` is the re-issue's, so the slot goes back to the hour it was counted in.
 */
export async function restoreInvitation(previous: StoredInvitation, reissued: StoredInvitation, now: number): Promise<void> {
  await transact([replaceItem(reissued, previous, now), guardPutItem(previous, now), unrateItem(previous.orgId, now)]);
}

/**
 * Accept, all or nothing: the invitation becomes accepted (only if still pending with this secret and
 * unexpired at `now`), its guard goes, the membership exists (already_member if it did), each app grant
 * is written next to a check that its app is still live (StaleRead otherwise). Throws InvitationChanged
 * when the invitation's condition fails.
 */
export async function acceptInvitation(input: {
  invitation: StoredInvitation;
  membership: Membership;
  appRoles: { appId: string; role: string }[];
  now: number;
  nowIso: string;
}): Promise<void> {
  const { invitation: inv, membership, now, nowIso } = input;
  const join = joinItems(membership);
  const memberPut = join[0]?.op.Put;
  if (memberPut?.Item) memberPut.Item.version = 0;
  const items: TxItem[] = [
    {
      op: {
        Update: {
          TableName: table(),
          Key: keys.invitation(inv.orgId, inv.invitationId),
          UpdateExpression: 'SET #status = :accepted, acceptedAt = :at, acceptedBy = :by, updatedAt = :at, #ttl = :ttl REMOVE GSI3PK, GSI3SK',
          ConditionExpression: '#status = :pending AND secretHash = :hash AND expiresAt > :now',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':accepted': 'accepted',
            ':pending': 'pending',
            ':at': nowIso,
            ':by': membership.userId,
            ':ttl': closedTtl(now),
            ':hash': inv.secretHash,
            ':now': now,
          },
        },
      },
      onConditionFailed: () => new InvitationChanged(),
    },
    {
      op: {
        Delete: {
          TableName: table(),
          Key: keys.pendingInvitation(inv.orgId, inv.email),
          ConditionExpression: 'attribute_not_exists(PK) OR invitationId = :id',
          ExpressionAttributeValues: { ':id': inv.invitationId },
        },
      },
    },
    ...join,
  ];
  for (const grant of input.appRoles) {
    items.push(
      { op: { Put: { TableName: table(), Item: userGrantItem(inv.orgId, membership.userId, { scope: 'app', target: grant.appId, role: grant.role }, nowIso) } } },
      // The app must still be live (not being deleted): without an error of its own, a failure is a stale
      // read, and the retry leaves out the app that went away.
      { op: scopeCheck(inv.orgId, 'app', grant.appId).op },
    );
  }
  await transact(items);
}

/** Revoke a pending or expired invitation: closed, out of the byExpiry index, its guard gone. StaleRead if it moved. */
export async function revokeInvitation(inv: StoredInvitation, revokedBy: string, now: number, nowIso: string): Promise<void> {
  await transact([
    {
      op: {
        Update: {
          TableName: table(),
          Key: keys.invitation(inv.orgId, inv.invitationId),
          UpdateExpression: 'SET #status = :revoked, revokedAt = :at, revokedBy = :by, updatedAt = :at, #ttl = :ttl REMOVE GSI3PK, GSI3SK',
          ConditionExpression: 'secretHash = :hash AND #status = :status',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':revoked': 'revoked',
            ':at': nowIso,
            ':by': revokedBy,
            ':ttl': closedTtl(now),
            ':hash': inv.secretHash,
            ':status': inv.status,
          },
        },
      },
    },
    {
      op: {
        Delete: {
          TableName: table(),
          Key: keys.pendingInvitation(inv.orgId, inv.email),
          ConditionExpression: 'attribute_not_exists(PK) OR invitationId = :id',
          ExpressionAttributeValues: { ':id': inv.invitationId },
        },
      },
    },
  ]);
}

/** Which status filter a listing applies; expired = stored expired, or pending past expiresAt. */
function statusFilter(status: InvitationStatus | undefined, now: number) {
  const names = { '#status': 'status' };
  switch (status) {
    case undefined:
      return {};
    case 'pending':
      return { FilterExpression: '#status = :pending AND expiresAt > :now', names, values: { ':pending': 'pending', ':now': now } };
    case 'expired':
      return {
        FilterExpression: '#status = :expired OR (#status = :pending AND expiresAt <= :now)',
        names,
        values: { ':expired': 'expired', ':pending': 'pending', ':now': now },
      };
    default:
      return { FilterExpression: '#status = :status', names, values: { ':status': status } };
  }
}

/**
 * An org's invitations (optionally with one status at `now`), newest first, one page: Query PK=ORG#o,
 * SK begins_with INV# (the org partition's invitations only; the status is a filter).
 */
export async function listInvitations(orgId: string, status: InvitationStatus | undefined, now: number, cursor?: string, limit = 100): Promise<Page<StoredInvitation>> {
  const filter = statusFilter(status, now);
  const items: StoredInvitation[] = [];
  let start: Record<string, unknown> | undefined = decodeCursor(cursor, { equal: { PK: keys.org(orgId).PK }, prefix: { SK: 'INV#' } });
  // A filter may leave a page empty while more follow: read on until something is found or the end.
  do {
    const out = await dynamo.send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :inv)',
        ...(filter.FilterExpression ? { FilterExpression: filter.FilterExpression, ExpressionAttributeNames: filter.names } : {}),
        ExpressionAttributeValues: { ':pk': keys.org(orgId).PK, ':inv': 'INV#', ...filter.values },
        ScanIndexForward: false,
        ExclusiveStartKey: start,
        Limit: limit,
      }),
    );
    items.push(...(out.Items ?? []).map(toInvitation));
    start = out.LastEvaluatedKey;
  } while (items.length === 0 && start);
  return { items, next: encodeCursor(start) };
}

/** An org's live pending invitations (the guards with expiresAt > now): the invited rows of the members list. */
export async function listPendingInvitations(orgId: string, now: number): Promise<PendingInvitation[]> {
  const items = await queryAll({
    TableName: table(),
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :guard)',
    FilterExpression: 'expiresAt > :now',
    ExpressionAttributeValues: { ':pk': keys.org(orgId).PK, ':guard': 'INVPENDING#', ':now': now },
  });
  return items.map(toPending);
}

/** Live invitations pending for an e-mail address, in every org (byPrincipal: GSI2PK=EMAIL#<email>). */
export async function listInvitationsForEmail(email: string, now: number): Promise<PendingInvitation[]> {
  const items = await queryAll({
    TableName: table(),
    IndexName: 'byPrincipal',
    KeyConditionExpression: 'GSI2PK = :pk AND begins_with(GSI2SK, :org)',
    FilterExpression: 'expiresAt > :now',
    ExpressionAttributeValues: { ':pk': keys.principalEmail(email), ':org': 'ORG#', ':now': now },
  });
  return items.map(toPending);
}

/** Which of these apps are live in the org: exist, not being deleted, no tombstone (BatchGet, consistent). */
export async function existingApps(orgId: string, appIds: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const unique = [...new Set(appIds)];
  for (let i = 0; i < unique.length; i += 100) {
    let request: Record<string, { Keys: Item[]; ConsistentRead: boolean; ProjectionExpression: string }> | undefined = {
      [table()]: { Keys: unique.slice(i, i + 100).map((a) => keys.app(orgId, a)), ConsistentRead: true, ProjectionExpression: 'SK, deleting, deletedAt' },
    };
    while (request && Object.keys(request).length > 0) {
      const out = await dynamo.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of out.Responses?.[table()] ?? []) {
        if (!item.deleting && !item.deletedAt) found.add((item.SK as string).slice('APP#'.length));
      }
      request = out.UnprocessedKeys as typeof request;
    }
  }
  return found;
}

// --- The cleanup job -------------------------------------------------------------------------------

/** The first expiry bucket the cleanup job has not finished (its cursor). */
export async function getCleanupCursor(): Promise<string | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.job(CLEANUP_JOB), ConsistentRead: true }));
  return Item?.bucket as string | undefined;
}

export async function setCleanupCursor(bucket: string, nowIso: string): Promise<void> {
  await dynamo.send(new PutCommand({ TableName: table(), Item: { ...keys.job(CLEANUP_JOB), type: 'JobState', bucket, updatedAt: nowIso } }));
}

export interface ExpiredEntry {
  orgId: string;
  invitationId: string;
  sortKey: string;
}

/**
 * Pending invitations of one expiry bucket that expired at or before `now`, one page (byExpiry:
 * GSI3PK = EXP#<hour> AND GSI3SK < <now+1>): reads only expired entries, never the rest of the table.
 */
export async function expiredInBucket(
  bucket: string,
  now: number,
  start: Record<string, unknown> | undefined,
  limit: number,
): Promise<{ entries: ExpiredEntry[]; next?: Record<string, unknown>; capacity: number }> {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: table(),
      IndexName: 'byExpiry',
      KeyConditionExpression: 'GSI3PK = :bucket AND GSI3SK < :upTo',
      ExpressionAttributeValues: { ':bucket': keys.expiryBucket(bucket), ':upTo': padSeconds(now + 1) },
      ProjectionExpression: 'orgId, invitationId, GSI3SK',
      ExclusiveStartKey: start,
      Limit: limit,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  return {
    entries: (out.Items ?? []).map((i) => ({ orgId: i.orgId as string, invitationId: i.invitationId as string, sortKey: i.GSI3SK as string })),
    ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}),
    capacity: out.ConsumedCapacity?.CapacityUnits ?? 0,
  };
}

/**
 * Store `expired` on an invitation found expired in the index, and take it out of the index. Conditioned
 * on it being the same pending entry (a resend meanwhile moved it): false when it was not.
 */
export async function markExpired(entry: ExpiredEntry, now: number, nowIso: string): Promise<boolean> {
  try {
    await dynamo.send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.invitation(entry.orgId, entry.invitationId),
        UpdateExpression: 'SET #status = :expired, updatedAt = :at REMOVE GSI3PK, GSI3SK',
        ConditionExpression: '#status = :pending AND GSI3SK = :sk AND expiresAt <= :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':expired': 'expired', ':pending': 'pending', ':sk': entry.sortKey, ':now': now, ':at': nowIso },
      }),
    );
    return true;
  } catch (err) {
    if ((err as Error).name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}

/** Write invitations as given, without guards or rate counts: fixtures and benchmarks only. */
export async function importInvitations(invitations: StoredInvitation[], now: number): Promise<void> {
  for (let i = 0; i < invitations.length; i += 25) {
    let requests: { PutRequest: { Item: Item } }[] | undefined = invitations
      .slice(i, i + 25)
      .map((inv) => ({ PutRequest: { Item: invitationItem(inv, now) } }));
    for (let attempt = 0; requests && requests.length > 0; attempt++) {
      const out = await dynamo.send(new BatchWriteCommand({ RequestItems: { [table()]: requests } }));
      requests = out.UnprocessedItems?.[table()] as typeof requests;
      if (requests?.length) await new Promise((r) => setTimeout(r, 50 * 2 ** Math.min(attempt, 5)));
    }
  }
}


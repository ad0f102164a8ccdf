// Invitations. Each exported function is one access pattern.
//   ORG#o / INV#<invitationId>         the invitation (status, secretHash, expiresAt, ttl); while pending it
//                                      sits in the sparse byExpiry index (GSI3PK=EXP#<hour>, GSI3SK=<expiresAt>#o#id)
//   ORG#o / INVPENDING#<email>         the guard: one pending invitation per (org, address); listed for the
//                                      address through byPrincipal (GSI2PK=EMAIL#<email>, GSI2SK=ORG#o)
//   ORG#o / INVRATE#<yyyy-mm-ddThh>    invitations sent by the org in that hour (ADD, conditioned < limit)
// Writes that (re)issue a pending invitation also check the invitee is no member (or, without an
// account, that none was created meanwhile): a pending invitation never outlives the address joining.
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
import { keys, prefixes } from './keys';
import { joinItems, liveAccountCheck } from './orgs';
import { decodeCursor, encodeCursor, queryAll } from './paging';
import { transact, untilProcessed, type TxItem } from './transact';

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
    ...(item.roleCreatedAt ? { roleCreatedAt: item.roleCreatedAt as string } : {}),
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
    GSI2SK: keys.principalOrg(inv.orgId),
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
 * The invitee is no member of the org when a pending invitation is written. `inviteeUserId` is the
 * account the address had when read; none: the address must still have no account (one created since
 * may have joined already, so the check fails as a stale read and the operation reads again).
 */
function inviteeCheck(orgId: string, email: string, inviteeUserId: string | undefined): TxItem {
  if (inviteeUserId === undefined) {
    return { op: { ConditionCheck: { TableName: table(), Key: keys.email(email), ConditionExpression: 'attribute_not_exists(PK)' } } };
  }
  return {
    op: { ConditionCheck: { TableName: table(), Key: keys.member(orgId, inviteeUserId), ConditionExpression: 'attribute_not_exists(PK)' } },
    onConditionFailed: () => new DomainError('already_member', `${email} is already a member of this organization.`),
  };
}

/**
 * Create a pending invitation, the (org, e-mail) guard and count it in the hourly limit, in one transaction,
 * while the invitee is no member (inviteeCheck). Throws already_member, PendingInvitationExists if the
 * address has a pending invitation in the org (no read-then-write), rate_limited past the limit.
 */
export async function createInvitation(inv: StoredInvitation, now: number, limit: number, inviteeUserId?: string): Promise<void> {
  await transact([
    inviteeCheck(inv.orgId, inv.email, inviteeUserId),
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
 * the hash and status read, so the old link is dead from this write on, and on the invitee being no
 * member (inviteeCheck: already_member). Counted in the hourly limit. A concurrent change makes it StaleRead.
 */
export async function reissueInvitation(previous: StoredInvitation, next: StoredInvitation, now: number, limit: number, inviteeUserId?: string): Promise<void> {
  await transact([inviteeCheck(next.orgId, next.email, inviteeUserId), replaceItem(previous, next, now), guardPutItem(next, now), rateItem(next.orgId, now, limit)]);
}

/**
 * Roll back a re-issue whose mail could not be sent, if nothing changed since: the previous link lives
 * again. `now` is the re-issue's, so the slot goes back to the hour it was counted in. A previous
 * invitation that has expired by `now` goes back as stored `expired`, outside byExpiry: the cleanup's
 * cursor may have passed its hour already, and an entry there would never be marked.
 */
export async function restoreInvitation(previous: StoredInvitation, reissued: StoredInvitation, now: number): Promise<void> {
  const restored: StoredInvitation = previous.status === 'pending' && previous.expiresAt <= now ? { ...previous, status: 'expired' } : previous;
  await transact([replaceItem(reissued, restored, now), guardPutItem(restored, now), unrateItem(previous.orgId, now)]);
}

/** Close a pending or expired invitation as revoked (out of byExpiry), if it is still as read; StaleRead otherwise. */
function revokedItem(inv: StoredInvitation, revokedBy: string, now: number, nowIso: string): TxItem {
  return {
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
  };
}

/** Delete the (org, e-mail) guard only while it is this invitation's; StaleRead if it changed. */
function guardDeleteItem(orgId: string, email: string, invitationId: string): TxItem {
  return {
    op: {
      Delete: {
        TableName: table(),
        Key: keys.pendingInvitation(orgId, email),
        ConditionExpression: 'invitationId = :id',
        ExpressionAttributeValues: { ':id': invitationId },
      },
    },
  };
}

/** The accepting user's own pending invitation in the org, when they accept one sent to another address. */
export interface OwnPendingInvitation {
  email: string;
  /** The invitation its guard names. */
  invitationId: string;
  /** That invitation as read (absent: gone already, only the guard is left). */
  invitation?: StoredInvitation;
}

/**
 * Accept, all or nothing: the invitation becomes accepted (only if still pending with this secret and
 * unexpired at `now`), its guard goes, the membership exists (already_member if it did; a custom org
 * role only while it is the role copied, `roleCreatedAt`: 409 otherwise), each app grant is written next
 * to a check that its app is still live (StaleRead otherwise). The accepting user's own pending
 * invitation (`ownPending`, when the accepted one was sent to another address) is revoked, by them, and
 * its guard deleted, both conditioned on being as read (StaleRead). Throws InvitationChanged when the
 * invitation's condition fails.
 */
export async function acceptInvitation(input: {
  invitation: StoredInvitation;
  membership: Membership;
  roleCreatedAt?: string;
  appRoles: { appId: string; role: string }[];
  ownPending?: OwnPendingInvitation;
  now: number;
  nowIso: string;
}): Promise<void> {
  const { invitation: inv, membership, now, nowIso, ownPending: own } = input;
  const join = joinItems(membership, input.roleCreatedAt);
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
    // An account being deleted joins nothing.
    liveAccountCheck(membership.userId),
  ];
  if (!own && membership.email !== inv.email) {
    // The caller's own address had no pending invitation here when read: it must still have none, or an
    // invite committed in between would be left pending for a member (a failure is a stale read).
    items.push({
      op: {
        ConditionCheck: {
          TableName: table(),
          Key: keys.pendingInvitation(inv.orgId, membership.email),
          ConditionExpression: GUARD_FREE,
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': now },
        },
      },
    });
  }
  if (own) {
    items.push(guardDeleteItem(inv.orgId, own.email, own.invitationId));
    if (own.invitation && (own.invitation.status === 'pending' || own.invitation.status === 'expired')) {
      items.push(revokedItem(own.invitation, membership.userId, now, nowIso));
    }
  }
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

/**
 * Revoke a pending or expired invitation: closed, out of the byExpiry index, and its guard gone if the
 * guard (read first) is still its own. After the grace period a newer invitation to the address may have
 * taken the guard over: that one stays. StaleRead if the invitation or its guard moved.
 */
export async function revokeInvitation(inv: StoredInvitation, revokedBy: string, now: number, nowIso: string): Promise<void> {
  const guardOwner = await getPendingInvitationId(inv.orgId, inv.email);
  await transact([
    revokedItem(inv, revokedBy, now, nowIso),
    ...(guardOwner === inv.invitationId ? [guardDeleteItem(inv.orgId, inv.email, inv.invitationId)] : []),
  ]);
}

/**
 * Delete what an earlier removal left in a user's collection in the org (inert without a membership),
 * in transactions of up to 99 Deletes, each with a check that the user is still no member: once a
 * concurrent accept has written the membership and its fresh grants, nothing here can delete them
 * (already_member instead).
 */
export async function deleteLeftovers(orgId: string, userId: string, itemKeys: { PK: string; SK: string }[]): Promise<void> {
  const member = keys.member(orgId, userId);
  const leftovers = itemKeys.filter((k) => k.PK === member.PK && k.SK !== member.SK);
  for (let i = 0; i < leftovers.length; i += 99) {
    await transact([
      {
        op: { ConditionCheck: { TableName: table(), Key: member, ConditionExpression: 'attribute_not_exists(PK)' } },
        onConditionFailed: () => new DomainError('already_member', 'You are already a member of this organization.'),
      },
      ...leftovers.slice(i, i + 99).map((Key): TxItem => ({ op: { Delete: { TableName: table(), Key } } })),
    ]);
  }
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
  let start: Record<string, unknown> | undefined = decodeCursor(cursor, { equal: { PK: keys.org(orgId).PK }, prefix: { SK: prefixes.invitation } });
  // A filter may leave a page empty while more follow: read on until something is found or the end.
  do {
    const out = await dynamo.send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :inv)',
        ...(filter.FilterExpression ? { FilterExpression: filter.FilterExpression, ExpressionAttributeNames: filter.names } : {}),
        ExpressionAttributeValues: { ':pk': keys.org(orgId).PK, ':inv': prefixes.invitation, ...filter.values },
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
    ExpressionAttributeValues: { ':pk': keys.org(orgId).PK, ':guard': prefixes.pendingInvitation, ':now': now },
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
    ExpressionAttributeValues: { ':pk': keys.principalEmail(email), ':org': prefixes.principalOrg, ':now': now },
  });
  return items.map(toPending);
}

/** Which of these apps are live in the org: exist, not being deleted, no tombstone (BatchGet, consistent). */
export async function existingApps(orgId: string, appIds: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const unique = [...new Set(appIds)];
  for (let i = 0; i < unique.length; i += 100) {
    await untilProcessed(
      unique.slice(i, i + 100).map((a) => keys.app(orgId, a) as Item),
      async (pending) => {
        const out = await dynamo.send(
          new BatchGetCommand({ RequestItems: { [table()]: { Keys: pending, ConsistentRead: true, ProjectionExpression: 'SK, deleting, deletedAt' } } }),
        );
        for (const item of out.Responses?.[table()] ?? []) {
          if (!item.deleting && !item.deletedAt) found.add((item.SK as string).slice(prefixes.app.length));
        }
        return out.UnprocessedKeys?.[table()]?.Keys as Item[] | undefined;
      },
      'app reads',
    );
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
    await untilProcessed(
      invitations.slice(i, i + 25).map((inv) => ({ PutRequest: { Item: invitationItem(inv, now) } })),
      async (pending) => {
        const out = await dynamo.send(new BatchWriteCommand({ RequestItems: { [table()]: pending } }));
        return out.UnprocessedItems?.[table()] as typeof pending | undefined;
      },
      'invitation writes',
    );
  }
}


/** Who invited, once the inviter's account is deleted: the invitations stay valid, their name does not. */
export const FORMER_MEMBER: Invitation['invitedBy'] = { userId: '', email: '', name: 'A former member' };

/**
 * Take a deleted account's name and address off the pending invitations it sent in an org (the link
 * page and a resend would show them): Query `PK = ORG#o AND begins_with(SK, INV#)` filtered on the
 * inviter, then per invitation an Update of it and of its guard, each conditioned on the inviter.
 */
export async function forgetInviter(orgId: string, userId: string): Promise<number> {
  const sent = await queryAll({
    TableName: table(),
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :inv)',
    FilterExpression: 'invitedBy.userId = :u AND #status = :pending',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':pk': keys.org(orgId).PK, ':inv': prefixes.invitation, ':u': userId, ':pending': 'pending' },
    ProjectionExpression: 'invitationId, email',
  });
  const forget = (key: { PK: string; SK: string }, extra: string, values: Record<string, unknown>) =>
    dynamo
      .send(
        new UpdateCommand({
          TableName: table(),
          Key: key,
          UpdateExpression: 'SET invitedBy = :anon',
          ConditionExpression: `invitedBy.userId = :u${extra}`,
          ExpressionAttributeValues: { ':anon': FORMER_MEMBER, ':u': userId, ...values },
        }),
      )
      .catch((err: Error) => {
        if (err.name !== 'ConditionalCheckFailedException') throw err;
      });
  for (const inv of sent) {
    await forget(keys.invitation(orgId, inv.invitationId as string), '', {});
    await forget(keys.pendingInvitation(orgId, inv.email as string), ' AND invitationId = :id', { ':id': inv.invitationId });
  }
  return sent.length;
}

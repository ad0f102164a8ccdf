// Organizations, memberships and user profiles. Each exported function is one access pattern.

import { BatchGetCommand, BatchWriteCommand, DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError, conflict, lastAdministrator, notFound, unauthenticated } from '../domain/errors';
import { INITIAL_DEFAULT_ROLES, type DefaultRoles } from '../domain/evaluator';
import type { Identity, Membership, Organization, OrganizationSettings, Page, UserProfile } from '../domain/model';
import { ADMINISTRATOR, DEVELOPMENT_ENV_TYPE, isBuiltInRoleId } from '../domain/permissions';
import { dynamo, table } from './client';
import { keys, prefixes } from './keys';
import { roleUseItem } from './roles';
import { logger } from '../http/logger';
import { decodeCursor, encodeCursor, queryAll } from './paging';
import { transact, untilProcessed, type TxItem } from './transact';

type Item = Record<string, unknown>;

export function toOrganization(item: Item): Organization {
  return {
    orgId: item.orgId as string,
    name: item.name as string,
    createdAt: item.createdAt as string,
    createdBy: item.createdBy as string,
    adminCount: item.adminCount as number,
    memberCount: item.memberCount as number,
    defaultRoles: (item.defaultRoles as DefaultRoles | undefined) ?? INITIAL_DEFAULT_ROLES,
    settings: { invitationsAllowAnyAccount: false, ...(item.settings as Partial<OrganizationSettings> | undefined) },
  };
}

/**
 * The organization an org item describes, or undefined when it is marked deleted (`deletedAt`): from
 * the mark on, every read treats the org as gone while its items are swept.
 */
export function liveOrganization(item: Item | undefined): Organization | undefined {
  return item && item.deletedAt === undefined ? toOrganization(item) : undefined;
}

/** The condition every org-item write of a live organization carries: it exists and is not marked deleted. */
export const LIVE_ORG = 'attribute_exists(PK) AND attribute_not_exists(deletedAt)';

export function toMembership(item: Item): Membership {
  return {
    orgId: item.orgId as string,
    userId: item.userId as string,
    email: item.email as string,
    ...(item.name ? { name: item.name as string } : {}),
    role: item.role as string,
    ...(item.permissions ? { permissions: item.permissions as Membership['permissions'] } : {}),
    joinedAt: item.joinedAt as string,
  };
}

/** The membership item and its index attributes: listed under the org (byScope) and the user (byPrincipal). */
export function membershipItem(m: Membership): Item {
  return {
    ...keys.member(m.orgId, m.userId),
    type: 'Member',
    ...m,
    GSI1PK: keys.scopeMembers(m.orgId, keys.scope.org()),
    GSI1SK: keys.principalUser(m.userId),
    GSI2PK: keys.principalUser(m.userId),
    GSI2SK: keys.principalOrg(m.orgId),
  };
}

/**
 * Put a new membership (fails with already_member) and count it on the org, in one transaction's items.
 * `roleCreatedAt`: the identity of the custom role whose permissions the membership copies (see roleUseItem).
 */
export function joinItems(m: Membership, roleCreatedAt?: string): TxItem[] {
  const isAdmin = m.role === ADMINISTRATOR;
  const customRole: TxItem[] = m.permissions
    ? [
        {
          ...roleUseItem(m.orgId, m.role, 1, roleCreatedAt),
          onConditionFailed: () => conflict(`The role ${m.role} was deleted or changed since the invitation was sent: ask for a new invitation.`),
        },
      ]
    : [];
  return [
    {
      op: { Put: { TableName: table(), Item: membershipItem(m), ConditionExpression: 'attribute_not_exists(PK)' } },
      onConditionFailed: () => new DomainError('already_member', 'The user is already a member of this organization.'),
    },
    {
      op: {
        Update: {
          TableName: table(),
          Key: keys.org(m.orgId),
          UpdateExpression: 'ADD memberCount :one, adminCount :admins',
          // No one joins an organization that is gone or marked deleted.
          ConditionExpression: LIVE_ORG,
          ExpressionAttributeValues: { ':one': 1, ':admins': isAdmin ? 1 : 0 },
        },
      },
      onConditionFailed: () => notFound('The organization'),
    },
    ...customRole,
  ];
}

function organizationItem(org: Organization): Item {
  return { ...keys.org(org.orgId), type: 'Organization', ...org };
}

function envTypeItem(orgId: string, typeId: string, createdAt: string): Item {
  return {
    ...keys.envType(orgId, typeId),
    type: 'EnvironmentType',
    orgId,
    envTypeId: typeId,
    description: 'Built-in: everyone may deploy here by default.',
    createdAt,
  };
}

/** Create an organization with its creator as the only Administrator, and the built-in env type. */
export async function createOrganization(input: { orgId: string; name: string; creator: Identity; now: string }) {
  await transact([...organizationCreationItems(input), liveAccountCheck(input.creator.userId)]);
}

function organizationCreationItems(input: { orgId: string; name: string; creator: Identity; now: string }): TxItem[] {
  const org: Organization = {
    orgId: input.orgId,
    name: input.name,
    createdAt: input.now,
    createdBy: input.creator.userId,
    adminCount: 1,
    memberCount: 1,
    defaultRoles: INITIAL_DEFAULT_ROLES,
    settings: { invitationsAllowAnyAccount: false },
  };
  const member: Membership = {
    orgId: input.orgId,
    userId: input.creator.userId,
    email: input.creator.email,
    ...(input.creator.name ? { name: input.creator.name } : {}),
    role: ADMINISTRATOR,
    joinedAt: input.now,
  };
  return [
    {
      op: { Put: { TableName: table(), Item: organizationItem(org), ConditionExpression: 'attribute_not_exists(PK)' } },
      onConditionFailed: () => conflict(`An organization with id ${input.orgId} exists already.`),
    },
    { op: { Put: { TableName: table(), Item: membershipItem(member) } } },
    { op: { Put: { TableName: table(), Item: envTypeItem(input.orgId, DEVELOPMENT_ENV_TYPE, input.now) } } },
  ];
}

/** Read one live organization (strongly consistent: admin counts and defaults decide access). */
export async function getOrganization(orgId: string): Promise<Organization | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.org(orgId), ConsistentRead: true }));
  return liveOrganization(Item);
}

/** Live organizations by id, for a user's list (BatchGet: one call for up to 100; deleted ones left out). */
export async function getOrganizations(orgIds: string[]): Promise<Map<string, Organization>> {
  const result = new Map<string, Organization>();
  for (let i = 0; i < orgIds.length; i += 100) {
    await untilProcessed(
      orgIds.slice(i, i + 100).map((id) => keys.org(id)),
      async (pending) => {
        const out = await dynamo.send(new BatchGetCommand({ RequestItems: { [table()]: { Keys: pending } } }));
        for (const item of out.Responses?.[table()] ?? []) {
          const org = liveOrganization(item);
          if (org) result.set(org.orgId, org);
        }
        return out.UnprocessedKeys?.[table()]?.Keys as typeof pending | undefined;
      },
      'organization reads',
    );
  }
  return result;
}

export async function updateOrganization(
  orgId: string,
  patch: { name?: string; settings?: Partial<OrganizationSettings>; defaultRoles?: DefaultRoles },
): Promise<Organization> {
  const sets: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (patch.name !== undefined) {
    sets.push('#name = :name');
    names['#name'] = 'name';
    values[':name'] = patch.name;
  }
  if (patch.defaultRoles !== undefined) {
    sets.push('defaultRoles = :defaultRoles');
    values[':defaultRoles'] = patch.defaultRoles;
  }
  for (const [key, value] of Object.entries(patch.settings ?? {})) {
    sets.push(`settings.#${key} = :${key}`);
    names[`#${key}`] = key;
    values[`:${key}`] = value;
  }
  if (sets.length === 0) {
    const org = await getOrganization(orgId);
    if (!org) throw notFound('The organization');
    return org;
  }
  try {
    const out = await dynamo.send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.org(orgId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: LIVE_ORG,
        ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toOrganization(out.Attributes!);
  } catch (err) {
    if ((err as Error).name === 'ConditionalCheckFailedException') throw notFound('The organization');
    throw err;
  }
}

/**
 * Mark an organization deleted: the commit point of its deletion. From here on every read of the org
 * item treats it as gone (liveOrganization), so nothing authorizes, nothing is listed, no invitation is
 * accepted and no admin-count change commits (LIVE_ORG). The mark also puts the org on the sweep's
 * sparse index (byExpiry, GSI3PK ORGSWEEP, sorted by deletedAt), so a sweep the request could not finish
 * is finished by the scheduled job; the org item itself is deleted last (deleteSweptOrganization).
 */
export async function markOrganizationDeleted(orgId: string, deletedAt: string, options: { onlyMember?: boolean } = {}): Promise<void> {
  try {
    await dynamo.send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.org(orgId),
        UpdateExpression: 'SET deletedAt = :at, GSI3PK = :sweep, GSI3SK = :sk',
        // An account's deletion takes its organizations along only while it is their only member.
        ConditionExpression: options.onlyMember ? `${LIVE_ORG} AND memberCount = :one` : LIVE_ORG,
        ExpressionAttributeValues: {
          ':at': deletedAt,
          ':sweep': keys.orgSweep(),
          ':sk': keys.orgSweepSort(deletedAt, orgId),
          ...(options.onlyMember ? { ':one': 1 } : {}),
        },
      }),
    );
  } catch (err) {
    if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    if (options.onlyMember && (await getOrganization(orgId))) throw conflict('The organization has other members now.');
    throw notFound('The organization');
  }
}

export interface DeletedOrganization {
  orgId: string;
  deletedAt: string;
  /** Counted by every join and removal, also after the mark: the final delete is conditioned on it. */
  memberCount: number;
}

/** A marked organization's item (strongly consistent), or undefined if it is live or gone. */
export async function getDeletedOrganization(orgId: string): Promise<DeletedOrganization | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.org(orgId), ConsistentRead: true }));
  if (!Item || typeof Item.deletedAt !== 'string') return undefined;
  return { orgId, deletedAt: Item.deletedAt, memberCount: (Item.memberCount as number | undefined) ?? 0 };
}

/**
 * Organizations marked deleted whose items are still being swept, oldest mark first (the sparse
 * ORGSWEEP entries of byExpiry: the job reads one entry per deleted org, never the table).
 */
export async function organizationsToSweep(limit = 100): Promise<{ orgId: string; deletedAt: string }[]> {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: table(),
      IndexName: 'byExpiry',
      KeyConditionExpression: 'GSI3PK = :sweep',
      ExpressionAttributeValues: { ':sweep': keys.orgSweep() },
      ProjectionExpression: 'orgId, deletedAt',
      Limit: limit,
    }),
  );
  return (out.Items ?? []).map((i) => ({ orgId: i.orgId as string, deletedAt: i.deletedAt as string }));
}

/**
 * Delete everything in a deleted org's own partition but the org item and the team items (teams are
 * swept with their partitions: store/teams.ts sweepTeamOfDeletedOrganization). Returns the ids of the
 * teams still there.
 */
export async function sweepOrganizationPartition(orgId: string): Promise<string[]> {
  const own = await partitionKeys(keys.org(orgId).PK);
  const org = keys.org(orgId);
  const teamPrefix = prefixes.team;
  await deleteItems(own.filter((k) => k.SK !== org.SK && !k.SK.startsWith(teamPrefix)), 4);
  return own.filter((k) => k.SK.startsWith(teamPrefix)).map((k) => k.SK.slice(teamPrefix.length));
}

/**
 * Delete a deleted org's member's collection: first everything but the membership (inert: the org is
 * marked), then the membership conditioned on the `version` read, so a grant written meanwhile (every
 * write that adds to a collection bumps it) makes this read again instead of leaving it orphaned.
 * Returns how many items it deleted.
 */
export async function sweepMemberCollection(orgId: string, userId: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const items = await queryAll({
      TableName: table(),
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.subjectPK(orgId, userId) },
      ProjectionExpression: 'PK, SK, version',
      ConsistentRead: true,
    });
    const member = items.find((i) => i.SK === keys.member(orgId, userId).SK);
    const rest = items.filter((i) => i !== member).map((i) => ({ PK: i.PK, SK: i.SK }));
    await deleteItems(rest);
    if (!member) return rest.length;
    try {
      const version = member.version as number | undefined;
      await dynamo.send(
        new DeleteCommand({
          TableName: table(),
          Key: keys.member(orgId, userId),
          ConditionExpression: version === undefined ? 'attribute_not_exists(version)' : 'version = :version',
          ...(version === undefined ? {} : { ExpressionAttributeValues: { ':version': version } }),
        }),
      );
      return rest.length + 1;
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException' || attempt >= 5) throw err;
    }
  }
}

/**
 * The last step of a deletion: delete the org item, and with it its ORGSWEEP entry, only if it is still
 * the same deletion and no one joined since `seen.memberCount` was read (a join counts itself on the org
 * item). Returns false when it was not deleted (the next sweep looks again).
 */
export async function deleteSweptOrganization(seen: DeletedOrganization): Promise<boolean> {
  try {
    await dynamo.send(
      new DeleteCommand({
        TableName: table(),
        Key: keys.org(seen.orgId),
        ConditionExpression: 'deletedAt = :at AND (attribute_not_exists(memberCount) OR memberCount = :members)',
        ExpressionAttributeValues: { ':at': seen.deletedAt, ':members': seen.memberCount },
      }),
    );
    return true;
  } catch (err) {
    if ((err as Error).name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}

/** One member's item in an org (strongly consistent). */
export async function getMembership(orgId: string, userId: string): Promise<Membership | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.member(orgId, userId), ConsistentRead: true }));
  return Item ? toMembership(Item) : undefined;
}

/** Members of an org, by user id (byScope index), one page at a time. */
export async function listMembers(orgId: string, cursor?: string, limit = 100): Promise<Page<Membership>> {
  const index = 'byScope';
  const out = await dynamo.send(
    new QueryCommand({
      TableName: table(),
      IndexName: index,
      KeyConditionExpression: 'GSI1PK = :pk AND begins_with(GSI1SK, :user)',
      ExpressionAttributeValues: { ':pk': keys.scopeMembers(orgId, keys.scope.org()), ':user': prefixes.principalUser },
      ExclusiveStartKey: decodeCursor(cursor, {
        equal: { GSI1PK: keys.scopeMembers(orgId, keys.scope.org()) },
        prefix: { GSI1SK: prefixes.principalUser, PK: prefixes.subjectsOf(orgId), SK: prefixes.member },
      }),
      Limit: limit,
    }),
  );
  return { items: (out.Items ?? []).map(toMembership), next: encodeCursor(out.LastEvaluatedKey) };
}

/** The organizations a user belongs to (byPrincipal index). */
export async function listUserMemberships(userId: string): Promise<Membership[]> {
  const items = await queryAll({
    TableName: table(),
    IndexName: 'byPrincipal',
    KeyConditionExpression: 'GSI2PK = :pk AND begins_with(GSI2SK, :org)',
    ExpressionAttributeValues: { ':pk': keys.principalUser(userId), ':org': prefixes.principalOrg },
  });
  return items.map(toMembership);
}

/**
 * The admin-count update that every change of Administrators carries, conditioned so none leaves zero
 * and none commits in an organization marked deleted.
 */
function adminCountItem(orgId: string, delta: number, memberDelta = 0): TxItem {
  return {
    op: {
      Update: {
        TableName: table(),
        Key: keys.org(orgId),
        UpdateExpression: 'ADD adminCount :delta, memberCount :members',
        ConditionExpression: delta < 0 ? `adminCount > :one AND attribute_not_exists(deletedAt)` : LIVE_ORG,
        ExpressionAttributeValues: { ':delta': delta, ':members': memberDelta, ...(delta < 0 ? { ':one': 1 } : {}) },
      },
    },
    onConditionFailed: () => (delta < 0 ? lastAdministrator() : notFound('The organization')),
  };
}

/**
 * A check, for a transaction that takes something from an Administrator on the way to removing them
 * (leaving a team), that another Administrator remains: so the removal cannot fail as last_administrator
 * after such a step committed.
 */
export function otherAdministratorCheck(orgId: string): TxItem {
  return {
    op: {
      ConditionCheck: {
        TableName: table(),
        Key: keys.org(orgId),
        ConditionExpression: 'adminCount > :one AND attribute_not_exists(deletedAt)',
        ExpressionAttributeValues: { ':one': 1 },
      },
    },
    onConditionFailed: () => lastAdministrator(),
  };
}

/**
 * Change a member's org role from `from` to `to`. The member condition makes the change fail as stale
 * if the role moved since it was read; the org condition keeps at least one Administrator.
 */
export async function changeMemberRole(
  orgId: string,
  userId: string,
  from: string,
  to: string,
  customPermissions?: string[],
): Promise<void> {
  const delta = (to === ADMINISTRATOR ? 1 : 0) - (from === ADMINISTRATOR ? 1 : 0);
  const items: TxItem[] = [
    {
      op: {
        Update: {
          TableName: table(),
          Key: keys.member(orgId, userId),
          UpdateExpression: customPermissions ? 'SET #role = :to, #permissions = :permissions' : 'SET #role = :to REMOVE #permissions',
          ConditionExpression: '#role = :from',
          ExpressionAttributeNames: { '#role': 'role', '#permissions': 'permissions' },
          ExpressionAttributeValues: { ':to': to, ':from': from, ...(customPermissions ? { ':permissions': customPermissions } : {}) },
        },
      },
    },
  ];
  if (delta !== 0) items.push(adminCountItem(orgId, delta));
  // Custom org roles count their holders, so a role in use cannot be deleted.
  if (customPermissions) items.push(roleUseItem(orgId, to, 1));
  if (!isBuiltInRoleId('org', from)) items.push(roleUseItem(orgId, from, -1));
  await transact(items);
}

/**
 * Remove a member and everything they hold in the org, all or nothing where it fits one transaction.
 * The membership delete is conditioned on the role and version read with the collection, and each
 * team the user is in on its version, so a grant or team copy written meanwhile makes this stale
 * (and retried) rather than orphaned. Items past the transaction's 100 are inert once the membership
 * is gone (nothing authorizes without it, and nothing can be added) and are deleted after.
 */
export async function removeMember(
  orgId: string,
  member: { userId: string; role: string; version: number },
  collection: { itemKeys: { PK: string; SK: string }[]; teamIds: string[] },
): Promise<void> {
  const teams = await getTeamVersions(orgId, collection.teamIds);
  const items: TxItem[] = [
    {
      op: {
        Delete: {
          TableName: table(),
          Key: keys.member(orgId, member.userId),
          ConditionExpression: '#role = :role AND (attribute_not_exists(version) OR version = :version)',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':role': member.role, ':version': member.version },
        },
      },
    },
    adminCountItem(orgId, member.role === ADMINISTRATOR ? -1 : 0, -1),
  ];
  for (const [teamId, version] of teams) {
    items.push(
      {
        op: {
          Update: {
            TableName: table(),
            Key: keys.team(orgId, teamId),
            UpdateExpression: 'SET version = :next',
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': version, ':next': version + 1 },
          },
        },
      },
      { op: { Delete: { TableName: table(), Key: keys.teamMember(orgId, teamId, member.userId) } } },
    );
  }
  // Read the collection again after the team versions: a team copy written between the caller's read
  // and the version read above is then seen (and one written after it fails the version condition).
  const fresh = await partitionItems(keys.subjectPK(orgId, member.userId), 'PK, SK, #role, #permissions');
  const rest = fresh.filter((i) => i.SK !== prefixes.member);
  // Custom roles held directly (the org role and direct grants) are counted out of each role's inUse,
  // one update per role (a transaction may touch an item once); team copies count per team grant.
  const uses = new Map<string, number>();
  if (!isBuiltInRoleId('org', member.role)) uses.set(member.role, 1);
  for (const i of rest) {
    if (i.SK.startsWith(prefixes.userGrant) && i.permissions !== undefined) uses.set(i.role as string, (uses.get(i.role as string) ?? 0) + 1);
  }
  const decrements = [...uses].map(([roleId, count]) => ({ roleId, item: roleUseItem(orgId, roleId, -count) }));
  const counted = decrements.splice(0, Math.max(0, 50 - items.length));
  items.push(...counted.map((d) => d.item));
  const inTransaction = rest.splice(0, 100 - items.length);
  items.push(...inTransaction.map((i) => ({ op: { Delete: { TableName: table(), Key: { PK: i.PK, SK: i.SK } } } })));
  await transact(items);
  await deleteItems(rest.map((i) => ({ PK: i.PK, SK: i.SK })));
  // Past the transaction's room: the membership is gone, so a failed decrement only leaves the role
  // counted (undeletable) until fixed; it must not turn a done removal into an error.
  for (const d of decrements) {
    await transact([d.item]).catch((err: unknown) => logger.warn('role use count not decremented', { orgId, roleId: d.roleId, error: err }));
  }
}

/** Every item of a partition with the given attributes (strongly consistent). */
async function partitionItems(pk: string, projection: string): Promise<({ PK: string; SK: string } & Item)[]> {
  const items = await queryAll({
    TableName: table(),
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ExpressionAttributeNames: { '#role': 'role', '#permissions': 'permissions' },
    ProjectionExpression: projection,
    ConsistentRead: true,
  });
  return items as ({ PK: string; SK: string } & Item)[];
}

/** Current versions of teams (the fan-out lock of team grants); unprocessed keys retried with backoff. */
async function getTeamVersions(orgId: string, teamIds: string[]): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  for (let i = 0; i < teamIds.length; i += 100) {
    await untilProcessed(
      teamIds.slice(i, i + 100).map((t) => keys.team(orgId, t) as Record<string, unknown>),
      async (pending) => {
        const out = await dynamo.send(new BatchGetCommand({ RequestItems: { [table()]: { Keys: pending, ConsistentRead: true } } }));
        for (const item of out.Responses?.[table()] ?? []) result.set(item.teamId as string, (item.version as number) ?? 0);
        return out.UnprocessedKeys?.[table()]?.Keys;
      },
      'team reads',
    );
  }
  return result;
}

export function toProfile(item: Item): UserProfile {
  return {
    userId: item.userId as string,
    email: item.email as string,
    ...(item.name ? { name: item.name as string } : {}),
    providers: (item.providers as string[] | undefined) ?? [],
    createdAt: item.createdAt as string,
  };
}

export async function getUser(userId: string): Promise<UserProfile | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.user(userId), ConsistentRead: true }));
  return Item ? toProfile(Item) : undefined;
}

/** The user id that owns a verified e-mail, if any. */
export async function getUserIdByEmail(email: string): Promise<string | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.email(email), ConsistentRead: true }));
  return Item?.userId as string | undefined;
}

/**
 * Create a user's profile, claim their e-mail, and create their Default Organization, all or nothing.
 * Fails with StaleRead if the profile exists already (a concurrent first sign-in won), and with
 * conflict if another account owns the e-mail.
 */
export async function createUserWithDefaultOrganization(input: { identity: Identity; orgId: string; orgName: string; now: string }) {
  const { identity, now } = input;
  const profile: UserProfile = {
    userId: identity.userId,
    email: identity.email,
    ...(identity.name ? { name: identity.name } : {}),
    providers: identity.provider ? [identity.provider] : [],
    createdAt: now,
  };
  await transact([
    { op: { Put: { TableName: table(), Item: { ...keys.user(identity.userId), type: 'User', ...profile }, ConditionExpression: 'attribute_not_exists(PK)' } } },
    {
      op: {
        Put: {
          TableName: table(),
          Item: { ...keys.email(identity.email), type: 'UserEmail', userId: identity.userId, email: identity.email },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      onConditionFailed: () =>
        conflict('This e-mail address belongs to another account. Sign in with the provider you used first.'),
    },
    ...organizationCreationItems({ orgId: input.orgId, name: input.orgName, creator: identity, now }),
  ]);
}

/**
 * The account joins nothing from here on: every join (accepting an invitation, creating an
 * organization) carries liveAccountCheck. Idempotent; unmarkAccountDeleting undoes it.
 */
export async function markAccountDeleting(userId: string, at: string): Promise<void> {
  try {
    await dynamo.send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.user(userId),
        UpdateExpression: 'SET deletingAt = :at',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  } catch (err) {
    if ((err as Error).name === 'ConditionalCheckFailedException') throw notFound('The account');
    throw err;
  }
}

/** The deletion was refused: the account joins again. */
export async function unmarkAccountDeleting(userId: string): Promise<void> {
  await dynamo
    .send(new UpdateCommand({ TableName: table(), Key: keys.user(userId), UpdateExpression: 'REMOVE deletingAt', ConditionExpression: 'attribute_exists(PK)' }))
    .catch((err: Error) => {
      if (err.name !== 'ConditionalCheckFailedException') throw err;
    });
}

/** A join's check that the joining account exists and is not being deleted. */
export function liveAccountCheck(userId: string): TxItem {
  return {
    op: {
      ConditionCheck: {
        TableName: table(),
        Key: keys.user(userId),
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(deletingAt)',
      },
    },
    onConditionFailed: () => unauthenticated('This account is being deleted or was deleted. Sign in again to start a new one.'),
  };
}

/** A deleted account: when it was deleted (epoch seconds of the real clock, as tokens' iat) and by whom. */
export interface AccountTombstone {
  userId: string;
  email: string;
  deletedAt: number;
}

/** How long a tombstone outlives its account: a day past Cognito's longest id-token validity (a day). */
const TOMBSTONE_SECONDS = 2 * 86400;

/**
 * Delete a user's profile and e-mail claim, and leave the tombstone, all or nothing. The e-mail is
 * released only if it is still this user's (another account may have claimed it since).
 */
export async function deleteUserAccount(user: UserProfile, deletedAt: number): Promise<void> {
  await transact([
    { op: { Delete: { TableName: table(), Key: keys.user(user.userId), ConditionExpression: 'attribute_exists(PK)' } } },
    {
      op: {
        Delete: {
          TableName: table(),
          Key: keys.email(user.email),
          ConditionExpression: 'attribute_not_exists(PK) OR userId = :me',
          ExpressionAttributeValues: { ':me': user.userId },
        },
      },
    },
    {
      op: {
        Put: {
          TableName: table(),
          Item: {
            ...keys.accountTombstone(user.userId),
            type: 'AccountTombstone',
            userId: user.userId,
            email: user.email,
            deletedAt,
            GSI3PK: keys.accountSweep(),
            GSI3SK: keys.accountSweepSort(deletedAt, user.userId),
            ttl: deletedAt + TOMBSTONE_SECONDS,
          },
        },
      },
    },
  ]);
}

/** The tombstone of a deleted account, if it is still kept (strongly consistent). */
export async function getAccountTombstone(userId: string): Promise<AccountTombstone | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.accountTombstone(userId), ConsistentRead: true }));
  return Item ? { userId: Item.userId as string, email: Item.email as string, deletedAt: Item.deletedAt as number } : undefined;
}

/** Deleted accounts the sweep has not looked at again, deleted at or before `at` (byExpiry ACCOUNTSWEEP). */
export async function accountsToSweep(at: number, limit = 100): Promise<AccountTombstone[]> {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: table(),
      IndexName: 'byExpiry',
      KeyConditionExpression: 'GSI3PK = :sweep AND GSI3SK < :before',
      ExpressionAttributeValues: { ':sweep': keys.accountSweep(), ':before': keys.accountSweepSort(at + 1, '') },
      Limit: limit,
    }),
  );
  return (out.Items ?? []).map((i) => ({ userId: i.userId as string, email: i.email as string, deletedAt: i.deletedAt as number }));
}

/** The sweep has looked again: take the tombstone off the index (it stays until its ttl). */
export async function accountSwept(userId: string): Promise<void> {
  await dynamo.send(
    new UpdateCommand({
      TableName: table(),
      Key: keys.accountTombstone(userId),
      UpdateExpression: 'REMOVE GSI3PK, GSI3SK',
      ConditionExpression: 'attribute_exists(PK)',
    }),
  ).catch((err: Error) => {
    if (err.name !== 'ConditionalCheckFailedException') throw err;
  });
}

/** Remember another sign-in provider on a profile (idempotent). */
export async function addUserProvider(userId: string, provider: string): Promise<void> {
  await dynamo.send(
    new UpdateCommand({
      TableName: table(),
      Key: keys.user(userId),
      UpdateExpression: 'SET providers = list_append(if_not_exists(providers, :empty), :p)',
      ConditionExpression: 'attribute_exists(PK) AND NOT contains(providers, :provider)',
      ExpressionAttributeValues: { ':empty': [], ':p': [provider], ':provider': provider },
    }),
  ).catch((err: Error) => {
    if (err.name !== 'ConditionalCheckFailedException') throw err;
  });
}

/**
 * Delete items in batches of 25 (BatchWrite, `inFlight` batches at once), retrying unprocessed ones with
 * backoff (then Throttled). For items that are already inert, or that nothing can add to any more.
 */
export async function deleteItems(itemKeys: { PK: string; SK: string }[], inFlight = 1): Promise<void> {
  const batches: { DeleteRequest: { Key: Record<string, unknown> } }[][] = [];
  for (let i = 0; i < itemKeys.length; i += 25) batches.push(itemKeys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } })));
  const worker = async () => {
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      await untilProcessed(
        batch,
        async (requests) => {
          const out = await dynamo.send(new BatchWriteCommand({ RequestItems: { [table()]: requests } }));
          return out.UnprocessedItems?.[table()] as typeof requests | undefined;
        },
        'deletes',
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(inFlight, batches.length)) }, worker));
}

/** Every item key of a partition (strongly consistent). */
export async function partitionKeys(pk: string): Promise<{ PK: string; SK: string }[]> {
  const items = await queryAll({
    TableName: table(),
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ProjectionExpression: 'PK, SK',
    ConsistentRead: true,
  });
  return items.map((item) => ({ PK: item.PK as string, SK: item.SK as string }));
}

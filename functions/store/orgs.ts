// Organizations, memberships and user profiles. Each exported function is one access pattern.

import { BatchGetCommand, BatchWriteCommand, GetCommand, QueryCommand, UpdateCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { DomainError, conflict, lastAdministrator, notFound } from '../domain/errors';
import { INITIAL_DEFAULT_ROLES, type DefaultRoles } from '../domain/evaluator';
import type { Identity, Membership, Organization, OrganizationSettings, Page, UserProfile } from '../domain/model';
import { ADMINISTRATOR, DEVELOPMENT_ENV_TYPE, isBuiltInRoleId } from '../domain/permissions';
import { dynamo, table } from './client';
import { keys } from './keys';
import { roleUseItem } from './roles';
import { logger } from '../http/logger';
import { decodeCursor, encodeCursor, queryAll } from './paging';
import { transact, type TxItem } from './transact';

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
    GSI2SK: `ORG#${m.orgId}`,
  };
}

/** Put a new membership (fails with already_member) and count it on the org, in one transaction's items. */
export function joinItems(m: Membership): TxItem[] {
  const isAdmin = m.role === ADMINISTRATOR;
  const customRole: TxItem[] = m.permissions
    ? [{ ...roleUseItem(m.orgId, m.role, 1), onConditionFailed: () => conflict(`The role ${m.role} has been deleted: ask for a new invitation.`) }]
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
          ConditionExpression: 'attribute_exists(PK)',
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
  await transact(organizationCreationItems(input));
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

/** Read one organization (strongly consistent: admin counts and defaults decide access). */
export async function getOrganization(orgId: string): Promise<Organization | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.org(orgId), ConsistentRead: true }));
  return Item ? toOrganization(Item) : undefined;
}

/** Organizations by id, for a user's list (BatchGet: one call for up to 100). */
export async function getOrganizations(orgIds: string[]): Promise<Map<string, Organization>> {
  const result = new Map<string, Organization>();
  for (let i = 0; i < orgIds.length; i += 100) {
    let request: Record<string, { Keys: Item[] }> | undefined = {
      [table()]: { Keys: orgIds.slice(i, i + 100).map((id) => keys.org(id)) },
    };
    while (request && Object.keys(request).length > 0) {
      const out = await dynamo.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of out.Responses?.[table()] ?? []) result.set(item.orgId as string, toOrganization(item));
      request = out.UnprocessedKeys as typeof request;
    }
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
        ConditionExpression: 'attribute_exists(PK)',
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
 * Delete an organization. Removing the org item is the commit point: nothing authorizes without it.
 * The rest of the org's items are swept afterwards by deleteOrganizationItems.
 */
export async function deleteOrganization(orgId: string): Promise<void> {
  await transact([
    {
      op: { Delete: { TableName: table(), Key: keys.org(orgId), ConditionExpression: 'attribute_exists(PK)' } },
      onConditionFailed: () => notFound('The organization'),
    },
  ]);
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
      ExpressionAttributeValues: { ':pk': keys.scopeMembers(orgId, keys.scope.org()), ':user': 'USER#' },
      ExclusiveStartKey: decodeCursor(cursor, {
        equal: { GSI1PK: keys.scopeMembers(orgId, keys.scope.org()) },
        prefix: { GSI1SK: 'USER#', PK: `ORG#${orgId}#USER#`, SK: 'MEMBER' },
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
    ExpressionAttributeValues: { ':pk': keys.principalUser(userId), ':org': 'ORG#' },
  });
  return items.map(toMembership);
}

/** The admin-count update that every change of Administrators carries, conditioned so none leaves zero. */
function adminCountItem(orgId: string, delta: number, memberDelta = 0): TxItem {
  return {
    op: {
      Update: {
        TableName: table(),
        Key: keys.org(orgId),
        UpdateExpression: 'ADD adminCount :delta, memberCount :members',
        ConditionExpression: delta < 0 ? 'adminCount > :one' : 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':delta': delta, ':members': memberDelta, ...(delta < 0 ? { ':one': 1 } : {}) },
      },
    },
    onConditionFailed: () => (delta < 0 ? lastAdministrator() : notFound('The organization')),
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
  const rest = fresh.filter((i) => i.SK !== 'MEMBER');
  // Custom roles held directly (the org role and direct grants) are counted out of each role's inUse,
  // one update per role (a transaction may touch an item once); team copies count per team grant.
  const uses = new Map<string, number>();
  if (!isBuiltInRoleId('org', member.role)) uses.set(member.role, 1);
  for (const i of rest) {
    if (i.SK.startsWith('GRANT#') && i.permissions !== undefined) uses.set(i.role as string, (uses.get(i.role as string) ?? 0) + 1);
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

/** Current versions of teams (the fan-out lock of team grants). */
async function getTeamVersions(orgId: string, teamIds: string[]): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  for (let i = 0; i < teamIds.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = teamIds.slice(i, i + 100).map((t) => keys.team(orgId, t));
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** Math.min(attempt, 5)));
      const out: BatchGetCommandOutput = await dynamo.send(new BatchGetCommand({ RequestItems: { [table()]: { Keys: pending, ConsistentRead: true } } }));
      for (const item of out.Responses?.[table()] ?? []) result.set(item.teamId as string, (item.version as number) ?? 0);
      pending = out.UnprocessedKeys?.[table()]?.Keys;
    }
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

/** Delete items in batches of 25 (BatchWrite), retrying unprocessed ones. For items that are already inert. */
export async function deleteItems(itemKeys: { PK: string; SK: string }[]): Promise<void> {
  for (let i = 0; i < itemKeys.length; i += 25) {
    let requests: { DeleteRequest: { Key: { PK: string; SK: string } } }[] | undefined = itemKeys
      .slice(i, i + 25)
      .map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; requests && requests.length > 0; attempt++) {
      const out = await dynamo.send(new BatchWriteCommand({ RequestItems: { [table()]: requests } }));
      requests = out.UnprocessedItems?.[table()] as typeof requests;
      if (requests?.length) await new Promise((r) => setTimeout(r, 50 * 2 ** Math.min(attempt, 5)));
    }
  }
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

/** Delete every item a deleted org held: its members' collections, its own partition, its teams'. */
export async function sweepOrganization(orgId: string, userIds: string[]): Promise<void> {
  for (const userId of userIds) await deleteItems(await partitionKeys(keys.subjectPK(orgId, userId)));
  const own = await partitionKeys(keys.org(orgId).PK);
  for (const k of own.filter((k) => k.SK.startsWith('TEAM#'))) {
    await deleteItems(await partitionKeys(keys.teamPK(orgId, k.SK.slice('TEAM#'.length))));
  }
  await deleteItems(own);
}

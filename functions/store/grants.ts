// Grant items: a role held on an app, an environment type or an environment, by a user (in their
// collection, listed under the scope through byScope) or by a team (in the team's partition).

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { notFound } from '../domain/errors';
import type { Scope } from '../domain/permissions';
import { dynamo, table } from './client';
import { keys, prefixes } from './keys';
import { queryAll } from './paging';
import { roleUseItem } from './roles';
import { scopeKeyOf, type StoredGrant } from './subjects';
import { transact, type TxItem } from './transact';

type Item = Record<string, unknown>;

/** A user's direct grant, listed under its scope (who holds a role on this app/env type/env). */
export function userGrantItem(orgId: string, userId: string, grant: StoredGrant, grantedAt: string): Item {
  const scopeKey = scopeKeyOf(grant.scope, grant.target);
  return {
    ...keys.userGrant(orgId, userId, scopeKey),
    type: 'Grant',
    orgId,
    userId,
    ...grant,
    grantedAt,
    GSI1PK: keys.scopeMembers(orgId, scopeKey),
    GSI1SK: keys.principalUser(userId),
  };
}

/** The key of a user's direct grant on one scope target. */
export function userGrantKey(orgId: string, userId: string, scope: Scope, target: string) {
  return keys.userGrant(orgId, userId, scopeKeyOf(scope, target));
}

/** Whether a stored grant holds a custom role: only those carry copied permissions. */
export const isCustomGrant = (g: StoredGrant): boolean => g.permissions !== undefined;

function toStoredGrant(item: Record<string, unknown>): StoredGrant {
  return {
    scope: item.scope as Scope,
    target: item.target as string,
    role: item.role as string,
    ...(item.permissions ? { permissions: item.permissions as StoredGrant['permissions'] } : {}),
  };
}

/**
 * The write that every addition to a user's collection carries: bump MEMBER.version, so a removal
 * that read the collection earlier goes stale instead of leaving this addition orphaned. Its
 * condition is also the check that the user is a member (404 otherwise).
 */
export function memberVersionItem(orgId: string, userId: string): TxItem {
  return {
    op: {
      Update: {
        TableName: table(),
        Key: keys.member(orgId, userId),
        UpdateExpression: 'SET version = if_not_exists(version, :zero) + :one',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
      },
    },
    onConditionFailed: () => notFound('The member'),
  };
}

/** A user's direct grant on one scope target, if any (strongly consistent). */
export async function getUserGrant(orgId: string, userId: string, scope: Scope, target: string): Promise<StoredGrant | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table(), Key: userGrantKey(orgId, userId, scope, target), ConsistentRead: true }));
  return Item ? toStoredGrant(Item) : undefined;
}

/**
 * Give (or replace) a user's direct grant: conditioned on the grant read before (stale otherwise),
 * bumping MEMBER.version, counting custom roles in and out, with the caller's existence checks of the
 * target (app, environment, environment type), all in one transaction.
 */
export async function putUserGrant(input: {
  orgId: string;
  userId: string;
  grant: StoredGrant;
  previous?: StoredGrant;
  checks: TxItem[];
  grantedAt: string;
  grantedBy: string;
}): Promise<void> {
  const { orgId, userId, grant, previous } = input;
  const items: TxItem[] = [
    {
      op: {
        Put: {
          TableName: table(),
          Item: { ...userGrantItem(orgId, userId, grant, input.grantedAt), grantedBy: input.grantedBy },
          ...(previous
            ? { ConditionExpression: '#role = :previous', ExpressionAttributeNames: { '#role': 'role' }, ExpressionAttributeValues: { ':previous': previous.role } }
            : { ConditionExpression: 'attribute_not_exists(PK)' }),
        },
      },
    },
    memberVersionItem(orgId, userId),
    ...input.checks,
  ];
  if (previous?.role === grant.role) {
    // Same role again: nothing to count.
  } else {
    if (isCustomGrant(grant)) items.push(roleUseItem(orgId, grant.role, 1));
    if (previous && isCustomGrant(previous)) items.push(roleUseItem(orgId, previous.role, -1));
  }
  await transact(items);
}

/** Take a user's direct grant away, conditioned on the role read before; a custom role is counted out. */
export async function deleteUserGrant(orgId: string, userId: string, previous: StoredGrant, onGone?: () => Error): Promise<void> {
  const items: TxItem[] = [
    {
      op: {
        Delete: {
          TableName: table(),
          Key: userGrantKey(orgId, userId, previous.scope, previous.target),
          ConditionExpression: '#role = :previous',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':previous': previous.role },
        },
      },
      ...(onGone ? { onConditionFailed: onGone } : {}),
    },
  ];
  if (isCustomGrant(previous)) items.push(roleUseItem(orgId, previous.role, -1));
  await transact(items);
}

export interface ScopeHolders {
  users: (StoredGrant & { userId: string; grantedAt?: string })[];
  teams: (StoredGrant & { teamId: string })[];
}

/** Who holds a role on one scope target: users' direct grants and teams' grants (byScope index). */
export async function listScopeHolders(orgId: string, scope: Scope, target: string): Promise<ScopeHolders> {
  const result: ScopeHolders = { users: [], teams: [] };
  const items = await queryAll({
    TableName: table(),
    IndexName: 'byScope',
    KeyConditionExpression: 'GSI1PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.scopeMembers(orgId, scopeKeyOf(scope, target)) },
  });
  for (const item of items) {
    const sk = item.GSI1SK as string;
    if (sk.startsWith(prefixes.principalUser)) {
      result.users.push({ ...toStoredGrant(item), userId: item.userId as string, ...(item.grantedAt ? { grantedAt: item.grantedAt as string } : {}) });
    } else if (sk.startsWith(prefixes.principalTeam)) {
      result.teams.push({ ...toStoredGrant(item), teamId: item.teamId as string });
    }
  }
  return result;
}

// Custom roles: named permission sets at one scope, items in the org partition (SK ROLE#<id>).
// `inUse` counts the grants that copied the role (direct and team grants); a role in use is not deleted.

import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conflict, notFound } from '../domain/errors';
import type { Permission, Scope } from '../domain/permissions';
import { dynamo, table } from './client';
import { keys, prefixes } from './keys';
import { queryAll } from './paging';
import { transact, type TxItem } from './transact';

type Item = Record<string, unknown>;

export interface CustomRole {
  orgId: string;
  roleId: string;
  name: string;
  description?: string;
  scope: Scope;
  permissions: Permission[];
  /** Grants that hold this role now. */
  inUse: number;
  createdAt: string;
  createdBy: string;
}

function toRole(item: Item): CustomRole {
  return {
    orgId: item.orgId as string,
    roleId: item.roleId as string,
    name: item.name as string,
    ...(item.description ? { description: item.description as string } : {}),
    scope: item.scope as Scope,
    permissions: item.permissions as Permission[],
    inUse: (item.inUse as number | undefined) ?? 0,
    createdAt: item.createdAt as string,
    createdBy: item.createdBy as string,
  };
}

/** Define a role (fails with conflict if the id is taken). */
export async function createRole(role: CustomRole): Promise<void> {
  await transact([
    {
      op: { Put: { TableName: table(), Item: { ...keys.role(role.orgId, role.roleId), type: 'Role', ...role }, ConditionExpression: 'attribute_not_exists(PK)' } },
      onConditionFailed: () => conflict(`A role with id ${role.roleId} exists already.`),
    },
  ]);
}

/** One custom role (strongly consistent). */
export async function getRole(orgId: string, roleId: string): Promise<CustomRole | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.role(orgId, roleId), ConsistentRead: true }));
  return Item ? toRole(Item) : undefined;
}

/** The org's custom roles (org partition, SK begins_with ROLE#). */
export async function listRoles(orgId: string): Promise<CustomRole[]> {
  const items = await queryAll({
    TableName: table(),
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :role)',
    ExpressionAttributeValues: { ':pk': keys.org(orgId).PK, ':role': prefixes.role },
  });
  return items.map(toRole);
}

/** Rename or describe a role; its permissions never change (grants copied them). */
export async function updateRole(orgId: string, roleId: string, patch: { name?: string; description?: string }): Promise<CustomRole> {
  const sets: string[] = [];
  const values: Record<string, unknown> = {};
  if (patch.name !== undefined) {
    sets.push('#name = :name');
    values[':name'] = patch.name;
  }
  if (patch.description !== undefined) {
    sets.push('description = :description');
    values[':description'] = patch.description;
  }
  try {
    const out = await dynamo.send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.role(orgId, roleId),
        UpdateExpression: sets.length ? `SET ${sets.join(', ')}` : 'SET roleId = roleId',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: sets.some((s) => s.startsWith('#name')) ? { '#name': 'name' } : undefined,
        ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toRole(out.Attributes!);
  } catch (err) {
    if ((err as Error).name === 'ConditionalCheckFailedException') throw notFound(`The role ${roleId}`);
    throw err;
  }
}

/** Delete a role no grant holds: 409 conflict while any does. */
export async function deleteRole(orgId: string, roleId: string): Promise<void> {
  try {
    await dynamo.send(
      new DeleteCommand({
        TableName: table(),
        Key: keys.role(orgId, roleId),
        ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(inUse) OR inUse = :zero)',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  } catch (err) {
    if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    const role = await getRole(orgId, roleId);
    if (!role) throw notFound(`The role ${roleId}`);
    throw conflict(`The role ${roleId} is held by ${role.inUse} grant(s): revoke them before deleting it.`);
  }
}

/**
 * Count one more (or one fewer) grant of a custom role, in the grant's transaction. Its condition
 * doubles as the check that the role still exists; given `createdAt` (the role's identity, which a
 * permissions copy was taken from), also that it is still that role and not one re-created under its id.
 */
export function roleUseItem(orgId: string, roleId: string, delta: number, createdAt?: string): TxItem {
  return {
    op: {
      Update: {
        TableName: table(),
        Key: keys.role(orgId, roleId),
        UpdateExpression: 'ADD inUse :delta',
        ConditionExpression: createdAt === undefined ? 'attribute_exists(PK)' : 'attribute_exists(PK) AND createdAt = :createdAt',
        ExpressionAttributeValues: { ':delta': delta, ...(createdAt === undefined ? {} : { ':createdAt': createdAt }) },
      },
    },
    onConditionFailed: () => notFound(`The role ${roleId}`),
  };
}

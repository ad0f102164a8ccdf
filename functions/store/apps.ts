// Apps, environment types and environments: items in the org partition.
//   APP#<a>           an app (deleting: set while its grants are swept; deletedAt: a tombstone)
//   ENV#<a>#<e>       an environment of app a, with its type
//   ENVTYPE#<t>       an environment type
// Grants on these are written with a condition check that the target exists and is not being deleted,
// so a sweep after the mark cannot miss a grant written meanwhile.

import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conflict, notFound } from '../domain/errors';
import type { Page } from '../domain/model';
import type { Scope } from '../domain/permissions';
import { dynamo, table } from './client';
import { userGrantItem, memberVersionItem } from './grants';
import { keys, prefixes } from './keys';
import { decodeCursor, encodeCursor, queryAll } from './paging';
import { transact, type TxItem } from './transact';

type Item = Record<string, unknown>;

/** Tombstones of deleted apps and environments stay this long: a re-creation of the id sweeps again first. */
export const TOMBSTONE_SECONDS = 30 * 24 * 3600;

export interface App {
  orgId: string;
  appId: string;
  name: string;
  createdAt: string;
  createdBy: string;
  /** Set while the app's grants are being swept; no grant can be added then. */
  deleting?: boolean;
  /** Set once deleted: the item is a tombstone that only a re-creation replaces. */
  deletedAt?: string;
}

export interface EnvironmentType {
  orgId: string;
  envTypeId: string;
  description?: string;
  createdAt: string;
}

export interface Environment {
  orgId: string;
  appId: string;
  envId: string;
  envTypeId: string;
  createdAt: string;
  createdBy: string;
  deleting?: boolean;
  deletedAt?: string;
}

function toApp(item: Item): App {
  return {
    orgId: item.orgId as string,
    appId: item.appId as string,
    name: item.name as string,
    createdAt: item.createdAt as string,
    createdBy: item.createdBy as string,
    ...(item.deleting ? { deleting: true } : {}),
    ...(item.deletedAt ? { deletedAt: item.deletedAt as string } : {}),
  };
}

function toEnvType(item: Item): EnvironmentType {
  return {
    orgId: item.orgId as string,
    envTypeId: item.envTypeId as string,
    ...(item.description ? { description: item.description as string } : {}),
    createdAt: item.createdAt as string,
  };
}

function toEnv(item: Item): Environment {
  return {
    orgId: item.orgId as string,
    appId: item.appId as string,
    envId: item.envId as string,
    envTypeId: item.envTypeId as string,
    createdAt: item.createdAt as string,
    createdBy: item.createdBy as string,
    ...(item.deleting ? { deleting: true } : {}),
    ...(item.deletedAt ? { deletedAt: item.deletedAt as string } : {}),
  };
}

const live = <T extends { deleting?: boolean; deletedAt?: string }>(x: T | undefined): T | undefined => (x && !x.deleting && !x.deletedAt ? x : undefined);

async function get(key: { PK: string; SK: string }): Promise<Item | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table(), Key: key, ConsistentRead: true }));
  return Item;
}

async function queryPrefix(pk: string, prefix: string): Promise<Item[]> {
  return queryAll({
    TableName: table(),
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
    ConsistentRead: true,
  });
}

// ---- apps ----

/** One app, including one being deleted or a tombstone (strongly consistent). */
export async function getAppRecord(orgId: string, appId: string): Promise<App | undefined> {
  const item = await get(keys.app(orgId, appId));
  return item ? toApp(item) : undefined;
}

/** One live app. */
export async function getApp(orgId: string, appId: string): Promise<App | undefined> {
  return live(await getAppRecord(orgId, appId));
}

/**
 * Create an app and make its creator Owner (a direct grant, bumping the creator's MEMBER.version),
 * in one transaction. A tombstone of a deleted app with the same id is replaced; a live app or one
 * being deleted is a conflict.
 */
export async function createApp(app: App, owner: { userId: string; role: string }): Promise<void> {
  await transact([
    {
      op: {
        Put: {
          TableName: table(),
          Item: { ...keys.app(app.orgId, app.appId), type: 'App', ...app },
          ConditionExpression: 'attribute_not_exists(PK) OR attribute_exists(deletedAt)',
        },
      },
      onConditionFailed: () => conflict(`An app with id ${app.appId} exists already (or is being deleted).`),
    },
    { op: { Put: { TableName: table(), Item: { ...userGrantItem(app.orgId, owner.userId, { scope: 'app', target: app.appId, role: owner.role }, app.createdAt), grantedBy: owner.userId } } } },
    memberVersionItem(app.orgId, owner.userId),
  ]);
}

/**
 * The org's live apps (not deleted, not being deleted), one page at a time (org partition, SK
 * begins_with APP#). A filter may leave a page empty while more follow: read on until something is found.
 */
export async function listApps(orgId: string, cursor?: string, limit = 100): Promise<Page<App>> {
  const items: App[] = [];
  let start: Record<string, unknown> | undefined = decodeCursor(cursor, { equal: { PK: keys.org(orgId).PK }, prefix: { SK: prefixes.app } });
  do {
    const out = await dynamo.send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :app)',
        FilterExpression: 'attribute_not_exists(deletedAt) AND attribute_not_exists(deleting)',
        ExpressionAttributeValues: { ':pk': keys.org(orgId).PK, ':app': prefixes.app },
        ExclusiveStartKey: start,
        Limit: limit,
      }),
    );
    items.push(...(out.Items ?? []).map(toApp));
    start = out.LastEvaluatedKey;
  } while (items.length === 0 && start);
  return { items, next: encodeCursor(start) };
}

export async function markAppDeleting(orgId: string, appId: string, deleting: boolean): Promise<void> {
  await transact([
    {
      op: {
        Update: {
          TableName: table(),
          Key: keys.app(orgId, appId),
          UpdateExpression: deleting ? 'SET deleting = :true' : 'REMOVE deleting',
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(deletedAt)',
          ...(deleting ? { ExpressionAttributeValues: { ':true': true } } : {}),
        },
      },
      onConditionFailed: () => notFound(`The app ${appId}`),
    },
  ]);
}

/** Turn a swept app into a tombstone (kept TOMBSTONE_SECONDS, then removed by TTL). */
export async function tombstoneApp(orgId: string, appId: string, now: string, nowSeconds: number): Promise<void> {
  await dynamo.send(
    new UpdateCommand({
      TableName: table(),
      Key: keys.app(orgId, appId),
      UpdateExpression: 'SET deletedAt = :now, #ttl = :ttl REMOVE deleting',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':now': now, ':ttl': nowSeconds + TOMBSTONE_SECONDS },
    }),
  );
}

// ---- environments ----

/** One environment, including one being deleted or a tombstone. */
export async function getEnvRecord(orgId: string, appId: string, envId: string): Promise<Environment | undefined> {
  const item = await get(keys.env(orgId, appId, envId));
  return item ? toEnv(item) : undefined;
}

export async function getEnv(orgId: string, appId: string, envId: string): Promise<Environment | undefined> {
  return live(await getEnvRecord(orgId, appId, envId));
}

/** Every environment item of an app, tombstones included (SK begins_with ENV#<a>#; strongly consistent). */
export async function listEnvRecords(orgId: string, appId: string): Promise<Environment[]> {
  return (await queryPrefix(keys.org(orgId).PK, prefixes.envOf(appId))).map(toEnv);
}

/** The app's live environments. */
export async function listEnvs(orgId: string, appId: string): Promise<Environment[]> {
  return (await listEnvRecords(orgId, appId)).filter((e) => live(e));
}

/** Create an environment of a live app with an existing type (replacing a tombstone of the same id). */
export async function createEnv(env: Environment): Promise<void> {
  await transact([
    scopeCheck(env.orgId, 'app', env.appId),
    {
      op: { ConditionCheck: { TableName: table(), Key: keys.envType(env.orgId, env.envTypeId), ConditionExpression: 'attribute_exists(PK)' } },
      onConditionFailed: () => notFound(`The environment type ${env.envTypeId}`),
    },
    {
      op: {
        Put: {
          TableName: table(),
          Item: { ...keys.env(env.orgId, env.appId, env.envId), type: 'Environment', ...env },
          ConditionExpression: 'attribute_not_exists(PK) OR attribute_exists(deletedAt)',
        },
      },
      onConditionFailed: () => conflict(`The app has an environment ${env.envId} already (or it is being deleted).`),
    },
  ]);
}

export async function markEnvDeleting(orgId: string, appId: string, envId: string): Promise<void> {
  await transact([
    {
      op: {
        Update: {
          TableName: table(),
          Key: keys.env(orgId, appId, envId),
          UpdateExpression: 'SET deleting = :true',
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(deletedAt)',
          ExpressionAttributeValues: { ':true': true },
        },
      },
      onConditionFailed: () => notFound(`The environment ${envId}`),
    },
  ]);
}

export async function tombstoneEnv(orgId: string, appId: string, envId: string, now: string, nowSeconds: number): Promise<void> {
  await dynamo.send(
    new UpdateCommand({
      TableName: table(),
      Key: keys.env(orgId, appId, envId),
      UpdateExpression: 'SET deletedAt = :now, #ttl = :ttl REMOVE deleting',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':now': now, ':ttl': nowSeconds + TOMBSTONE_SECONDS },
    }),
  );
}

// ---- environment types ----

export async function getEnvType(orgId: string, typeId: string): Promise<EnvironmentType | undefined> {
  const item = await get(keys.envType(orgId, typeId));
  return item ? toEnvType(item) : undefined;
}

/** The org's environment types (SK begins_with ENVTYPE#). */
export async function listEnvTypes(orgId: string): Promise<EnvironmentType[]> {
  return (await queryPrefix(keys.org(orgId).PK, prefixes.envType)).map(toEnvType);
}

export async function createEnvType(t: EnvironmentType): Promise<void> {
  await transact([
    {
      op: { Put: { TableName: table(), Item: { ...keys.envType(t.orgId, t.envTypeId), type: 'EnvironmentType', ...t }, ConditionExpression: 'attribute_not_exists(PK)' } },
      onConditionFailed: () => conflict(`An environment type ${t.envTypeId} exists already.`),
    },
  ]);
}

// ---- existence checks for grant transactions ----

/** A condition check that a grant's target exists and is not being deleted (404 otherwise). */
export function scopeCheck(orgId: string, scope: Scope, target: string): TxItem {
  const liveCondition = 'attribute_exists(PK) AND attribute_not_exists(deleting) AND attribute_not_exists(deletedAt)';
  switch (scope) {
    case 'org':
      return { op: { ConditionCheck: { TableName: table(), Key: keys.org(orgId), ConditionExpression: 'attribute_exists(PK)' } }, onConditionFailed: () => notFound('The organization') };
    case 'app':
      return { op: { ConditionCheck: { TableName: table(), Key: keys.app(orgId, target), ConditionExpression: liveCondition } }, onConditionFailed: () => notFound(`The app ${target}`) };
    case 'envType':
      return { op: { ConditionCheck: { TableName: table(), Key: keys.envType(orgId, target), ConditionExpression: 'attribute_exists(PK)' } }, onConditionFailed: () => notFound(`The environment type ${target}`) };
    case 'env': {
      const [appId = '', envId = ''] = target.split('/');
      return { op: { ConditionCheck: { TableName: table(), Key: keys.env(orgId, appId, envId), ConditionExpression: liveCondition } }, onConditionFailed: () => notFound(`The environment ${target}`) };
    }
  }
}

/** The checks a grant on this target carries: an environment's grant also checks its app. */
export function scopeChecks(orgId: string, scope: Scope, target: string): TxItem[] {
  if (scope === 'env') return [scopeCheck(orgId, 'app', target.split('/')[0] ?? ''), scopeCheck(orgId, 'env', target)];
  if (scope === 'org') return [];
  return [scopeCheck(orgId, scope, target)];
}

// Cursor paging: DynamoDB's LastEvaluatedKey, made opaque for clients.
//
// A cursor comes back from the client, so it is input like any other: it must name exactly the key
// attributes of the query it continues, stay in that query's partition and inside its sort-key range.
// Anything else is a 400, never a key DynamoDB would reject (a 500) or one that reads another partition.

import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { validationFailed } from '../domain/errors';
import { dynamo } from './client';

/** What a cursor of one query must look like: the partition attribute(s) and their values, and sort-key prefixes. */
export interface CursorShape {
  /** Attributes whose value must be exactly this (the query's partition key). */
  readonly equal: Readonly<Record<string, string>>;
  /** Attributes whose value must start with this (the query's sort key, and a base-table key behind an index). */
  readonly prefix: Readonly<Record<string, string>>;
}

const maxKeyLength = 1024;

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export function decodeCursor(cursor: string | undefined, shape: CursorShape): Record<string, string> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const invalid = () => validationFailed('The cursor is not one this API gave out.', [{ path: 'cursor', message: 'unknown cursor' }]);
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!key || typeof key !== 'object' || Array.isArray(key)) throw invalid();
  const entries = Object.entries(key);
  const expected = new Set([...Object.keys(shape.equal), ...Object.keys(shape.prefix)]);
  if (entries.length !== expected.size) throw invalid();
  for (const [name, value] of entries) {
    if (!expected.has(name) || typeof value !== 'string' || value.length === 0 || value.length > maxKeyLength) throw invalid();
    const equal = shape.equal[name];
    if (equal !== undefined && value !== equal) throw invalid();
    const prefix = shape.prefix[name];
    if (prefix !== undefined && !value.startsWith(prefix)) throw invalid();
  }
  return key as Record<string, string>;
}

/** Every item a query matches: reads page after page until DynamoDB gives no LastEvaluatedKey. */
export async function queryAll(input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamo.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

// Transactions with typed failures. Each item may say which domain error its failed condition
// means; DynamoDB's TransactionConflict (another transaction touched an item) is retried here.

import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from './client';

export type TxOp = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
export interface TxItem {
  op: TxOp;
  /** The error to throw when this item's condition fails. Unset: the read the write was based on is stale. */
  onConditionFailed?: () => Error;
}

/** A condition based on an earlier read failed: the operation should read again and retry. */
export class StaleRead extends Error {
  constructor() {
    super('The data changed while the request was processed');
  }
}

const MAX_CONFLICT_RETRIES = 10;

export async function transact(items: TxItem[]): Promise<void> {
  if (items.length === 0) return;
  if (items.length > 100) throw new Error(`transaction of ${items.length} items exceeds DynamoDB's 100`);
  for (let attempt = 0; ; attempt++) {
    try {
      await dynamo.send(new TransactWriteCommand({ TransactItems: items.map((i) => i.op) }));
      return;
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const reasons = err.CancellationReasons ?? [];
      const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
      if (failed >= 0) throw items[failed]?.onConditionFailed?.() ?? new StaleRead();
      const conflicted = reasons.some((r) => r.Code === 'TransactionConflict');
      if (!conflicted || attempt >= MAX_CONFLICT_RETRIES) throw err;
      await sleep(Math.random() * 20 * 2 ** Math.min(attempt, 5));
    }
  }
}

/** Run read-decide-write again while a transaction finds its reads stale. */
export async function withFreshReads<T>(operation: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (!(err instanceof StaleRead) || attempt >= attempts) throw err;
      await sleep(Math.random() * 10 * attempt);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

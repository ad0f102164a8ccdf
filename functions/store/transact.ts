// Transactions with typed failures. Each item may say which domain error its failed condition
// means; DynamoDB's TransactionConflict (another transaction touched an item) is retried here, and
// what stays after the retries becomes a typed store failure (Contention, Throttled) that the HTTP
// layer maps to 409 and 503: a busy or throttled table is never a 500.

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

/** Other writes kept colliding with this one on the same items, after our retries: the caller may try again. */
export class Contention extends Error {
  constructor(detail: string) {
    super(`Concurrent writes on the same items: ${detail}`);
    this.name = 'Contention';
  }
}

/** DynamoDB refused work for capacity (throttled, or unprocessed items), after our and the SDK's retries. */
export class Throttled extends Error {
  constructor(detail: string) {
    super(`The table is throttling requests: ${detail}`);
    this.name = 'Throttled';
  }
}

// DynamoDB's names for the two kinds. A single write on an item that a transaction holds fails with
// TransactionConflictException, which the SDK does not retry; throttling it retries (maxAttempts) first.
const CONTENTION_ERRORS = new Set(['TransactionConflictException', 'ReplicatedWriteConflictException']);
const THROTTLING_ERRORS = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);
const THROTTLING_REASONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);

/**
 * What a store failure means for the client: `contention` (try again now), `throttled` (try again
 * later), or undefined for anything else. Knows DynamoDB's error names so that no other layer does.
 */
export function storeFailureKind(err: unknown): 'contention' | 'throttled' | undefined {
  if (err instanceof Contention) return 'contention';
  if (err instanceof Throttled) return 'throttled';
  const name = (err as { name?: unknown } | undefined)?.name;
  if (typeof name !== 'string') return undefined;
  if (CONTENTION_ERRORS.has(name)) return 'contention';
  if (THROTTLING_ERRORS.has(name)) return 'throttled';
  return undefined;
}

const MAX_CONFLICT_RETRIES = 10;
/** Throttled cancellations are retried a few times (the SDK does not retry cancellations at all). */
const MAX_THROTTLE_RETRIES = 3;

export async function transact(items: TxItem[]): Promise<void> {
  if (items.length === 0) return;
  if (items.length > 100) throw new Error(`transaction of ${items.length} items exceeds DynamoDB's 100`);
  for (let attempt = 0; ; attempt++) {
    try {
      await dynamo.send(new TransactWriteCommand({ TransactItems: items.map((i) => i.op) }));
      return;
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) {
        const kind = storeFailureKind(err);
        if (kind === 'contention') throw new Contention((err as Error).message);
        if (kind === 'throttled') throw new Throttled((err as Error).message);
        throw err;
      }
      const reasons = err.CancellationReasons ?? [];
      const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
      if (failed >= 0) throw items[failed]?.onConditionFailed?.() ?? new StaleRead();
      if (reasons.some((r) => r.Code === 'TransactionConflict')) {
        if (attempt >= MAX_CONFLICT_RETRIES) throw new Contention(`transaction cancelled by conflicts ${attempt + 1} times`);
      } else if (reasons.some((r) => THROTTLING_REASONS.has(r.Code ?? ''))) {
        if (attempt >= MAX_THROTTLE_RETRIES) throw new Throttled(`transaction cancelled by throttling ${attempt + 1} times`);
      } else {
        throw err;
      }
      await sleep(Math.random() * 20 * 2 ** Math.min(attempt, 5));
    }
  }
}

/**
 * Repeat a batch call (BatchGet, BatchWrite) while DynamoDB leaves part of it unprocessed, with
 * exponential backoff and jitter, at most `attempts` times; then fail as Throttled (503). Unprocessed
 * items mean the table lacked capacity for them: retrying forever would only outlast the Lambda.
 * `call` gets the pending work and returns what is still pending (empty or undefined when done).
 */
export async function untilProcessed<T>(first: T[], call: (pending: T[]) => Promise<T[] | undefined>, what: string, attempts = 8): Promise<void> {
  let pending: T[] | undefined = first;
  for (let attempt = 0; pending && pending.length > 0; attempt++) {
    if (attempt >= attempts) throw new Throttled(`${pending.length} ${what} still unprocessed after ${attempts} attempts`);
    if (attempt > 0) await sleep(Math.random() * 25 * 2 ** Math.min(attempt, 5));
    pending = await call(pending);
  }
}

/**
 * Run read-decide-write again while a transaction finds its reads stale, with exponential backoff and
 * full jitter (at most ~3 s of waiting in all): ten writers to one item spread out instead of colliding
 * again round after round, so each gets through within the attempts.
 */
export async function withFreshReads<T>(operation: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (!(err instanceof StaleRead) || attempt >= attempts) throw err;
      await sleep(Math.random() * 25 * 2 ** Math.min(attempt, 5));
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

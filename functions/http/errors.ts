// The one place where errors become HTTP responses. Unknown errors become a generic 500, logged with
// the request id and never echoed.

import type { MiddlewareObj } from '@middy/core';
import { z } from 'zod';
import { DomainError, temporarilyUnavailable, type ErrorCode } from '../domain/errors';
import { UnknownActionError } from '../domain/evaluator';
import { StaleRead, storeFailureKind } from '../store/transact';
import { logger } from './logger';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  already_member: 409,
  last_administrator: 409,
  invitation_expired: 410,
  invitation_revoked: 410,
  invitation_used: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  mail_failed: 502,
  // 503, not 429: the client did nothing wrong and sent no more than its share; the table (ours) is
  // short of capacity for a moment, which is what 503 says. Retrying after a pause is right.
  temporarily_unavailable: 503,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorResponse(code: ErrorCode, message: string, details?: unknown) {
  const body: ErrorBody = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  return {
    statusCode: STATUS[code],
    // Errors are answers about this request at this moment (a dead link, a conflict): never cached.
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

export function toDomainError(err: unknown): DomainError | undefined {
  if (err instanceof DomainError) return err;
  if (err instanceof z.ZodError) {
    return new DomainError(
      'validation_failed',
      'The request is not valid: ' + err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
      err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  if (err instanceof StaleRead) {
    return new DomainError('conflict', 'The data changed while the request was processed. Try again.');
  }
  if (err instanceof UnknownActionError) return new DomainError('validation_failed', err.message);
  // DynamoDB contention (a transaction holding the items, conflicts past our retries) and throttling
  // are the table's state, not a bug: answer so that the client knows to retry, and log them.
  const kind = storeFailureKind(err);
  if (kind === 'contention') {
    logger.warn('write contention', { error: err as Error });
    return new DomainError('conflict', 'Other changes to the same data were being made at the same moment. Try again.');
  }
  if (kind === 'throttled') {
    logger.warn('table throttled', { error: err as Error });
    return temporarilyUnavailable();
  }
  return undefined;
}

/** Middy middleware: typed errors to the error shape; anything else to a logged, generic 500. */
export const httpErrors = (): MiddlewareObj<unknown, unknown> => ({
  onError: async (request) => {
    const known = toDomainError(request.error);
    if (known) {
      request.response = errorResponse(known.code, known.message, known.details);
      return;
    }
    logger.error('Unhandled error', { error: request.error as Error });
    request.response = {
      statusCode: 500,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: JSON.stringify({ error: { code: 'internal_error', message: 'Something went wrong on our side. Try again later.' } }),
    };
  },
});

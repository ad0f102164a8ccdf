// The one place where errors become HTTP responses. Unknown errors become a generic 500, logged with
// the request id and never echoed.

import type { MiddlewareObj } from '@middy/core';
import { z } from 'zod';
import { DomainError, type ErrorCode } from '../domain/errors';
import { UnknownActionError } from '../domain/evaluator';
import { StaleRead } from '../store/transact';
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
};

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorResponse(code: ErrorCode, message: string, details?: unknown) {
  const body: ErrorBody = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  return {
    statusCode: STATUS[code],
    headers: { 'content-type': 'application/json; charset=utf-8' },
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
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ error: { code: 'internal_error', message: 'Something went wrong on our side. Try again later.' } }),
    };
  },
});

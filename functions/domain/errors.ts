// Typed domain errors. The HTTP layer maps each code to a status in one place (functions/http/errors.ts).

export type ErrorCode =
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'already_member'
  | 'last_administrator'
  | 'invitation_expired'
  | 'invitation_revoked'
  | 'invitation_used'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'mail_failed'
  | 'temporarily_unavailable';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const validationFailed = (message: string, details?: unknown) =>
  new DomainError('validation_failed', message, details);
export const unauthenticated = (message = 'Sign in first: a valid bearer token is required.') =>
  new DomainError('unauthenticated', message);
export const forbidden = (message: string, details?: unknown) => new DomainError('forbidden', message, details);
export const notFound = (what: string) => new DomainError('not_found', `${what} was not found.`);
export const conflict = (message: string) => new DomainError('conflict', message);
export const lastAdministrator = () =>
  new DomainError(
    'last_administrator',
    'An organization must keep at least one Administrator: promote someone else first.',
  );

/** The table is throttling us (capacity): a 503 the client retries later, not a fault in the request. */
export const temporarilyUnavailable = () =>
  new DomainError('temporarily_unavailable', 'The service is busy right now. Try again in a few seconds.');

// Calls to the org-access API: bearer token on every call, JSON in and out, errors as ApiError with a
// message a person understands. A 401 sends the user to sign in and back.

import { config } from './config';
import { currentToken, forgetToken } from './auth';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** The API's own message (English, specific). */
    readonly detail: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The route does not exist on this server (yet): the feature is not available. */
  get unavailable(): boolean {
    return (this.status === 404 && /^No route /.test(this.detail)) || this.code === 'method_not_allowed';
  }
}

/** What each error code means, in words for the person using the console. */
export function explain(status: number, code: string, detail: string): string {
  switch (code) {
    case 'last_administrator':
      return 'An organization must keep at least one Administrator. Make someone else an Administrator first, then try again.';
    case 'already_member':
      return 'That person is already a member of this organization.';
    case 'invitation_expired':
      return 'This invitation has expired. Ask for a new one (an administrator can resend it).';
    case 'invitation_revoked':
      return 'This invitation was revoked and can no longer be used.';
    case 'invitation_used':
      return 'This invitation has already been used.';
    case 'forbidden':
      return `You don't have permission to do that.${detail ? ` ${detail}` : ''}`;
    case 'validation_failed':
      return `Please check what you entered: ${detail.replace(/^The request is not valid: /, '') || 'something is not valid.'}`;
    case 'rate_limited':
      return 'Too many requests in a short time. Wait a minute and try again.';
    case 'unauthenticated':
      return 'Your session has ended. Sign in again.';
    case 'not_found':
      return /^No route /.test(detail) ? 'This feature is not available on this server yet.' : `Not found: ${detail || 'it may have been removed.'}`;
    case 'conflict':
      return detail || 'Someone changed this at the same time. Reload and try again.';
    case 'mail_failed':
      return 'The invitation was saved, but the e-mail could not be sent. Try "Resend" in a moment.';
    case 'payload_too_large':
      return 'That is too much data to send at once.';
    case 'method_not_allowed':
      return 'This feature is not available on this server yet.';
    default:
      if (status >= 500) return 'Something went wrong on our side. Try again in a moment.';
      return detail || `The request failed (HTTP ${status}).`;
  }
}

let onUnauthenticated: () => void = () => undefined;
export function setUnauthenticatedHandler(fn: () => void) {
  onUnauthenticated = fn;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function api<T = any>(method: Method, path: string, body?: unknown): Promise<T> {
  const token = currentToken();
  if (!token) {
    onUnauthenticated();
    throw new ApiError(401, 'unauthenticated', '', explain(401, 'unauthenticated', ''));
  }
  let res: Response;
  try {
    res = await fetch(`${config().apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'network', '', 'Cannot reach the server. Check your connection and try again.');
  }
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.ok) return json as T;
  const code: string = json?.error?.code ?? (res.status === 401 ? 'unauthenticated' : 'http_error');
  const detail: string = json?.error?.message ?? '';
  if (res.status === 401) {
    forgetToken();
    onUnauthenticated();
  }
  throw new ApiError(res.status, code, detail, explain(res.status, code, detail));
}

/** Encodes one path segment. */
export const seg = (value: string) => encodeURIComponent(value);

/** The array in a list response, whatever its key (`members`, `apps`, `items`…). */
export function listOf<T = any>(body: unknown, ...keys: string[]): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === 'object') {
    for (const key of [...keys, 'items']) {
      const v = (body as Record<string, unknown>)[key];
      if (Array.isArray(v)) return v as T[];
    }
  }
  return [];
}

// Calls to the org-access API: bearer token on every call, JSON in and out, errors as ApiError with a
// message a person understands. A 401 sends the user to sign in and back.

import { config } from './config';
import { currentToken, forgetToken } from './auth';
import { FIELD_LABEL, PERMISSION_LABEL, fieldMessage, missingInWords, neededFields, withPermissionWords } from './words';

/** One field the API refused, by its request key ("id", "email"), with the message in a person's words. */
export interface FieldError {
  key: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** The API's own message (English, specific, for developers). */
    readonly detail: string,
    message: string,
    /** The request fields the API refused (validation_failed), for the form to mark. */
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The route does not exist on this server (yet): the feature is not available. */
  get unavailable(): boolean {
    return (this.status === 404 && /^No route /.test(this.detail)) || this.code === 'method_not_allowed';
  }
}

/** The fields an error body names: `details[].path` ("body.id", "query.cursor") or the evaluator's "action … needs appId". */
export function fieldsOf(detail: string, details: unknown): FieldError[] {
  if (Array.isArray(details)) {
    return details.flatMap((d: { path?: unknown; message?: unknown }) => {
      if (typeof d?.path !== 'string') return [];
      const key = d.path.replace(/^(body|query|params|path)\.?/, '').split('.')[0] || d.path;
      return [{ key, message: fieldMessage(key, typeof d.message === 'string' ? d.message : '') }];
    });
  }
  const needed = neededFields(detail);
  return needed ? needed.fields.map((key) => ({ key, message: 'Needed for this action.' })) : [];
}

/** What each error code means, in words for the person using the console. */
export function explain(status: number, code: string, detail: string, details?: unknown): string {
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
    case 'forbidden': {
      const missing = (details as { missing?: unknown } | undefined)?.missing;
      if (Array.isArray(missing) && missing.length) return missingInWords(missing.map(String));
      const routeRefusal = /^You may not \S+ here: missing (.+)\.$/.exec(detail);
      if (routeRefusal) return missingInWords(routeRefusal[1]!.split(', '));
      return detail ? withPermissionWords(detail) : "You don't have permission to do that.";
    }
    case 'validation_failed': {
      const fields = fieldsOf(detail, details);
      const needed = neededFields(detail);
      if (needed) return `To check whether someone may ${PERMISSION_LABEL[needed.action as keyof typeof PERMISSION_LABEL] ?? needed.action}, give ${needed.fields.map((f) => (FIELD_LABEL[f] ?? f).toLowerCase()).join(' and ')}.`;
      if (fields.length) return `Please check what you entered: ${fields.map((f) => `${FIELD_LABEL[f.key] ?? f.key}: ${f.message}`).join(' ')}`;
      const text = withPermissionWords(detail.replace(/^The request is not valid: /, ''));
      return `Please check what you entered: ${text || 'something is not valid.'}`;
    }
    case 'rate_limited':
      return 'Too many requests in a short time. Wait a minute and try again.';
    case 'temporarily_unavailable':
      return 'The service is busy right now. Try again in a moment.';
    case 'unauthenticated':
      return 'Your session has ended. Sign in again.';
    case 'not_found':
      return /^No route /.test(detail) ? 'This feature is not available on this server yet.' : detail ? `Not found: ${detail}` : 'Not found: it may have been removed.';
    case 'conflict':
      return detail || 'Someone changed this at the same time. Reload and try again.';
    case 'mail_failed':
      return 'The invitation was saved, but the e-mail could not be sent. Try "Resend" in a moment.';
    case 'payload_too_large':
      return 'That is too much data to send at once.';
    case 'method_not_allowed':
      return 'This feature is not available on this server yet.';
    default:
      // Not the API's JSON (a proxy's page, an HTML 410 of a dead link): say what the status means.
      if (status === 503) return 'The service is busy right now. Try again in a moment.';
      if (status >= 500) return 'Something went wrong on our side. Try again in a moment.';
      if (status === 410) return 'This is no longer available.';
      if (status === 403) return "You don't have permission to do that.";
      if (status === 404) return 'Not found: it may have been removed.';
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
  const code: string = typeof json?.error?.code === 'string' ? json.error.code : res.status === 401 ? 'unauthenticated' : 'http_error';
  const detail: string = typeof json?.error?.message === 'string' ? json.error.message : '';
  const details: unknown = json?.error?.details;
  if (res.status === 401) {
    forgetToken();
    onUnauthenticated();
  }
  throw new ApiError(res.status, code, detail, explain(res.status, code, detail, details), code === 'validation_failed' ? fieldsOf(detail, details) : []);
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

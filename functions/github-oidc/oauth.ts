// The wrapper's HTTP plumbing, in one place: OAuth errors (RFC 6749 §5.2 shape, not the /v1 API's),
// request parsing for API Gateway HTTP API (v2) events, and the one try/catch that turns errors into
// responses. Codes, tokens and state are never logged.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../http/logger';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'access_denied'
  | 'invalid_token'
  | 'temporarily_unavailable';

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  unsupported_response_type: 400,
  access_denied: 403,
  invalid_token: 401,
  temporarily_unavailable: 503,
};

export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

export type Result = APIGatewayProxyStructuredResultV2;

const BASE_HEADERS = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): Result {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', ...BASE_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function redirect(location: string): Result {
  return { statusCode: 302, headers: { ...BASE_HEADERS, location }, body: '' };
}

function errorResult(err: OAuthError): Result {
  const headers: Record<string, string> = {};
  if (err.code === 'invalid_client') headers['www-authenticate'] = 'Basic realm="oidc-github"';
  if (err.code === 'invalid_token') headers['www-authenticate'] = `Bearer error="invalid_token", error_description="${err.description.replace(/"/g, "'")}"`;
  return json(STATUS[err.code], { error: err.code, error_description: err.description }, headers);
}

/**
 * Wrap an endpoint: OAuth errors become their responses, anything else a logged, generic 500. Each
 * invocation's logs carry its own request id (and no key left over from the previous one).
 */
export function endpoint(name: string, fn: (event: APIGatewayProxyEventV2) => Promise<Result>) {
  return middy<APIGatewayProxyEventV2, Result>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      logger.appendKeys({ endpoint: name });
      try {
        return await fn(event);
      } catch (err) {
        if (err instanceof OAuthError) {
          logger.info('oauth request refused', { error: err.code });
          return errorResult(err);
        }
        logger.error('oauth endpoint failed', { requestId: event.requestContext?.requestId, error: describe(err) });
        return json(500, { error: 'server_error', error_description: 'The sign-in service failed. Try again.' });
      }
    });
}

/** Name and message only: SDK errors can carry request details we do not want in logs. */
function describe(err: unknown) {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: typeof err };
}

/** Single-valued query parameters; a repeated parameter is an error (RFC 6749 §3.1). */
export function queryParams(event: APIGatewayProxyEventV2): URLSearchParams {
  return single(new URLSearchParams(event.rawQueryString ?? ''));
}

/** The form body of a POST (application/x-www-form-urlencoded), base64 or not. */
export function formBody(event: APIGatewayProxyEventV2): URLSearchParams {
  const type = header(event, 'content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new OAuthError('invalid_request', 'The request body must be application/x-www-form-urlencoded.');
  }
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (text.length > 16_384) throw new OAuthError('invalid_request', 'The request body is too large.');
  return single(new URLSearchParams(text));
}

function single(params: URLSearchParams): URLSearchParams {
  const seen = new Set<string>();
  for (const key of params.keys()) {
    if (seen.has(key)) throw new OAuthError('invalid_request', `The parameter ${key} must not be repeated.`);
    seen.add(key);
  }
  return params;
}

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key ? headers[key] : undefined;
}

/** A required parameter, bounded in length. */
export function param(params: URLSearchParams, name: string, maxLength = 2048): string {
  const value = params.get(name);
  if (!value) throw new OAuthError('invalid_request', `The parameter ${name} is required.`);
  if (value.length > maxLength) throw new OAuthError('invalid_request', `The parameter ${name} is too long.`);
  return value;
}

export function optionalParam(params: URLSearchParams, name: string, maxLength = 2048): string | undefined {
  const value = params.get(name);
  if (value === null || value === '') return undefined;
  if (value.length > maxLength) throw new OAuthError('invalid_request', `The parameter ${name} is too long.`);
  return value;
}

/** `url` with `params` added to its query. */
export function withQuery(url: string, params: Record<string, string | undefined>): string {
  const target = new URL(url);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) target.searchParams.set(k, v);
  return target.href;
}

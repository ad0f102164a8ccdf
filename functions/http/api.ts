// The shared middy stack of every API Lambda, and the dispatcher that runs one operation per route:
// authenticate, validate params/query/body with the route's schemas, authorize through the evaluator,
// run the operation, shape the response. Handlers (functions/http/<group>.ts) only bind operations.

import middy from '@middy/core';
import httpCors from '@middy/http-cors';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { DomainError, unauthenticated } from '../domain/errors';
import type { Identity } from '../domain/model';
import { Access, accessFor } from '../operations/access';
import { authenticate } from './auth';
import { errorResponse, httpErrors } from './errors';
import { logger } from './logger';
import { routeKey, type RouteSpec } from './route';

export const MAX_BODY_BYTES = 64 * 1024;

export interface ApiRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Set on routes with auth 'user'. */
  identity: Identity;
  /** Set on routes that declare a permission: the caller's access in the path's org. */
  access: Access;
  requestId: string;
  headers: Record<string, string | undefined>;
}

/** An operation bound to its route. The operation returns the response body (undefined: 204). */
export interface Binding {
  route: RouteSpec;
  run: (req: ApiRequest<unknown, unknown, unknown>) => Promise<unknown>;
}

export function bind<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  route: RouteSpec<P, Q, B>,
  run: (req: ApiRequest<z.output<P>, z.output<Q>, z.output<B>>) => Promise<unknown>,
): Binding {
  return { route, run: run as Binding['run'] };
}

/** What an HTML operation returns: the page, or the page with a status of its own (an error page: 404, 410). */
export interface HtmlPage {
  html: string;
  statusCode?: number;
}

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

/** Request bodies over 64 KiB get 413 before anything parses them. */
const bodyLimit = (): middy.MiddlewareObj<Event, Result> => ({
  before: async ({ event }) => {
    if (event.body && Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8') > MAX_BODY_BYTES) {
      throw new DomainError('payload_too_large', `The request body must be at most ${MAX_BODY_BYTES} bytes.`);
    }
  },
});

/** JSON bodies: malformed JSON is a 400 validation_failed, another media type a 415. */
function parseBody(event: Event): unknown {
  if (!event.body) return undefined;
  const type = event.headers['content-type'];
  if (type && !/^application\/(.+\+)?json(;|$)/i.test(type)) {
    throw new DomainError('unsupported_media_type', 'Send the request body as application/json.');
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    throw new DomainError('validation_failed', 'The request body is not valid JSON.');
  }
}

function parse<T extends z.ZodType | undefined>(schema: T, value: unknown, where: string): unknown {
  if (!schema) return value;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: [where, ...i.path].join('.'), message: i.message }));
  throw new DomainError(
    'validation_failed',
    `The request is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    issues,
  );
}

async function dispatch(bindings: Map<string, Binding>, event: Event, context: Context): Promise<Result> {
  const binding = bindings.get(event.routeKey);
  if (!binding) return errorResponse('not_found', `No route ${event.routeKey}.`);
  const { route } = binding;
  logger.appendKeys({ route: event.routeKey });

  const identity = route.auth === 'user' ? await authenticate(event.headers.authorization) : undefined;
  const params = parse(route.params, event.pathParameters, 'path') as Record<string, string>;
  const query = parse(route.query, event.queryStringParameters, 'query');
  const body = parse(route.body, parseBody(event), 'body');

  let access: Access | undefined;
  if (route.permission) {
    if (!identity) throw unauthenticated();
    const orgId = params.orgId;
    if (!orgId) throw new Error(`route ${routeKey(route)} declares a permission but has no {orgId}`);
    access = await accessFor(orgId, identity);
    // Every route under an app answers a caller who may not see it the same, whether it exists or not.
    if (params.appId) access.requireSeesApp(params.appId);
    if (route.permission.check === 'route') {
      access.require(route.permission.action, { appId: params.appId, envId: params.envId, envTypeId: params.typeId });
    }
  }

  const result = await binding.run({
    params,
    query,
    body,
    identity: identity as Identity,
    access: access as Access,
    requestId: context.awsRequestId,
    headers: event.headers,
  });
  if (route.produces === 'text/html') {
    const page: HtmlPage = typeof result === 'object' && result !== null && 'html' in result ? (result as HtmlPage) : { html: String(result) };
    return { statusCode: page.statusCode ?? route.status ?? 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: page.html };
  }
  if (result === undefined) return { statusCode: 204 };
  return {
    statusCode: route.status ?? 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify(result),
  };
}

/** One access-log line per request: the route template (never the raw path, which may hold a token). */
const accessLog = (): middy.MiddlewareObj<Event, Result> => {
  const started = new WeakMap<object, number>();
  const log = (request: middy.Request<Event, Result>) => {
    const start = started.get(request) ?? Date.now();
    logger.info('request', {
      method: request.event.requestContext?.http?.method,
      status: request.response?.statusCode,
      ms: Date.now() - start,
    });
  };
  return {
    before: async (request) => {
      started.set(request, Date.now());
    },
    after: async (request) => log(request),
    onError: async (request) => {
      if (request.response) log(request);
    },
  };
};

export interface ApiHandlerOptions {
  /**
   * Content-Security-Policy directives of this group's HTML responses, merged over middy's defaults
   * (undefined drops one). For a page whose own script and style the policy allows by hash.
   */
  contentSecurityPolicy?: Record<string, string | undefined>;
}

/** The Lambda handler of one route group: the shared middy stack around the dispatcher. */
export function apiHandler(bindings: Binding[], options: ApiHandlerOptions = {}) {
  const byKey = new Map(bindings.map((b) => [routeKey(b.route), b]));
  const origin = process.env.CORS_ORIGIN;
  const csp = options.contentSecurityPolicy ?? { 'default-src': "'none'", 'frame-ancestors': "'none'" };
  const stack = middy<Event, Result>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpHeaderNormalizer())
    .use(httpSecurityHeaders({ contentSecurityPolicy: csp as Record<string, string> }));
  if (origin) {
    stack.use(httpCors({ origin, credentials: false, headers: 'authorization,content-type', methods: 'GET,POST,PUT,PATCH,DELETE' }));
  }
  return stack
    .use(accessLog())
    .use(httpErrors() as middy.MiddlewareObj<Event, Result>)
    .use(bodyLimit())
    .handler((event, context) => dispatch(byKey, event, context));
}

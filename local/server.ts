// The local HTTP server: serves every route of the route table with the same Lambda handlers (as API
// Gateway HTTP API v2 events), plus the local-only pages: sign-in, test clock, mailbox, the console.

import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { clock } from '../functions/lib/clock';
import { GROUP_ENTRY, type RouteGroup, type RouteSpec } from '../functions/http/route';
import { routes } from '../functions/routes';
import { readMailbox } from './ses';
import type { LocalSigner } from './sign-in';
import { localPages } from './pages';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const ROOT = resolve(import.meta.dirname, '..');
/** Read at most this much of a request body; past it the server answers 413 without reading on. */
const MAX_READ = 1024 * 1024;

interface CompiledRoute {
  route: RouteSpec;
  pattern: RegExp;
  names: string[];
}

function compile(route: RouteSpec): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), names };
}

export interface LocalServerOptions {
  port: number;
  host?: string;
  signer: LocalSigner;
  sesEndpoint: string;
}

export async function startLocalServer(options: LocalServerOptions): Promise<{ server: Server; url: string }> {
  const compiled = routes.map(compile);
  const handlers = new Map<RouteGroup, Handler>();
  for (const group of new Set(routes.map((r) => r.group))) {
    const mod = (await import(pathToFileURL(join(ROOT, GROUP_ENTRY[group])).href)) as { handler: Handler };
    handlers.set(group, mod.handler);
  }
  const pages = localPages();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('local server error', err);
      if (!res.headersSent) send(res, 500, { error: { code: 'internal_error', message: 'Local server error.' } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    if (body === null) return send(res, 413, { error: { code: 'payload_too_large', message: 'The request body is too large.' } });

    if (url.pathname.startsWith('/_local/')) return local(url, method, body, res);
    // The console's runtime configuration (in AWS the deployment writes the same file next to it).
    if (url.pathname === '/config.json' && method === 'GET') {
      return send(res, 200, { mode: 'local', apiUrl: '', signInUrl: '/_local/sign-in', mailboxUrl: '/_local/mailbox' });
    }

    const matches = compiled.map((c) => ({ c, m: c.pattern.exec(url.pathname) })).filter((x) => x.m);
    if (matches.length === 0) {
      // The console owns every other GET path (SPA routes); API paths answer 404 in the error shape.
      const apiPath = /^\/(v1|invite|oidc)(\/|$)/.test(url.pathname);
      if (method === 'GET' && !apiPath && serveStatic(url.pathname, res)) return;
      return send(res, 404, { error: { code: 'not_found', message: `No route ${method} ${url.pathname}.` } });
    }
    if (method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-origin': req.headers.origin ?? '*', 'access-control-allow-headers': 'authorization,content-type', 'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE' });
      return res.end();
    }
    const hit = matches.find((x) => x.c.route.method === method);
    if (!hit?.m) {
      res.setHeader('allow', matches.map((x) => x.c.route.method).join(', '));
      return send(res, 405, { error: { code: 'method_not_allowed', message: `${method} is not allowed on ${url.pathname}.` } });
    }
    const { route, names } = hit.c;
    let pathParameters: Record<string, string>;
    try {
      pathParameters = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(hit.m![i + 1]!)]));
    } catch {
      return send(res, 400, { error: { code: 'validation_failed', message: 'The path is not valid percent-encoding.' } });
    }
    const event = toEvent(req, url, route, pathParameters, body);
    const handler = handlers.get(route.group)!;
    const result = await handler(event, lambdaContext(route.group));
    const headers = Object.entries(result.headers ?? {}).filter(([, v]) => v !== undefined && v !== null);
    res.writeHead(result.statusCode ?? 200, Object.fromEntries(headers.map(([k, v]) => [k, String(v)])));
    res.end(result.body ?? '');
  }

  async function local(url: URL, method: string, body: string, res: ServerResponse) {
    const path = url.pathname;
    const json = () => {
      try {
        return JSON.parse(body || '{}') as Record<string, unknown>;
      } catch {
        return undefined;
      }
    };
    if (path === '/_local/login' && method === 'POST') {
      const input = json();
      const email = typeof input?.email === 'string' ? input.email.trim() : '';
      const provider = input?.provider === 'GitHub' ? 'GitHub' : input?.provider === 'Google' ? 'Google' : undefined;
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254 || !provider) {
        return send(res, 400, { error: { code: 'validation_failed', message: 'Give {email, provider: "Google" | "GitHub", name?}.' } });
      }
      const name = typeof input?.name === 'string' && input.name.length <= 100 ? input.name : undefined;
      const token = await options.signer.issue({ email, provider, ...(name ? { name } : {}) });
      return send(res, 200, { token, tokenType: 'Bearer', expiresIn: 12 * 3600 });
    }
    if (path === '/_local/clock') {
      if (method === 'POST') {
        const input = json();
        const advance = input?.advanceSeconds;
        if (typeof advance !== 'number' || !Number.isFinite(advance) || Math.abs(advance) > 10 * 365 * 86400) {
          return send(res, 400, { error: { code: 'validation_failed', message: 'Give {advanceSeconds: number}.' } });
        }
        clock.offsetSeconds += Math.trunc(advance);
      } else if (method !== 'GET') {
        return send(res, 405, { error: { code: 'method_not_allowed', message: 'GET or POST.' } });
      }
      return send(res, 200, { now: clock.iso(), offsetSeconds: clock.offsetSeconds });
    }
    if (path === '/_local/mail' && method === 'GET') {
      return send(res, 200, { emails: await readMailbox(options.sesEndpoint) });
    }
    if (path === '/_local/jwks.json' && method === 'GET') return send(res, 200, options.signer.jwks);
    if (path === '/_local/sign-in.js' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(await signInScript());
    }
    if (path === '/_local/jobs/run' && method === 'POST') {
      const { runJobsOnce } = await import('./jobs');
      return send(res, 200, await runJobsOnce());
    }
    const page = pages[path];
    if (page && method === 'GET') {
      const html = page === 'mailbox' ? renderMailbox(await readMailbox(options.sesEndpoint)) : readFileSync(join(ROOT, 'local', page), 'utf8');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(html);
    }
    return send(res, 404, { error: { code: 'not_found', message: `No local route ${method} ${path}.` } });
  }

  const host = options.host ?? '127.0.0.1';
  // A port in use (or not ours to bind) rejects, so the caller stops what it started (DynamoDB Local).
  await new Promise<void>((resolveListen, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(listenError(err, host, options.port));
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolveListen();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { server, url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}` };
}

/** A listen failure in words: which address, and what to do about it. */
export function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  if (err.code === 'EADDRINUSE') return new Error(`Port ${port} on ${host} is already in use. Stop what listens there, or start on another port: npm start -- --port <number>.`);
  if (err.code === 'EACCES') return new Error(`Port ${port} on ${host} may not be bound by this user. Choose a port above 1023: npm start -- --port <number>.`);
  return new Error(`Cannot listen on ${host}:${port}: ${err.message}`);
}

let signInBundle: Promise<string> | undefined;
/** The local sign-in page's script (web/src/local-sign-in.ts with the console's safeReturnTo), bundled once. */
function signInScript(): Promise<string> {
  signInBundle ??= import('esbuild')
    .then(({ build }) => build({ entryPoints: [join(ROOT, 'web/src/local-sign-in.ts')], bundle: true, write: false, format: 'esm', target: 'es2022', logLevel: 'silent' }))
    .then((out) => out.outputFiles[0]!.text)
    .catch((err: unknown) => {
      signInBundle = undefined;
      throw err;
    });
  return signInBundle;
}

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/** The console (web/dist, built by the project's scripts), with an SPA fallback to index.html. */
function serveStatic(pathname: string, res: ServerResponse): boolean {
  const dir = join(ROOT, 'web', 'dist');
  if (!existsSync(dir)) return false;
  const wanted = normalize(join(dir, decodeURIComponent(pathname)));
  if (!wanted.startsWith(dir)) return false;
  let file = existsSync(wanted) && statSync(wanted).isFile() ? wanted : undefined;
  if (!file && !extname(pathname)) file = join(dir, 'index.html');
  if (!file || !existsSync(file)) return false;
  res.writeHead(200, {
    'content-type': STATIC_TYPES[extname(file)] ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
  });
  res.end(readFileSync(file));
  return true;
}

function renderMailbox(mails: Awaited<ReturnType<typeof readMailbox>>): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const items = [...mails]
    .reverse()
    .map(
      (m) => `<article><h2>${esc(m.subject)}</h2><p><b>To:</b> ${esc(m.destination.to.join(', '))} · <b>From:</b> ${esc(m.from)} · ${new Date(m.at * 1000).toISOString()}</p><pre>${esc(m.body.text ?? '').replace(/(https?:\/\/[^\s<]+)/g, '<a href="$1">$1</a>')}</pre></article>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Local mailbox · org-access</title><style>body{font:16px system-ui;max-width:50rem;margin:2rem auto;padding:0 1rem;overflow-wrap:anywhere}article{border-bottom:1px solid #ccc}pre{white-space:pre-wrap;overflow-wrap:anywhere}a{overflow-wrap:anywhere}</style></head><body><h1>Local mailbox</h1><p>What SES would have sent. Newest first.</p>${items || '<p>No mail yet.</p>'}</body></html>`;
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** The body as text, or null when it is larger than the server will read. */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_READ) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolveBody(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function toEvent(req: IncomingMessage, url: URL, route: RouteSpec, pathParameters: Record<string, string>, body: string): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: { method: route.method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    ...(body ? { body } : {}),
    isBase64Encoded: false,
  };
}

function lambdaContext(group: string): Context {
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `org-access-${group}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:org-access-${group}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/org-access-${group}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

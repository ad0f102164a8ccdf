// A raw HTTP client for hostile requests: any method with any body (GET bodies included, which
// fetch refuses), any headers, paths sent exactly as given. Every request is counted in the report.

import http from 'node:http';
import type { RouteSpec } from '../../../functions/http/route';
import { recorder } from './report';

export interface RawRequest {
  method: string;
  /** Already percent-encoded path (and query). */
  path: string;
  headers?: Record<string, string>;
  /** Raw body text; sent as is. */
  body?: string;
  token?: string;
}

export interface RawResponse {
  status: number;
  text: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  json: any;
  headers: http.IncomingHttpHeaders;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function sendRaw(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (req.token !== undefined) headers.authorization ??= `Bearer ${req.token}`;
  if (req.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(req.body));
  }
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, json, headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/** Fill a route's path template: each {name} from `params`, percent-encoded unless `raw` names it. */
export function fillPath(route: Pick<RouteSpec, 'path'>, params: Record<string, string>, raw: ReadonlySet<string> = new Set()): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name} of ${route.path}`);
    return raw.has(name) ? value : encodeSegment(value);
  });
}

/** Path parameter names of a route template, in order. */
export const pathParams = (route: Pick<RouteSpec, 'path'>) => [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

/** Send a request for a route and count it under the route's method + template. */
export async function sendFor(baseUrl: string, route: Pick<RouteSpec, 'method' | 'path'>, req: RawRequest, category: string) {
  const res = await sendRaw(baseUrl, req);
  recorder.tried(route, category);
  return res;
}

/** Percent-encode a path segment byte by byte (lone surrogates become U+FFFD, as on the wire). */
export function encodeSegment(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

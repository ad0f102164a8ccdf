// The service in-process over HTTP for integration tests: the local server with the real handlers,
// on this file's table in DynamoDB Local and the suite's local SES. Fixtures are factories.

import { inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { clock } from '../../functions/lib/clock';
import { readMailbox, type LocalMail } from '../../local/ses';
import { createLocalSigner, type LocalSigner } from '../../local/sign-in';

export interface Harness {
  url: string;
  signer: LocalSigner;
  /** A signed-in user: a token for the e-mail (a fresh unique address by default). */
  user: (overrides?: Partial<{ email: string; name: string; provider: 'Google' | 'GitHub' }>) => Promise<TestUser>;
  /** Mail the local SES received for an address. */
  mailTo: (email: string) => Promise<LocalMail[]>;
  close: () => Promise<void>;
}

export interface TestUser {
  email: string;
  token: string;
  userId: string;
  /** Call the API as this user. */
  api: Api;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export type Api = <T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse<T>>;

let started: Promise<Harness> | undefined;

/** The harness of this test file (started once per file). */
export function harness(): Promise<Harness> {
  started ??= startHarness();
  return started;
}

async function startHarness(): Promise<Harness> {
  const { startLocalServer } = await import('../../local/server');
  const { tokenVerifier } = await import('../../functions/http/auth');
  const signer = await createLocalSigner({ issuer: process.env.JWT_ISSUER!, audience: process.env.JWT_AUDIENCE! });
  tokenVerifier().cacheJwks(signer.jwks as never);
  const sesEndpoint = inject('sesEndpoint');
  const { server, url } = await startLocalServer({ port: 0, signer, sesEndpoint });
  // Invitation links and the invite page are built from PUBLIC_URL: point it at this server.
  process.env.PUBLIC_URL = url;
  const api = (token?: string) => callApi(url, token);
  return {
    url,
    signer,
    user: async (overrides = {}) => {
      const email = overrides.email ?? `user-${randomBytes(5).toString('hex')}@example.com`;
      const token = await signer.issue({ email, provider: overrides.provider ?? 'Google', ...(overrides.name ? { name: overrides.name } : {}) });
      const me = await api(token)('GET', '/v1/me');
      if (me.status !== 200) throw new Error(`sign-in failed: ${me.status} ${JSON.stringify(me.body)}`);
      return { email: email.toLowerCase(), token, userId: me.body.user.userId, api: api(token) };
    },
    mailTo: async (email) => (await readMailbox(sesEndpoint)).filter((m) => m.destination.to.some((t) => t.toLowerCase().includes(email.toLowerCase()))),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Move the service's clock (the test clock of the local runtime). */
export function advanceClock(seconds: number) {
  clock.offsetSeconds += seconds;
}
export function resetClock() {
  clock.offsetSeconds = 0;
}

/** An anonymous caller. */
export async function anonymous(): Promise<Api> {
  return callApi((await harness()).url);
}

function callApi(url: string, token?: string): Api {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (the invite page)
    }
    return { status: res.status, body: parsed as any, headers: res.headers };
  };
}

// A fake GitHub on localhost: the OAuth authorize page (it "signs in" the account the test chose and
// redirects back at once), the code exchange, GET /user and GET /user/emails. Like GitHub, a failed
// exchange answers 200 with an `error` field, codes are single use and bound to the redirect_uri.
// It records what the wrapper sent (without secrets) so tests can check the short state, and can be
// made slow per path to try the wrapper's deadlines.

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface FakeGitHubAccount {
  id: number;
  login: string;
  name?: string | null;
  /** The public e-mail of GET /user (null, the real one, or a noreply address). */
  publicEmail?: string | null;
  emails: { email: string; primary: boolean; verified: boolean; visibility?: string | null }[];
}

export interface FakeGitHub {
  url: string;
  clientId: string;
  clientSecret: string;
  /** The account that approves the next authorize request. */
  signIn: (account: FakeGitHubAccount) => void;
  /** Query parameters of each authorize request the browser brought. */
  authorizeRequests: Record<string, string>[];
  /** Answer requests to this path only after `ms` (0: at once again). */
  slowDown: (path: '/login/oauth/access_token' | '/user' | '/user/emails', ms: number) => void;
  close: () => Promise<void>;
}

/** A GitHub account fixture with a verified primary e-mail; override anything. */
export function gitHubAccount(overrides: Partial<FakeGitHubAccount> = {}): FakeGitHubAccount {
  const id = 100_000 + Math.floor(Math.random() * 1e7);
  const login = overrides.login ?? `octo${id}`;
  const email = `${login}@example.com`;
  return { id, login, name: 'Octo Cat', publicEmail: email, emails: [{ email, primary: true, verified: true, visibility: 'public' }], ...overrides };
}

export async function startFakeGitHub(options: { clientId?: string; clientSecret?: string } = {}): Promise<FakeGitHub> {
  const clientId = options.clientId ?? 'Iv1.fakeclientid';
  const clientSecret = options.clientSecret ?? `secret-${randomBytes(8).toString('hex')}`;
  let current: FakeGitHubAccount | undefined;
  const codes = new Map<string, { account: FakeGitHubAccount; redirectUri: string }>();
  const tokens = new Map<string, FakeGitHubAccount>();
  const authorizeRequests: Record<string, string>[] = [];
  const delays = new Map<string, number>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://github.local');
      const delay = delays.get(url.pathname) ?? 0;
      if (delay > 0) setTimeout(() => respond(url), delay);
      else respond(url);
    });
    const respond = (url: URL) => {
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
        const q = Object.fromEntries(url.searchParams);
        authorizeRequests.push(q);
        if (q.client_id !== clientId || !q.redirect_uri) return send(404, { message: 'Not Found' });
        const back = new URL(q.redirect_uri);
        if (!current) {
          back.searchParams.set('error', 'access_denied');
        } else {
          const code = randomBytes(10).toString('hex');
          codes.set(code, { account: current, redirectUri: q.redirect_uri });
          back.searchParams.set('code', code);
        }
        if (q.state !== undefined) back.searchParams.set('state', q.state);
        res.writeHead(302, { location: back.href });
        return res.end();
      }
      if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
        const text = Buffer.concat(chunks).toString('utf8');
        const form = (req.headers['content-type'] ?? '').includes('json') ? JSON.parse(text || '{}') : Object.fromEntries(new URLSearchParams(text));
        if (form.client_id !== clientId || form.client_secret !== clientSecret) return send(200, { error: 'incorrect_client_credentials' });
        const grant = codes.get(form.code);
        codes.delete(form.code);
        if (!grant) return send(200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
        if (form.redirect_uri && form.redirect_uri !== grant.redirectUri) return send(200, { error: 'redirect_uri_mismatch' });
        const token = `gho_${randomBytes(12).toString('hex')}`;
        tokens.set(token, grant.account);
        return send(200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
      }
      if (req.method === 'GET' && (url.pathname === '/user' || url.pathname === '/user/emails')) {
        const match = /^(?:Bearer|token)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
        const account = match?.[1] ? tokens.get(match[1]) : undefined;
        if (!account) return send(401, { message: 'Requires authentication' });
        if (!req.headers['user-agent']) return send(403, { message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header' });
        if (url.pathname === '/user/emails') return send(200, account.emails);
        return send(200, { id: account.id, login: account.login, name: account.name ?? null, email: account.publicEmail ?? null, type: 'User' });
      }
      send(404, { message: 'Not Found' });
    };
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    clientId,
    clientSecret,
    signIn: (account) => {
      current = account;
    },
    authorizeRequests,
    slowDown: (path, ms) => {
      delays.set(path, ms);
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

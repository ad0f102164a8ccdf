// Sign-in state. The id token lives in localStorage 'org-access.token' (the key the local sign-in page
// writes too). In AWS: Cognito's hosted UI with the authorization-code flow and PKCE, straight to the
// Google or GitHub identity provider.

import { config, type ConsoleConfig } from './config';
import { safeReturnTo } from './return-to';

export const TOKEN_KEY = 'org-access.token';
const PENDING_KEY = 'org-access.pkce';
export const CALLBACK_PATH = '/auth/callback';
export type Provider = 'Google' | 'GitHub';

export interface Claims {
  sub: string;
  email?: string;
  name?: string;
  exp?: number;
}

function decodeClaims(token: string): Claims | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Claims;
    return typeof claims.sub === 'string' ? claims : undefined;
  } catch {
    return undefined;
  }
}

/** The stored token if it is still valid (a minute of margin), else undefined. */
export function currentToken(): string | undefined {
  const token = localStorage.getItem(TOKEN_KEY) ?? undefined;
  if (!token) return undefined;
  const claims = decodeClaims(token);
  if (!claims || (claims.exp !== undefined && claims.exp * 1000 < Date.now() + 60_000)) {
    localStorage.removeItem(TOKEN_KEY);
    return undefined;
  }
  return token;
}

export function currentClaims(): Claims | undefined {
  const token = currentToken();
  return token ? decodeClaims(token) : undefined;
}

export function forgetToken() {
  localStorage.removeItem(TOKEN_KEY);
}

/** Only same-origin paths are followed after sign-in (the rule lives in return-to.ts, shared with the local sign-in page). */
export { safeReturnTo };

/** Local mode: the URL of the local sign-in page that comes back to `returnTo`. */
export function localSignInUrl(returnTo: string): string {
  const cfg = config();
  const base = cfg.mode === 'local' ? cfg.signInUrl : '/_local/sign-in';
  return `${base}?returnTo=${encodeURIComponent(safeReturnTo(returnTo))}`;
}

interface Pending {
  state: string;
  verifier: string;
  provider: Provider;
  returnTo: string;
  attempt: number;
}

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomString = (n = 32) => base64url(crypto.getRandomValues(new Uint8Array(n)));
const redirectUri = () => `${location.origin}${CALLBACK_PATH}`;

/** Cognito mode: go to the hosted UI's authorize endpoint for one identity provider (PKCE, S256). */
export async function startCognitoSignIn(provider: Provider, returnTo: string, attempt = 0): Promise<void> {
  const cfg = config() as Extract<ConsoleConfig, { mode: 'cognito' }>;
  const verifier = randomString(48);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const pending: Pending = { state: randomString(16), verifier, provider, returnTo: safeReturnTo(returnTo), attempt };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: cfg.clientId,
    redirect_uri: redirectUri(),
    identity_provider: provider,
    scope: 'openid email profile',
    state: pending.state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`https://${cfg.cognitoDomain}/oauth2/authorize?${query}`);
}

/**
 * Cognito mode, on /auth/callback: exchange the code for tokens and keep the id token. Returns where to
 * go next, or throws an Error with a message for a person. Cognito's first federated sign-in after
 * identities were linked can fail once with "Already found an entry for username": retried once, silently.
 */
export async function completeCognitoSignIn(search: URLSearchParams): Promise<string | 'redirected'> {
  const cfg = config() as Extract<ConsoleConfig, { mode: 'cognito' }>;
  const raw = sessionStorage.getItem(PENDING_KEY);
  const pending = raw ? (JSON.parse(raw) as Pending) : undefined;
  if (!pending || search.get('state') !== pending.state) {
    sessionStorage.removeItem(PENDING_KEY);
    throw new Error('This sign-in response does not belong to a sign-in started here. Start again.');
  }
  const error = search.get('error');
  if (error) {
    const description = search.get('error_description') ?? error;
    sessionStorage.removeItem(PENDING_KEY);
    if (/already found an entry for username/i.test(description) && pending.attempt < 1) {
      await startCognitoSignIn(pending.provider, pending.returnTo, pending.attempt + 1);
      return 'redirected';
    }
    throw new Error(error === 'access_denied' ? 'Sign-in was cancelled.' : `Sign-in failed: ${description}`);
  }
  const code = search.get('code');
  if (!code) throw new Error('The sign-in response has no authorization code. Start again.');
  const res = await fetch(`https://${cfg.cognitoDomain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: cfg.clientId, code, redirect_uri: redirectUri(), code_verifier: pending.verifier }),
  }).catch(() => undefined);
  sessionStorage.removeItem(PENDING_KEY);
  if (!res) throw new Error('Could not reach the sign-in service. Check your connection and try again.');
  const body = (await res.json().catch(() => ({}))) as { id_token?: string; error?: string };
  if (!res.ok || !body.id_token) throw new Error(`Sign-in could not be completed (${body.error ?? `HTTP ${res.status}`}). Start again.`);
  localStorage.setItem(TOKEN_KEY, body.id_token);
  return pending.returnTo;
}

/** Sign out: forget the token; in AWS also end the hosted UI session. */
export function signOut() {
  forgetToken();
  const cfg = config();
  if (cfg.mode === 'cognito') {
    const query = new URLSearchParams({ client_id: cfg.clientId, logout_uri: `${location.origin}/signed-out` });
    location.assign(`https://${cfg.cognitoDomain}/logout?${query}`);
  } else {
    location.assign('/signed-out');
  }
}

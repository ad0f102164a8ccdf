// GitHub as an OAuth2 provider: the authorize URL, the code exchange, and the profile with the
// primary verified e-mail. GitHub answers some failures with 200 and an `error` field; both shapes
// are handled. The access token is used at once and never stored or logged.
//
// Every call of one sign-in shares one deadline (GitHubLimits), so a slow GitHub ends in a
// `temporarily_unavailable` answer well before the Lambda's own timeout, never in a killed Lambda.

import { OAuthError } from './oauth';

export interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
  visibility?: string | null;
}

export interface GitHubProfile {
  /** GitHub's numeric user id: stable, unlike the login. */
  id: string;
  login: string;
  name?: string;
  /** The primary verified e-mail address, as GitHub lists it in /user/emails. */
  email: string;
}

/** How long GitHub may take: each call, and all calls of one callback together (body included). */
export interface GitHubLimits {
  perCallMs: number;
  totalMs: number;
}
/** The callback Lambda's timeout is derived from totalMs (lib/stateless-stack.ts). */
export const GITHUB_LIMITS: GitHubLimits = { perCallMs: 4000, totalMs: 8000 };

/** What one sign-in's GitHub calls share: the deadline's signal, and the per-call limit. */
export interface GitHubBudget {
  deadline: AbortSignal;
  perCallMs: number;
}

export function githubBudget(limits: GitHubLimits): GitHubBudget {
  return { deadline: AbortSignal.timeout(limits.totalMs), perCallMs: limits.perCallMs };
}
/** GitHub's own addresses for users who keep their e-mail private: never a sign-in identity. */
const NOREPLY = /@users\.noreply\.github\.com$/i;

/** Scopes: the profile and the e-mail list (which includes private addresses). */
export const GITHUB_SCOPES = 'read:user user:email';

export function authorizeUrl(oauthUrl: string, input: { clientId: string; callbackUrl: string; state: string }): string {
  const url = new URL(`${oauthUrl}/login/oauth/authorize`);
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('redirect_uri', input.callbackUrl);
  url.searchParams.set('scope', GITHUB_SCOPES);
  url.searchParams.set('state', input.state);
  return url.href;
}

export async function exchangeCode(
  oauthUrl: string,
  input: { clientId: string; clientSecret: string; code: string; callbackUrl: string },
  budget: GitHubBudget,
): Promise<string> {
  const res = await call(
    `${oauthUrl}/login/oauth/access_token`,
    {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: input.clientId, client_secret: input.clientSecret, code: input.code, redirect_uri: input.callbackUrl }).toString(),
    },
    budget,
  );
  const body = (res.body ?? {}) as { access_token?: unknown; error?: unknown };
  if (res.status >= 500) throw unavailable();
  if (res.status >= 400 || typeof body.access_token !== 'string' || !body.access_token) {
    // bad_verification_code, redirect_uri_mismatch, incorrect_client_credentials, ...
    throw new OAuthError('access_denied', 'GitHub did not accept the sign-in (the code is invalid or expired). Sign in again.');
  }
  return body.access_token;
}

/** The user's profile with their primary verified e-mail; refuses accounts without one. */
export async function fetchProfile(apiUrl: string, accessToken: string, budget: GitHubBudget): Promise<GitHubProfile> {
  const headers = {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${accessToken}`,
    'x-github-api-version': '2022-11-28',
    'user-agent': 'org-access-oidc-wrapper',
  };
  const [userRes, emailsRes] = await Promise.all([call(`${apiUrl}/user`, { headers }, budget), call(`${apiUrl}/user/emails`, { headers }, budget)]);
  if (userRes.status >= 500 || emailsRes.status >= 500) throw unavailable();
  if (userRes.status >= 400) throw new OAuthError('access_denied', 'GitHub did not return your profile. Sign in again.');
  if (emailsRes.status >= 400) {
    throw new OAuthError('access_denied', 'GitHub did not share your e-mail addresses. Allow the wrapper to read them (scope user:email) and sign in again.');
  }
  const user = (userRes.body ?? {}) as { id?: unknown; login?: unknown; name?: unknown };
  const emails = emailsRes.body;
  if (typeof user.id !== 'number' || typeof user.login !== 'string' || !Array.isArray(emails)) {
    throw new OAuthError('access_denied', 'GitHub returned a profile the wrapper does not understand.');
  }
  const email = primaryVerifiedEmail(emails as GitHubEmail[]);
  if (!email) {
    throw new OAuthError(
      'access_denied',
      'Your GitHub account has no verified primary e-mail address. Verify it at https://github.com/settings/emails and sign in again.',
    );
  }
  const name = typeof user.name === 'string' && user.name.trim() ? user.name.trim().slice(0, 100) : undefined;
  return { id: String(user.id), login: user.login, email, ...(name ? { name } : {}) };
}

/**
 * The address that identifies the user: the primary one, and only if GitHub verified it. The public
 * e-mail of /user is not used: it may be absent, unverified or a noreply address.
 */
export function primaryVerifiedEmail(emails: GitHubEmail[]): string | undefined {
  const primary = emails.find((e) => e && e.primary === true && e.verified === true && typeof e.email === 'string');
  if (!primary || NOREPLY.test(primary.email)) return undefined;
  return primary.email.trim().toLowerCase();
}

/**
 * One request, its JSON body read under the same limits: the call's own and the sign-in's shared
 * deadline, whichever comes first. Unreachable, timed out or cut off: temporarily_unavailable.
 * A body that is not JSON is `undefined` (the caller refuses it by status or shape).
 */
async function call(url: string, init: RequestInit, budget: GitHubBudget): Promise<{ status: number; body: unknown }> {
  if (budget.deadline.aborted) throw unavailable();
  const signal = AbortSignal.any([budget.deadline, AbortSignal.timeout(budget.perCallMs)]);
  try {
    const res = await fetch(url, { ...init, redirect: 'error', signal });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, body };
  } catch {
    throw unavailable();
  }
}

const unavailable = () => new OAuthError('temporarily_unavailable', 'GitHub could not be reached. Try again in a moment.');

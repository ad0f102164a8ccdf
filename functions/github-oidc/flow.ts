// The wrapper's use cases: Cognito (an OIDC relying party) on one side, GitHub (plain OAuth2) on
// the other. Primary adapter: functions/github-oidc/handlers.ts. Secondary adapters: github.ts,
// store.ts, signing.ts, secrets.ts.
//
// Flow: Cognito → authorize (remember Cognito's request under a short random state) → GitHub →
// callback (take the state once, exchange GitHub's code, read the profile and the primary verified
// e-mail, issue our own one-time code) → Cognito's idpresponse → token (redeem the code for signed
// id and access tokens) → userinfo. Refusals after the state is known go back to Cognito as OAuth
// error redirects, so the user lands in the console with the message instead of on a dead page.
//
// Only the token endpoint holds the private signing key. Before it signs with a key it publishes the
// key's public half (a table item per key id, refreshed while the key is in use); the JWKS and
// userinfo endpoints read those items, so they never need the private key.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { clock } from '../lib/clock';
import type { WrapperConfig } from './config';
import { authorizeUrl, exchangeCode, fetchProfile, githubBudget } from './github';
import { OAuthError, json, optionalParam, param, redirect, withQuery, type Result } from './oauth';
import { previousSecretString, secretString } from './secrets';
import { keySet, publicJwk, signToken, verifyAccessToken, type KeySet } from './signing';
import { listPublishedKeys, publishPublicKeys, putIssuedCode, putPendingSignIn, takeIssuedCode, takePendingSignIn } from './store';

/** How long a user has to sign in at GitHub (2FA included) before the short state dies. */
export const STATE_TTL_SECONDS = 600;
/** Cognito redeems the code right away; a short life limits replay of a leaked one. */
export const CODE_TTL_SECONDS = 300;
/** Lifetime of the id and access tokens: Cognito uses them once, during the sign-in. */
export const TOKEN_TTL_SECONDS = 900;
const SCOPES = 'openid email profile';
/**
 * A published public key stays in the JWKS this long after the token endpoint last published it,
 * and the token endpoint republishes a key it signs with at least every KEY_REPUBLISH_SECONDS: a key
 * in use is always published for longer than the tokens it signs live; a key dropped from the
 * secret leaves the JWKS within the lifetime (or at once: delete its item, docs/deploy.md).
 */
export const PUBLISHED_KEY_LIFETIME_SECONDS = 3600;
export const KEY_REPUBLISH_SECONDS = 900;

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
/** 128 bits for the state GitHub sees (22 characters), 256 bits for the code Cognito redeems. */
const randomToken = (bytes: number) => randomBytes(bytes).toString('base64url');

/**
 * Input: Cognito's authorize request. Output: a redirect to GitHub.
 * Primary course: check client_id and the exact redirect_uri (no redirect on failure: the URI is
 * not trusted), store Cognito's state, redirect_uri and nonce under a short state with a TTL.
 */
export async function startAuthorization(config: WrapperConfig, query: URLSearchParams): Promise<Result> {
  const clientId = param(query, 'client_id', 256);
  if (clientId !== config.clientId) throw new OAuthError('invalid_request', 'The client_id is not known to this provider.');
  const redirectUri = param(query, 'redirect_uri');
  if (!config.allowedRedirectUris.has(redirectUri)) {
    throw new OAuthError('invalid_request', 'The redirect_uri is not registered with this provider.');
  }
  const cognitoState = query.get('state');
  if (!cognitoState) throw new OAuthError('invalid_request', 'The parameter state is required.');
  if (cognitoState.length > 8192) throw new OAuthError('invalid_request', 'The parameter state is too long.');
  const responseType = query.get('response_type');
  if (responseType !== 'code') {
    return redirect(withQuery(redirectUri, { error: 'unsupported_response_type', error_description: 'Only response_type=code is supported.', state: cognitoState }));
  }
  const nonce = optionalParam(query, 'nonce', 512);

  const shortState = randomToken(16);
  await putPendingSignIn(sha256(shortState), {
    clientId,
    redirectUri,
    cognitoState,
    ...(nonce ? { nonce } : {}),
    expiresAt: clock.nowSeconds() + STATE_TTL_SECONDS,
  });
  return redirect(authorizeUrl(config.githubOAuthUrl, { clientId: config.clientId, callbackUrl: config.callbackUrl, state: shortState }));
}

/**
 * Input: GitHub's redirect (code and short state, or an error). Output: a redirect to Cognito.
 * Primary course: take the pending sign-in for the state (unknown, used or expired: refused here,
 * there is nowhere trusted to send the user), exchange the code, read the profile with the primary
 * verified e-mail, and hand Cognito a one-time code of ours with its own state.
 */
export async function completeGitHubCallback(config: WrapperConfig, query: URLSearchParams): Promise<Result> {
  const shortState = param(query, 'state', 64);
  const pending = await takePendingSignIn(sha256(shortState), clock.nowSeconds());
  if (!pending) {
    throw new OAuthError('invalid_request', 'This sign-in request is unknown, expired or already used. Start the sign-in again.');
  }
  const backToCognito = (params: Record<string, string | undefined>) => redirect(withQuery(pending.redirectUri, { ...params, state: pending.cognitoState }));

  if (query.get('error')) {
    // The user declined at GitHub, or GitHub refused the request.
    return backToCognito({ error: 'access_denied', error_description: 'The sign-in was cancelled or refused at GitHub.' });
  }
  try {
    const code = param(query, 'code', 256);
    const clientSecret = await secretString(config.clientSecretId);
    // One deadline for every GitHub call of this callback, well inside the Lambda's timeout.
    const budget = githubBudget(config.githubLimits);
    const githubToken = await exchangeCode(config.githubOAuthUrl, { clientId: config.clientId, clientSecret, code, callbackUrl: config.callbackUrl }, budget);
    const profile = await fetchProfile(config.githubApiUrl, githubToken, budget);
    const ourCode = randomToken(32);
    const now = clock.nowSeconds();
    await putIssuedCode(sha256(ourCode), {
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      ...(pending.nonce ? { nonce: pending.nonce } : {}),
      sub: profile.id,
      email: profile.email,
      ...(profile.name ? { name: profile.name } : {}),
      login: profile.login,
      authTime: now,
      expiresAt: now + CODE_TTL_SECONDS,
    });
    return backToCognito({ code: ourCode });
  } catch (err) {
    if (err instanceof OAuthError) return backToCognito({ error: err.code, error_description: err.description });
    throw err;
  }
}

/**
 * Input: Cognito's token request (client credentials, code, redirect_uri). Output: id and access tokens.
 * Primary course: authenticate the client, redeem the code once, check it was issued to this client
 * and redirect_uri, sign the tokens.
 */
export async function exchangeAuthorizationCode(config: WrapperConfig, form: URLSearchParams, authorization: string | undefined): Promise<Result> {
  const client = clientCredentials(form, authorization);
  if (client.id !== config.clientId || !(await isClientSecret(config, client.secret))) {
    throw new OAuthError('invalid_client', 'Client authentication failed.');
  }
  if (form.get('grant_type') !== 'authorization_code') {
    throw new OAuthError('unsupported_grant_type', 'Only grant_type=authorization_code is supported.');
  }
  const code = param(form, 'code', 256);
  const redirectUri = param(form, 'redirect_uri');
  const now = clock.nowSeconds();
  const issued = await takeIssuedCode(sha256(code), now);
  if (!issued || issued.clientId !== client.id || issued.redirectUri !== redirectUri) {
    throw new OAuthError('invalid_grant', 'The authorization code is invalid, expired, already used, or was issued for another redirect_uri.');
  }
  const keys = await publishedKeySet(config, now);
  const profileClaims = {
    email: issued.email,
    email_verified: true,
    name: issued.name ?? issued.login,
    preferred_username: issued.login,
  };
  const expiresAt = now + TOKEN_TTL_SECONDS;
  const idToken = await signToken(keys, {
    issuer: config.issuer,
    audience: config.clientId,
    subject: issued.sub,
    issuedAt: now,
    expiresAt,
    type: 'JWT',
    claims: { ...profileClaims, auth_time: issued.authTime, ...(issued.nonce ? { nonce: issued.nonce } : {}) },
  });
  const accessToken = await signToken(keys, {
    issuer: config.issuer,
    audience: config.issuer,
    subject: issued.sub,
    issuedAt: now,
    expiresAt,
    type: 'at+jwt',
    claims: { ...profileClaims, client_id: config.clientId, scope: SCOPES },
  });
  return json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_TTL_SECONDS, id_token: idToken, scope: SCOPES });
}

/** The claims of the bearer of one of our access tokens. */
export async function userInfo(config: WrapperConfig, authorization: string | undefined): Promise<Result> {
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(authorization ?? '');
  if (!match?.[1]) throw new OAuthError('invalid_token', 'A bearer access token is required.');
  const now = clock.nowSeconds();
  const publicKeys = await listPublishedKeys(now, PUBLISHED_KEY_LIFETIME_SECONDS);
  let claims;
  try {
    claims = await verifyAccessToken(publicKeys, match[1], { issuer: config.issuer, audience: config.issuer, nowSeconds: now });
  } catch {
    throw new OAuthError('invalid_token', 'The access token is invalid or expired.');
  }
  return json(200, {
    sub: claims.sub,
    email: claims.email,
    email_verified: claims.email_verified === true,
    name: claims.name,
    preferred_username: claims.preferred_username,
  });
}

/** The JWKS: the public keys the token endpoint published (no private key is read here). */
export async function publicKeys(): Promise<Result> {
  const keys = await listPublishedKeys(clock.nowSeconds(), PUBLISHED_KEY_LIFETIME_SECONDS);
  // Only public members leave, whatever an item holds; a short cache: after a rotation Cognito should see the new key soon.
  return json(200, { keys: keys.map(publicJwk) }, { 'cache-control': 'public, max-age=60' });
}

/**
 * The signing keys, with their public halves published before anything is signed with them, and
 * republished while they are in use (a new key set, after a rotation, is published at once).
 */
const publishedAt = new WeakMap<KeySet, number>();
async function publishedKeySet(config: WrapperConfig, now: number): Promise<KeySet> {
  const keys = await keySet(config.signingKeySecretId);
  if (now - (publishedAt.get(keys) ?? -Infinity) >= KEY_REPUBLISH_SECONDS) {
    await publishPublicKeys(keys.publicJwks, now, PUBLISHED_KEY_LIFETIME_SECONDS);
    publishedAt.set(keys, now);
  }
  return keys;
}

/**
 * Cognito's client secret is the GitHub OAuth App's, kept in one secret. During a rotation
 * (docs/deploy.md) Cognito presents the previous value until its provider is updated: both pass.
 */
async function isClientSecret(config: WrapperConfig, given: string): Promise<boolean> {
  if (equalSecrets(given, await secretString(config.clientSecretId))) return true;
  const previous = await previousSecretString(config.clientSecretId);
  return previous !== undefined && equalSecrets(given, previous);
}

/**
 * The discovery document. Cognito gets the endpoints explicitly too (it cannot run discovery here).
 * It advertises only what the wrapper does: no PKCE (`code_challenge_methods_supported`), since the
 * wrapper's one client, Cognito, authenticates with its secret.
 */
export function discovery(config: WrapperConfig): Result {
  return json(
    200,
    {
      issuer: config.issuer,
      authorization_endpoint: `${config.issuer}/authorize`,
      token_endpoint: `${config.issuer}/token`,
      userinfo_endpoint: `${config.issuer}/userinfo`,
      jwks_uri: `${config.issuer}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: SCOPES.split(' '),
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'email', 'email_verified', 'name', 'preferred_username'],
    },
    { 'cache-control': 'public, max-age=300' },
  );
}

/** client_secret_basic or client_secret_post, not both (RFC 6749 §2.3.1). */
function clientCredentials(form: URLSearchParams, authorization: string | undefined): { id: string; secret: string } {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
  const inBody = form.has('client_secret');
  if (basic?.[1] && inBody) throw new OAuthError('invalid_request', 'Use one client authentication method, not two.');
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError('invalid_client', 'Client authentication failed.');
    const formDecode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        throw new OAuthError('invalid_client', 'Client authentication failed.');
      }
    };
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  }
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  if (!id || !secret) throw new OAuthError('invalid_client', 'Client authentication is required (client_secret_post or client_secret_basic).');
  return { id, secret };
}

/** Constant-time comparison of secrets of any length (compare their digests). */
function equalSecrets(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

// The wrapper's use cases: Cognito (an OIDC relying party) on one side, GitHub (plain OAuth2) on
// the other. Primary adapter: functions/github-oidc/handlers.ts. Secondary adapters: github.ts,
// store.ts, signing.ts, secrets.ts.
//
// Flow: Cognito → authorize (remember Cognito's request under a short random state) → GitHub →
// callback (take the state once, exchange GitHub's code, read the profile and the primary verified
// e-mail, issue our own one-time code) → Cognito's idpresponse → token (redeem the code for signed
// id and access tokens) → userinfo. Refusals after the state is known go back to Cognito as OAuth
// error redirects, so the user lands in the console with the message instead of on a dead page.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { clock } from '../lib/clock';
import type { WrapperConfig } from './config';
import { authorizeUrl, exchangeCode, fetchProfile } from './github';
import { OAuthError, json, optionalParam, param, redirect, withQuery, type Result } from './oauth';
import { secretString } from './secrets';
import { keySet, signToken, verifyAccessToken } from './signing';
import { putIssuedCode, putPendingSignIn, takeIssuedCode, takePendingSignIn } from './store';

/** How long a user has to sign in at GitHub (2FA included) before the short state dies. */
export const STATE_TTL_SECONDS = 600;
/** Cognito redeems the code right away; a short life limits replay of a leaked one. */
export const CODE_TTL_SECONDS = 300;
/** Lifetime of the id and access tokens: Cognito uses them once, during the sign-in. */
export const TOKEN_TTL_SECONDS = 900;
const SCOPES = 'openid email profile';

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
    const githubToken = await exchangeCode(config.githubOAuthUrl, { clientId: config.clientId, clientSecret, code, callbackUrl: config.callbackUrl });
    const profile = await fetchProfile(config.githubApiUrl, githubToken);
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
  if (client.id !== config.clientId || !equalSecrets(client.secret, await secretString(config.clientSecretId))) {
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
  const keys = await keySet(config.signingKeySecretId);
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
  const keys = await keySet(config.signingKeySecretId);
  let claims;
  try {
    claims = await verifyAccessToken(keys, match[1], { issuer: config.issuer, audience: config.issuer, nowSeconds: clock.nowSeconds() });
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

export async function publicKeys(config: WrapperConfig): Promise<Result> {
  const keys = await keySet(config.signingKeySecretId);
  return json(200, keys.jwks, { 'cache-control': 'public, max-age=300' });
}

/** The discovery document. Cognito gets the endpoints explicitly too (it cannot run discovery here). */
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

// The wrapper's configuration, read and checked once at cold start: a missing or malformed variable
// fails loudly at load, never halfway through a sign-in.

import { GITHUB_LIMITS, type GitHubLimits } from './github';

export interface WrapperConfig {
  /** The wrapper's issuer URL (`https://<api>/oidc/github`): `iss` of its tokens, base of its endpoints. */
  issuer: string;
  /** The GitHub OAuth App's client id; also the OIDC client id Cognito is configured with (`aud`). */
  clientId: string;
  /** Secrets Manager id of the GitHub OAuth App's client secret (a plain string). */
  clientSecretId: string;
  /** Secrets Manager id of the RSA signing key: a private JWK, or a JWK Set whose first key signs. */
  signingKeySecretId: string;
  /** Exactly these redirect URIs are accepted (Cognito's `https://<domain>/oauth2/idpresponse`). */
  allowedRedirectUris: ReadonlySet<string>;
  githubOAuthUrl: string;
  githubApiUrl: string;
  /** Where GitHub sends the browser back: the GitHub OAuth App's callback URL. */
  callbackUrl: string;
  /** How long GitHub may take per call and per callback (the Lambda's timeout leaves room past it). */
  githubLimits: GitHubLimits;
}

function required(name: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`Environment variable ${name} must be set`);
  return value;
}

function url(name: string, value: string): string {
  try {
    return new URL(value).href.replace(/\/$/, '');
  } catch {
    throw new Error(`Environment variable ${name} must be an absolute URL`);
  }
}

export function readConfig(): WrapperConfig {
  const issuer = url('OIDC_ISSUER', required('OIDC_ISSUER'));
  const allowedRedirectUris = new Set(
    required('ALLOWED_REDIRECT_URIS')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  for (const uri of allowedRedirectUris) url('ALLOWED_REDIRECT_URIS', uri);
  return {
    issuer,
    clientId: required('GITHUB_CLIENT_ID'),
    clientSecretId: required('GITHUB_CLIENT_SECRET_ID'),
    signingKeySecretId: required('OIDC_SIGNING_KEY_SECRET_ID'),
    allowedRedirectUris,
    githubOAuthUrl: url('GITHUB_OAUTH_URL', process.env.GITHUB_OAUTH_URL?.trim() || 'https://github.com'),
    githubApiUrl: url('GITHUB_API_URL', process.env.GITHUB_API_URL?.trim() || 'https://api.github.com'),
    callbackUrl: `${issuer}/callback`,
    githubLimits: GITHUB_LIMITS,
  };
}

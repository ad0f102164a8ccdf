// Authentication: the bearer token is verified with aws-jwt-verify against the issuer's JWKS, in AWS
// (Cognito, behind API Gateway's JWT authorizer too) and locally (the local sign-in's JWKS, given to
// the same verifier with cacheJwks). Identity comes from verified claims only.

import { JwtVerifier } from 'aws-jwt-verify';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { oneLineName } from '../cognito/identities';
import { unauthenticated } from '../domain/errors';
import type { Identity } from '../domain/model';
import { email as emailSchema, ID_PATTERN } from '../domain/ids';

let verifier: ReturnType<typeof createVerifier> | undefined;

function createVerifier() {
  const issuer = process.env.JWT_ISSUER;
  const audience = process.env.JWT_AUDIENCE;
  if (!issuer || !audience) throw new Error('Environment variables JWT_ISSUER and JWT_AUDIENCE must be set');
  return JwtVerifier.create({
    issuer,
    audience,
    jwksUri: process.env.JWT_JWKS_URI ?? `${issuer}/.well-known/jwks.json`,
    // Cognito id tokens carry the verified e-mail; access tokens do not.
    customJwtCheck: ({ payload }) => {
      if (payload.token_use !== 'id') throw new Error('not an id token');
    },
  });
}

export function tokenVerifier() {
  verifier ??= createVerifier();
  return verifier;
}

/**
 * The identity in verified claims. Throws unauthenticated for anything missing, unverified or not
 * storable: the e-mail must be one the service can key on (functions/domain/ids.ts, at most 254
 * characters); the name is kept as one line of at most 100 characters.
 */
export function identityFromClaims(claims: JwtPayload): Identity {
  const sub = claims.sub;
  const parsed = emailSchema.safeParse(claims.email);
  const verified = claims.email_verified === true || claims.email_verified === 'true';
  if (!sub || !ID_PATTERN.test(sub)) throw unauthenticated('The token has no usable subject.');
  if (!parsed.success || !verified) throw unauthenticated('The token carries no verified, valid e-mail address.');
  const name = oneLineName(claims.name);
  const username = claims['cognito:username'];
  return {
    userId: sub,
    email: parsed.data,
    ...(name ? { name } : {}),
    ...providerOf(claims),
    ...(typeof claims.iat === 'number' ? { issuedAt: claims.iat } : {}),
    ...(typeof username === 'string' && username.length <= 256 ? { username } : {}),
  };
}

function providerOf(claims: JwtPayload): { provider?: string } {
  const identities = claims.identities;
  if (Array.isArray(identities)) {
    const first = identities[0] as { providerName?: unknown } | undefined;
    if (typeof first?.providerName === 'string') return { provider: first.providerName };
  }
  return {};
}

export async function authenticate(authorization: string | undefined): Promise<Identity> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) throw unauthenticated();
  let claims: JwtPayload;
  try {
    claims = await tokenVerifier().verify(match[1]);
  } catch {
    throw unauthenticated('The bearer token is invalid or expired. Sign in again.');
  }
  return identityFromClaims(claims);
}

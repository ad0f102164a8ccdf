// The wrapper's RSA signing key (RS256): signs id and access tokens, publishes the public half as
// JWKS. The secret holds a private JWK, or a JWK Set whose FIRST key signs while every key is
// published (rotation: prepend the new key, drop the old one after the longest token lifetime).

import { calculateJwkThumbprint, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { secretString } from './secrets';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

export interface KeySet {
  signingKey: CryptoKey;
  signingKid: string;
  /** Public keys by kid, for verifying our own access tokens. */
  verifyKeys: Map<string, CryptoKey>;
  jwks: { keys: JWK[] };
}

let loaded: Promise<KeySet> | undefined;

export function keySet(secretId: string): Promise<KeySet> {
  loaded ??= parseKeySet(secretId).catch((err: unknown) => {
    loaded = undefined;
    throw err;
  });
  return loaded;
}

async function parseKeySet(secretId: string): Promise<KeySet> {
  const parsed = JSON.parse(await secretString(secretId)) as JWK | { keys: JWK[] };
  const privateJwks = 'keys' in parsed && Array.isArray(parsed.keys) ? parsed.keys : [parsed as JWK];
  if (privateJwks.length === 0) throw new Error('The signing key secret holds no key');
  const publicJwks: JWK[] = [];
  const verifyKeys = new Map<string, CryptoKey>();
  for (const jwk of privateJwks) {
    if (jwk.kty !== 'RSA' || !jwk.d) throw new Error('The signing key secret must hold private RSA JWKs');
    const pub: JWK = Object.fromEntries(Object.entries(jwk).filter(([k]) => !(PRIVATE_MEMBERS as readonly string[]).includes(k)));
    const kid = jwk.kid ?? (await calculateJwkThumbprint(pub));
    const published: JWK = { kty: 'RSA', n: pub.n, e: pub.e, kid, alg: 'RS256', use: 'sig' };
    publicJwks.push(published);
    verifyKeys.set(kid, (await importJWK(published, 'RS256')) as CryptoKey);
  }
  const first = privateJwks[0]!;
  return {
    signingKey: (await importJWK({ ...first, alg: 'RS256' }, 'RS256')) as CryptoKey,
    signingKid: publicJwks[0]!.kid!,
    verifyKeys,
    jwks: { keys: publicJwks },
  };
}

export interface TokenInput {
  issuer: string;
  audience: string;
  subject: string;
  issuedAt: number;
  expiresAt: number;
  /** `JWT` for id tokens, `at+jwt` for access tokens (RFC 9068), so neither passes for the other. */
  type: 'JWT' | 'at+jwt';
  claims: JWTPayload;
}

export async function signToken(keys: KeySet, input: TokenInput): Promise<string> {
  return new SignJWT(input.claims)
    .setProtectedHeader({ alg: 'RS256', kid: keys.signingKid, typ: input.type })
    .setIssuer(input.issuer)
    .setAudience(input.audience)
    .setSubject(input.subject)
    .setIssuedAt(input.issuedAt)
    .setExpirationTime(input.expiresAt)
    .sign(keys.signingKey);
}

/** Verify one of our access tokens; throws for anything else (an id token, another issuer, expired). */
export async function verifyAccessToken(keys: KeySet, token: string, options: { issuer: string; audience: string; nowSeconds: number }) {
  const { payload } = await jwtVerify(
    token,
    async (header) => {
      const key = header.kid ? keys.verifyKeys.get(header.kid) : undefined;
      if (!key) throw new Error('unknown key');
      return key;
    },
    {
      issuer: options.issuer,
      audience: options.audience,
      typ: 'at+jwt',
      algorithms: ['RS256'],
      currentDate: new Date(options.nowSeconds * 1000),
    },
  );
  return payload;
}

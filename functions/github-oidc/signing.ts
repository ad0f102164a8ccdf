// The wrapper's RSA signing key (RS256). Only the token endpoint reads the private key: it signs id
// and access tokens, and publishes the public halves (flow.ts), which the JWKS and userinfo endpoints
// read without ever holding the private key. The secret holds a private JWK, or a JWK Set whose FIRST
// key signs while every key is published (rotation: prepend the new key, drop the old one later).

import { calculateJwkThumbprint, createLocalJWKSet, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { secretString } from './secrets';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

export interface KeySet {
  signingKey: CryptoKey;
  signingKid: string;
  /** The public halves of every key in the secret (`kty`, `n`, `e`, `kid`, `alg`, `use` only). */
  publicJwks: JWK[];
}

let loaded: { text: string; keys: Promise<KeySet> } | undefined;

/** The key set in the secret; parsed again only when the secret's value changed (secrets.ts TTL). */
export async function keySet(secretId: string): Promise<KeySet> {
  const text = await secretString(secretId);
  if (loaded?.text !== text) {
    const entry = { text, keys: parseKeySet(text) };
    entry.keys.catch(() => {
      if (loaded === entry) loaded = undefined;
    });
    loaded = entry;
  }
  return loaded.keys;
}

async function parseKeySet(text: string): Promise<KeySet> {
  const parsed = JSON.parse(text) as JWK | { keys: JWK[] };
  const privateJwks = 'keys' in parsed && Array.isArray(parsed.keys) ? parsed.keys : [parsed as JWK];
  if (privateJwks.length === 0) throw new Error('The signing key secret holds no key');
  const publicJwks: JWK[] = [];
  for (const jwk of privateJwks) {
    if (jwk.kty !== 'RSA' || !jwk.d) throw new Error('The signing key secret must hold private RSA JWKs');
    const pub: JWK = Object.fromEntries(Object.entries(jwk).filter(([k]) => !(PRIVATE_MEMBERS as readonly string[]).includes(k)));
    const kid = jwk.kid ?? (await calculateJwkThumbprint(pub));
    publicJwks.push(publicJwk({ kty: 'RSA', n: pub.n, e: pub.e, kid }));
  }
  const first = privateJwks[0]!;
  return {
    signingKey: (await importJWK({ ...first, alg: 'RS256' }, 'RS256')) as CryptoKey,
    signingKid: publicJwks[0]!.kid!,
    publicJwks,
  };
}

/** Exactly the members a published RS256 verification key has: never a private member. */
export function publicJwk(jwk: JWK): JWK {
  return { kty: 'RSA', n: jwk.n, e: jwk.e, kid: jwk.kid, alg: 'RS256', use: 'sig' };
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

/**
 * Verify one of our access tokens against published public keys; throws for anything else (an id
 * token, another issuer, an unknown key, expired).
 */
export async function verifyAccessToken(publicKeys: JWK[], token: string, options: { issuer: string; audience: string; nowSeconds: number }) {
  const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: publicKeys.map(publicJwk) }), {
    issuer: options.issuer,
    audience: options.audience,
    typ: 'at+jwt',
    algorithms: ['RS256'],
    currentDate: new Date(options.nowSeconds * 1000),
  });
  return payload;
}

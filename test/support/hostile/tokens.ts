// Bearer tokens that must all be refused with 401: missing, malformed, forged (payload edited, signature
// kept), tampered signature, expired (signed by the real local key 13 hours ago), signed by another
// issuer's fresh RSA key (same kid and unknown kid), alg "none", and HS256 keyed with the public key.

import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createHmac } from 'node:crypto';
import { vi } from 'vitest';
import type { Harness } from '../harness';

export interface HostileToken {
  kind: string;
  /** The Authorization header to send; undefined sends none. */
  header: string | undefined;
}

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** A token issued by the harness signer at a past (or future) moment: the real key, a wrong time. */
export async function tokenIssuedAt(h: Harness, email: string, at: Date): Promise<string> {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(at);
    return await h.signer.issue({ email, provider: 'Google' });
  } finally {
    vi.useRealTimers();
  }
}

export async function hostileTokens(h: Harness, valid: { token: string; email: string }): Promise<HostileToken[]> {
  const [header, payload, signature] = valid.token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const kid = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid: string }).kid;

  const expired = await tokenIssuedAt(h, valid.email, new Date(Date.now() - 13 * 3600 * 1000));
  const other = await generateKeyPair('RS256', { extractable: true });
  const signOther = (kidOf: string, extra: Record<string, unknown> = {}, issuer = String(claims.iss)) =>
    new SignJWT({ ...claims, ...extra })
      .setProtectedHeader({ alg: 'RS256', kid: kidOf })
      .setIssuer(issuer)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(other.privateKey);
  const publicJwk = await exportJWK(other.publicKey);
  const forgedPayload = b64url(JSON.stringify({ ...claims, email: 'root@example.com', sub: 'someone-else' }));
  const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
  const noneToken = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
  const hsHeader = b64url(JSON.stringify({ alg: 'HS256', kid, typ: 'JWT' }));
  const hsSig = createHmac('sha256', JSON.stringify(h.signer.jwks.keys[0])).update(`${hsHeader}.${payload}`).digest('base64url');

  const bearer = (t: string) => `Bearer ${t}`;
  return [
    { kind: 'missing', header: undefined },
    { kind: 'empty-bearer', header: 'Bearer ' },
    { kind: 'basic-scheme', header: `Basic ${b64url('admin:admin')}` },
    { kind: 'garbage', header: bearer('not-a-jwt') },
    { kind: 'three-garbage-parts', header: bearer('a.b.c') },
    { kind: 'two-tokens', header: `${bearer(valid.token)} ${valid.token}` },
    { kind: 'forged-payload', header: bearer(`${header}.${forgedPayload}.${signature}`) },
    { kind: 'tampered-signature', header: bearer(`${header}.${payload}.${flipped}`) },
    { kind: 'expired-real-key', header: bearer(expired) },
    { kind: 'other-issuer-same-kid', header: bearer(await signOther(kid, {}, 'https://evil.example.com')) },
    { kind: 'other-key-same-issuer-same-kid', header: bearer(await signOther(kid)) },
    { kind: 'other-key-unknown-kid', header: bearer(await signOther('attacker-kid')) },
    { kind: 'alg-none', header: bearer(noneToken) },
    { kind: 'hs256-with-public-key', header: bearer(`${hsHeader}.${payload}.${hsSig}`) },
    { kind: 'huge-token', header: bearer('a'.repeat(6000)) },
    { kind: 'jwk-public-key-as-token', header: bearer(b64url(JSON.stringify(publicJwk))) },
  ];
}

// The local sign-in: it issues id tokens with the claims Cognito would give (sub, email,
// email_verified, identities, token_use 'id'), signed with a local RSA key whose JWKS is handed to the
// same aws-jwt-verify verifier that checks Cognito tokens in AWS.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

export interface LocalSigner {
  jwks: { keys: JWK[] };
  issue: (input: { email: string; provider: 'Google' | 'GitHub'; name?: string }) => Promise<string>;
}

const KID = 'org-access-local-1';

/** The user id Cognito would give: stable per e-mail, so Google and GitHub for one address are one user. */
export function localSub(email: string): string {
  const h = createHash('sha256').update(`org-access-local:${email}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function createLocalSigner(options: { issuer: string; audience: string; keyFile?: string }): Promise<LocalSigner> {
  const { privateJwk, publicJwk } = await loadOrCreateKey(options.keyFile);
  const privateKey = await importJWK(privateJwk, 'RS256');
  return {
    jwks: { keys: [{ ...publicJwk, kid: KID, alg: 'RS256', use: 'sig' }] },
    issue: async ({ email, provider, name }) => {
      const normalized = email.trim().toLowerCase();
      const sub = localSub(normalized);
      return new SignJWT({
        email: normalized,
        email_verified: true,
        ...(name ? { name } : {}),
        token_use: 'id',
        'cognito:username': `${provider}_${sub}`,
        identities: [{ userId: sub, providerName: provider, providerType: provider === 'Google' ? 'Google' : 'OIDC', primary: 'true', dateCreated: Date.now() }],
      })
        .setProtectedHeader({ alg: 'RS256', kid: KID })
        .setSubject(sub)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt()
        .setExpirationTime('12h')
        .sign(privateKey);
    },
  };
}

async function loadOrCreateKey(keyFile?: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  if (keyFile && existsSync(keyFile)) return JSON.parse(readFileSync(keyFile, 'utf8'));
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const pair = { privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
  if (keyFile) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, JSON.stringify(pair), { mode: 0o600 });
  }
  return pair;
}

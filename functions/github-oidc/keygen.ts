// Creates the wrapper's signing key: a private RSA JWK (2048 bits, RS256) with a thumbprint kid,
// the value to store in the OIDC_SIGNING_KEY_SECRET_ID secret. Run once per environment:
//   npx tsx functions/github-oidc/keygen.ts > key.json
//   aws secretsmanager put-secret-value --secret-id <id> --secret-string file://key.json && rm key.json
// Rotation: store {"keys": [<new>, <old>]} (the first key signs, both are published), later drop <old>.

import { pathToFileURL } from 'node:url';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export async function generateSigningJwk(): Promise<JWK> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(await generateSigningJwk())}\n`);
}

// Secrets the wrapper needs (the GitHub client secret, the signing key), read from Secrets Manager
// and kept per container for at most SECRET_CACHE_TTL_MS, so a changed secret applies within that
// time without a redeploy (docs/deploy.md, rotation). The SDK honours AWS_ENDPOINT_URL_SECRETS_MANAGER,
// so tests point it at a local fake and this code path stays the one that runs in AWS.

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** How long a container uses a secret it read before reading it again. */
export const SECRET_CACHE_TTL_MS = 5 * 60 * 1000;

const client = new SecretsManagerClient({ maxAttempts: 3 });
// Real time, not the service clock: the test clock moves expiry, not cache lifetimes.
const cache = new Map<string, { value: Promise<string | undefined>; readAt: number }>();

/** The secret's current string value; a failed read is not cached, so the next request tries again. */
export async function secretString(secretId: string): Promise<string> {
  const value = await read(secretId, 'AWSCURRENT');
  if (value === undefined) throw new Error(`Secret ${secretId} has no string value`);
  return value;
}

/**
 * The value the secret had before its last change (Secrets Manager's AWSPREVIOUS stage), if any: during
 * a rotation Cognito still presents the previous client secret until its provider is updated.
 */
export function previousSecretString(secretId: string): Promise<string | undefined> {
  return read(secretId, 'AWSPREVIOUS');
}

function read(secretId: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<string | undefined> {
  const key = `${stage}:${secretId}`;
  const cached = cache.get(key);
  if (cached && Date.now() - cached.readAt < SECRET_CACHE_TTL_MS) return cached.value;
  const value = client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage })).then(
    (out) => out.SecretString,
    (err: unknown) => {
      // A secret that was never changed has no previous version.
      if (stage === 'AWSPREVIOUS' && (err as Error).name === 'ResourceNotFoundException') return undefined;
      throw err;
    },
  );
  const entry = { value, readAt: Date.now() };
  value.catch(() => {
    if (cache.get(key) === entry) cache.delete(key);
  });
  cache.set(key, entry);
  return value;
}

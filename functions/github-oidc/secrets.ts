// Secrets the wrapper needs (the GitHub client secret, the signing key), read from Secrets Manager
// and kept per container for at most SECRET_CACHE_TTL_MS, so a changed secret applies within that
// time without a redeploy (docs/deploy.md, rotation). The SDK honours AWS_ENDPOINT_URL_SECRETS_MANAGER,
// so tests point it at a local fake and this code path stays the one that runs in AWS.

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** How long a container uses a secret it read before reading it again. */
export const SECRET_CACHE_TTL_MS = 5 * 60 * 1000;

const client = new SecretsManagerClient({ maxAttempts: 3 });
// Real time, not the service clock: the test clock moves expiry, not cache lifetimes.
interface Version {
  value: string | undefined;
  /** When this version was stored (epoch ms), if Secrets Manager said. */
  createdAt?: number;
}
const cache = new Map<string, { value: Promise<Version | undefined>; readAt: number }>();

/** How long after a change the previous value still passes: time to finish a rotation (docs/deploy.md). */
export const PREVIOUS_SECRET_WINDOW_MS = 24 * 3600 * 1000;

/** The secret's current string value; a failed read is not cached, so the next request tries again. */
export async function secretString(secretId: string): Promise<string> {
  const value = (await read(secretId, 'AWSCURRENT'))?.value;
  if (value === undefined) throw new Error(`Secret ${secretId} has no string value`);
  return value;
}

/**
 * The value the secret had before its last change (Secrets Manager's AWSPREVIOUS stage), while that
 * change is recent (PREVIOUS_SECRET_WINDOW_MS): during a rotation Cognito still presents the previous
 * client secret until its provider is updated. Later, or when the change's time is unknown, none: a
 * value rotated out (perhaps because it leaked) stops passing by itself.
 */
export async function previousSecretString(secretId: string): Promise<string | undefined> {
  const current = await read(secretId, 'AWSCURRENT');
  if (current?.createdAt === undefined || Date.now() - current.createdAt > PREVIOUS_SECRET_WINDOW_MS) return undefined;
  return (await read(secretId, 'AWSPREVIOUS'))?.value;
}

function read(secretId: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<Version | undefined> {
  const key = `${stage}:${secretId}`;
  const cached = cache.get(key);
  if (cached && Date.now() - cached.readAt < SECRET_CACHE_TTL_MS) return cached.value;
  const value = client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage })).then(
    (out): Version => ({ value: out.SecretString, ...(out.CreatedDate ? { createdAt: out.CreatedDate.getTime() } : {}) }),
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

// Secrets the wrapper needs (the GitHub client secret, the signing key), read from Secrets Manager
// once per container. The SDK honours AWS_ENDPOINT_URL_SECRETS_MANAGER, so tests point it at a local
// fake and this code path stays the one that runs in AWS.

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({ maxAttempts: 3 });
const cache = new Map<string, Promise<string>>();

/** The secret's string value; a failed read is not cached, so the next request tries again. */
export function secretString(secretId: string): Promise<string> {
  let value = cache.get(secretId);
  if (!value) {
    value = client.send(new GetSecretValueCommand({ SecretId: secretId })).then((out) => {
      if (!out.SecretString) throw new Error(`Secret ${secretId} has no string value`);
      return out.SecretString;
    });
    value.catch(() => cache.delete(secretId));
    cache.set(secretId, value);
  }
  return value;
}

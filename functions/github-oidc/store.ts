// The wrapper's items. Keys come from functions/store/keys.ts. The two short-lived ones are found by
// the SHA-256 of a random secret (the short state, the authorization code), so table readers learn
// nothing they could replay. Each is consumed by one conditional Delete: one use, refused once expired
// (expiry is decided on read from `expiresAt`; the TTL attribute only cleans up). The third kind are
// the public halves of the signing keys, published by the token endpoint for the JWKS.

import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { JWK } from 'jose';
import { queryAll } from '../store/paging';
import { dynamo, table } from '../store/client';
import { keys } from '../store/keys';
import { TABLE } from '../store/table';

/** Cognito's authorize request, remembered under the short state sent to GitHub. */
export interface PendingSignIn {
  clientId: string;
  redirectUri: string;
  /** Cognito's own (long) state, handed back to it unchanged. */
  cognitoState: string;
  nonce?: string;
  expiresAt: number;
}

/** What an authorization code stands for, until Cognito redeems it at the token endpoint. */
export interface IssuedCode {
  clientId: string;
  redirectUri: string;
  nonce?: string;
  sub: string;
  email: string;
  name?: string;
  login: string;
  authTime: number;
  expiresAt: number;
}

/** Housekeeping delay past expiry before DynamoDB TTL may delete the item. */
const TTL_GRACE_SECONDS = 3600;

/** Remember a pending sign-in under the hash of its short state. */
export async function putPendingSignIn(stateHash: string, pending: PendingSignIn): Promise<void> {
  await dynamo.send(
    new PutCommand({
      TableName: table(),
      Item: { ...keys.oidcState(stateHash), type: 'OidcState', ...pending, [TABLE.ttlAttribute]: pending.expiresAt + TTL_GRACE_SECONDS },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
}

/** Take the pending sign-in for a short state: undefined if unknown, used or expired. */
export async function takePendingSignIn(stateHash: string, nowSeconds: number): Promise<PendingSignIn | undefined> {
  const item = await takeItem(keys.oidcState(stateHash), nowSeconds);
  if (!item) return undefined;
  return {
    clientId: item.clientId as string,
    redirectUri: item.redirectUri as string,
    cognitoState: item.cognitoState as string,
    ...(item.nonce ? { nonce: item.nonce as string } : {}),
    expiresAt: item.expiresAt as number,
  };
}

/** Remember an issued authorization code under its hash. */
export async function putIssuedCode(codeHash: string, code: IssuedCode): Promise<void> {
  await dynamo.send(
    new PutCommand({
      TableName: table(),
      Item: { ...keys.oidcCode(codeHash), type: 'OidcCode', ...code, [TABLE.ttlAttribute]: code.expiresAt + TTL_GRACE_SECONDS },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
}

/** Redeem an authorization code: undefined if unknown, already redeemed or expired. */
export async function takeIssuedCode(codeHash: string, nowSeconds: number): Promise<IssuedCode | undefined> {
  const item = await takeItem(keys.oidcCode(codeHash), nowSeconds);
  if (!item) return undefined;
  return {
    clientId: item.clientId as string,
    redirectUri: item.redirectUri as string,
    ...(item.nonce ? { nonce: item.nonce as string } : {}),
    sub: item.sub as string,
    email: item.email as string,
    ...(item.name ? { name: item.name as string } : {}),
    login: item.login as string,
    authTime: item.authTime as number,
    expiresAt: item.expiresAt as number,
  };
}

/**
 * Publish (or refresh) the public half of each signing key: one item per key id, stamped with the
 * time, so a key nobody signs with any more drops out of the JWKS by itself (listPublishedKeys).
 */
export async function publishPublicKeys(publicJwks: JWK[], nowSeconds: number, lifetimeSeconds: number): Promise<void> {
  await Promise.all(
    publicJwks.map((jwk) =>
      dynamo.send(
        new PutCommand({
          TableName: table(),
          Item: {
            ...keys.oidcPublicKey(jwk.kid!),
            type: 'OidcPublicKey',
            jwk,
            publishedAt: nowSeconds,
            [TABLE.ttlAttribute]: nowSeconds + lifetimeSeconds + TTL_GRACE_SECONDS,
          },
        }),
      ),
    ),
  );
}

/**
 * The public keys published within `lifetimeSeconds` (one strongly consistent Query: a key the token
 * endpoint published a moment ago is already there when Cognito fetches the JWKS).
 */
export async function listPublishedKeys(nowSeconds: number, lifetimeSeconds: number): Promise<JWK[]> {
  const items = await queryAll({
    TableName: table(),
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.oidcPublicKey('').PK },
    ConsistentRead: true,
  });
  return items.filter((item) => (item.publishedAt as number) + lifetimeSeconds > nowSeconds).map((item) => item.jwk as JWK);
}

/** Delete-and-return in one request, only while unexpired: two concurrent takes, one wins. */
async function takeItem(key: { PK: string; SK: string }, nowSeconds: number): Promise<Record<string, unknown> | undefined> {
  try {
    const out = await dynamo.send(
      new DeleteCommand({
        TableName: table(),
        Key: key,
        ConditionExpression: 'attribute_exists(PK) AND expiresAt > :now',
        ExpressionAttributeValues: { ':now': nowSeconds },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out.Attributes;
  } catch (err) {
    if ((err as Error).name === 'ConditionalCheckFailedException') return undefined;
    throw err;
  }
}

// Cognito post-confirmation trigger: on a user's first sign-in, create their profile and Default
// Organization (they are its Administrator) with the same operation GET /v1/me runs, so whichever
// comes first, the result is one user with one Default Organization. Idempotent.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import type { Identity } from '../domain/model';
import { ID_PATTERN } from '../domain/ids';
import { logger } from '../http/logger';
import { ensureUser } from '../operations/orgs';
import { firstIdentityProvider, isVerified, normalizeEmail, oneLineName, parseFederatedUserName } from './identities';

export const handler = middy<PostConfirmationTriggerEvent, PostConfirmationTriggerEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(postConfirmation);

async function postConfirmation(event: PostConfirmationTriggerEvent): Promise<PostConfirmationTriggerEvent> {
  if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event;
  const identity = identityOf(event);
  if (!identity) {
    // No verified e-mail: the API refuses such tokens anyway; nothing to create.
    logger.warn('confirmed user without a usable identity: no profile created', { userPoolId: event.userPoolId });
    return event;
  }
  // A conflict (the e-mail belongs to another account) fails this sign-in with its message.
  await ensureUser(identity);
  return event;
}

/** The identity the API will see in this user's id tokens, from the pool's attributes. */
export function identityOf(event: PostConfirmationTriggerEvent): Identity | undefined {
  const attributes = event.request.userAttributes ?? {};
  const userId = attributes.sub;
  const email = normalizeEmail(attributes.email);
  if (!userId || !ID_PATTERN.test(userId) || !email || !isVerified(attributes.email_verified)) return undefined;
  const name = oneLineName(attributes.name);
  const provider = firstIdentityProvider(attributes.identities) ?? parseFederatedUserName(event.userName)?.providerName;
  return { userId, email, ...(name ? { name } : {}), ...(provider ? { provider } : {}) };
}

// Cognito pre-sign-up trigger: a federated sign-in whose VERIFIED e-mail already belongs to a user
// of the pool is linked to that user (AdminLinkProviderForUser), so Google and GitHub for one
// address are one user with one `sub`. Unverified e-mails are never linked: an unverified address
// would otherwise take over the account that owns it.
//
// Known Cognito behaviour: after the link is made here, the sign-in that triggered it fails once
// with "Already found an entry for username <Provider>_<id>" (Cognito still tries to create the new
// user); the next attempt signs in as the linked user. The console's sign-in page retries once on
// that message.
//
// Finding the user with the address: the pool keeps each provider's casing of the e-mail (Google may
// send `Ann@Example.com`) and ListUsers' `email = "…"` filter is documented as an exact match, so the
// lookup asks for the address as this provider sent it and lower-cased, and, casing aside, for the user
// whose `sub` the service's own e-mail claim (`EMAIL#<normalized>`, written at first sign-in) names;
// it compares normalized.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import {
  AdminLinkProviderForUserCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { PreSignUpTriggerEvent } from 'aws-lambda';
import { logger } from '../http/logger';
import { getUserIdByEmail } from '../store/orgs';
import { countIdentities, decideLink, isVerified, normalizeEmail, parseFederatedUserName, type PoolUser } from './identities';

// The SDK honours AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER (tests point it at a local fake).
const cognito = new CognitoIdentityProviderClient({ maxAttempts: 3 });

export const handler = middy<PreSignUpTriggerEvent, PreSignUpTriggerEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(preSignUp);

async function preSignUp(event: PreSignUpTriggerEvent): Promise<PreSignUpTriggerEvent> {
  if (event.triggerSource !== 'PreSignUp_ExternalProvider') return event;
  const attributes = event.request.userAttributes ?? {};
  const email = normalizeEmail(attributes.email);
  if (!email || !isVerified(attributes.email_verified)) {
    logger.info('federated sign-up without a verified e-mail: not linked', { userPoolId: event.userPoolId });
    return event;
  }
  const source = parseFederatedUserName(event.userName);
  if (!source) {
    logger.warn('federated sign-up from an unknown provider: not linked', { userPoolId: event.userPoolId });
    return event;
  }

  const candidates = await usersWithEmail(event.userPoolId, [attributes.email!.trim(), email]);
  const owner = await getUserIdByEmail(email);
  if (owner && !candidates.some((u) => u.sub === owner)) candidates.push(...(await usersWithFilter(event.userPoolId, `sub = "${escapeFilter(owner)}"`)));
  const decision = decideLink(event.userName, email, candidates);
  if (decision.kind === 'refuse') throw new Error(decision.message);
  if (decision.kind === 'link') {
    await cognito.send(
      new AdminLinkProviderForUserCommand({
        UserPoolId: event.userPoolId,
        DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: decision.destination.username },
        SourceUser: { ProviderName: source.providerName, ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: source.providerUserId },
      }),
    );
    logger.info('federated identity linked to the existing user', { userPoolId: event.userPoolId, provider: source.providerName });
    return event;
  }
  // A new user whose provider verified the address: no confirmation step, e-mail marked verified.
  event.response.autoConfirmUser = true;
  event.response.autoVerifyEmail = true;
  return event;
}

/**
 * The pool's users with any of these forms of the e-mail, each user once (one ListUsers per distinct
 * form; quotes and backslashes escaped in the filter).
 */
async function usersWithEmail(userPoolId: string, forms: string[]): Promise<PoolUser[]> {
  const byUsername = new Map<string, PoolUser>();
  for (const form of new Set(forms)) {
    for (const user of await usersWithFilter(userPoolId, `email = "${escapeFilter(form)}"`)) byUsername.set(user.username, user);
  }
  return [...byUsername.values()];
}

const escapeFilter = (value: string) => value.replace(/["\\]/g, (c) => `\\${c}`);

async function usersWithFilter(userPoolId: string, filter: string): Promise<PoolUser[]> {
  const out = await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId, Filter: filter, Limit: 10 }));
  return (out.Users ?? []).map(toPoolUser);
}

function toPoolUser(user: UserType): PoolUser {
  const attribute = (name: string) => user.Attributes?.find((a) => a.Name === name)?.Value;
  const email = attribute('email');
  const sub = attribute('sub');
  return {
    username: user.Username ?? '',
    ...(sub ? { sub } : {}),
    ...(email ? { email } : {}),
    ...(user.UserStatus ? { status: user.UserStatus } : {}),
    enabled: user.Enabled !== false,
    emailVerified: isVerified(attribute('email_verified')),
    linkedIdentities: countIdentities(attribute('identities')),
    ...(user.UserCreateDate ? { createdAt: user.UserCreateDate } : {}),
  };
}

// Cognito pre-sign-up trigger: a federated sign-in whose VERIFIED e-mail already belongs to a user
// of the pool is linked to that user (AdminLinkProviderForUser), so Google and GitHub for one
// address are one user with one `sub`. Unverified e-mails are never linked: an unverified address
// would otherwise take over the account that owns it.
//
// Known Cognito behaviour: after the link is made here, the sign-in that triggered it fails once
// with "Already found an entry for username <Provider>_<id>" (Cognito still tries to create the new
// user); the next attempt signs in as the linked user. The console's sign-in page retries once on
// that message.

import {
  AdminLinkProviderForUserCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { PreSignUpTriggerEvent } from 'aws-lambda';
import { logger } from '../http/logger';
import { countIdentities, decideLink, isVerified, normalizeEmail, parseFederatedUserName, type PoolUser } from './identities';

// The SDK honours AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER (tests point it at a local fake).
const cognito = new CognitoIdentityProviderClient({ maxAttempts: 3 });

export const handler = async (event: PreSignUpTriggerEvent): Promise<PreSignUpTriggerEvent> => {
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

  const decision = decideLink(event.userName, await usersWithEmail(event.userPoolId, email));
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
};

/** The pool's users with this e-mail (ListUsers filter; quotes and backslashes escaped). */
async function usersWithEmail(userPoolId: string, email: string): Promise<PoolUser[]> {
  const filter = `email = "${email.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  const out = await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId, Filter: filter, Limit: 10 }));
  return (out.Users ?? []).map(toPoolUser);
}

function toPoolUser(user: UserType): PoolUser {
  const attribute = (name: string) => user.Attributes?.find((a) => a.Name === name)?.Value;
  return {
    username: user.Username ?? '',
    ...(user.UserStatus ? { status: user.UserStatus } : {}),
    enabled: user.Enabled !== false,
    emailVerified: isVerified(attribute('email_verified')),
    linkedIdentities: countIdentities(attribute('identities')),
    ...(user.UserCreateDate ? { createdAt: user.UserCreateDate } : {}),
  };
}

// The identity directory's side of deleting an account: in AWS the Cognito user goes (with every
// identity linked to it), so the next sign-in starts a new account. The local runtime has no
// directory (USER_POOL_ID is not set there): its sign-in issues tokens without one.

import { AdminDeleteUserCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

const userPoolId = process.env.USER_POOL_ID;
const cognito = userPoolId ? new CognitoIdentityProviderClient({ maxAttempts: 3 }) : undefined;

/** Delete the user from the directory; one already gone is fine. */
export async function deleteFromDirectory(username: string | undefined): Promise<void> {
  if (!cognito || !userPoolId || !username) return;
  try {
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: username }));
  } catch (err) {
    if ((err as Error).name !== 'UserNotFoundException') throw err;
  }
}

// A fake Cognito user pool API (ListUsers with an `email = "..."` or `sub = "..."` filter, AdminLinkProviderForUser)
// over the AWS JSON protocol, recording each call's X-Amz-Target and body. Linking adds the source
// identity to the destination's `identities` attribute, as Cognito does.
//
// E-mail matching, from Cognito's documentation: the ListUsers API reference calls `=` an exact
// match and marks no case rule for `email`; users keep the e-mail as their provider sent it. The
// user-pool case-sensitivity guide says e-mail is case-insensitive in case-insensitive pools (ours).
// The two disagree, so the fake does both: 'exact' (the default, the stricter reading: the stored
// value must equal the filter's) and 'case-insensitive'. The trigger must link under either.

import { AwsError, startFakeAwsService, type FakeAwsService } from './fake-aws';

export interface FakePoolUser {
  username: string;
  /** The user's sub; by default derived from the username. */
  sub?: string;
  email: string;
  emailVerified?: boolean;
  status?: string;
  /** Linked external identities: [{providerName, userId}]. */
  identities?: { providerName: string; userId: string }[];
}

const subOf = (u: FakePoolUser) => u.sub ?? `sub-${u.username}`;

export type EmailMatching = 'exact' | 'case-insensitive';

export interface FakeCognito extends FakeAwsService {
  users: FakePoolUser[];
  /** How ListUsers' `email = "…"` compares (see the header); tests may switch it. */
  emailMatching: EmailMatching;
  /** Calls of one operation. */
  callsOf: (operation: string) => any[];
}

/** A pool user fixture; by default a Google user with a verified e-mail. */
export function poolUser(overrides: Partial<FakePoolUser> & { email: string }): FakePoolUser {
  const id = Math.floor(Math.random() * 1e12).toString();
  return {
    username: `Google_${id}`,
    emailVerified: true,
    status: 'EXTERNAL_PROVIDER',
    identities: [{ providerName: 'Google', userId: id }],
    ...overrides,
  };
}

export async function startFakeCognito(users: FakePoolUser[] = [], emailMatching: EmailMatching = 'exact'): Promise<FakeCognito> {
  const service = await startFakeAwsService({
    ListUsers: (body: { UserPoolId?: string; Filter?: string }) => {
      if (!body.UserPoolId) throw new AwsError('InvalidParameterException', 'UserPoolId is required');
      const match = /^(email|sub) = "((?:[^"\\]|\\.)*)"$/.exec(body.Filter ?? '');
      if (!match) throw new AwsError('InvalidParameterException', 'The fake supports only the filters email = "..." and sub = "..."');
      const value = match[2]!.replace(/\\(.)/g, '$1');
      const matches = (u: FakePoolUser) =>
        match[1] === 'sub' ? subOf(u) === value : fake.emailMatching === 'exact' ? u.email === value : u.email.toLowerCase() === value.toLowerCase();
      return {
        Users: fake.users
          .filter(matches)
          .map((u) => ({
            Username: u.username,
            UserStatus: u.status ?? 'CONFIRMED',
            Enabled: true,
            UserCreateDate: 1_700_000_000,
            Attributes: [
              { Name: 'sub', Value: subOf(u) },
              { Name: 'email', Value: u.email },
              { Name: 'email_verified', Value: String(u.emailVerified ?? false) },
              ...(u.identities?.length
                ? [{ Name: 'identities', Value: JSON.stringify(u.identities.map((i) => ({ ...i, providerType: 'OIDC', primary: 'false', dateCreated: 1 }))) }]
                : []),
            ],
          })),
      };
    },
    AdminLinkProviderForUser: (body: any) => {
      const destination = fake.users.find((u) => u.username === body.DestinationUser?.ProviderAttributeValue);
      if (!destination || body.DestinationUser?.ProviderName !== 'Cognito') throw new AwsError('UserNotFoundException', 'User does not exist.');
      if ((destination.identities?.length ?? 0) >= 5) throw new AwsError('LimitExceededException', 'Too many identities linked.');
      destination.identities = [...(destination.identities ?? []), { providerName: body.SourceUser.ProviderName, userId: body.SourceUser.ProviderAttributeValue }];
      return {};
    },
  });
  const fake: FakeCognito = {
    ...service,
    users,
    emailMatching,
    callsOf: (operation) => service.calls.filter((c) => c.operation === operation).map((c) => c.body),
  };
  return fake;
}

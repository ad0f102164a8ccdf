// The Cognito triggers with Cognito event fixtures: pre-sign-up against a fake Cognito API (the
// linking calls checked against the API's shape: X-Amz-Target and JSON body), post-confirmation
// against DynamoDB Local, checked through GET /v1/me of the local server. Also what the API makes of
// the claims of a verified token (functions/http/auth.ts), seen through GET /v1/me.

import { randomBytes } from 'node:crypto';
import type { Context, PostConfirmationTriggerEvent, PreSignUpTriggerEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { decideLink } from '../../functions/cognito/identities';
import { localSub } from '../../local/sign-in';
import { lambdaContext } from '../support/fake-aws';
import { startFakeCognito, poolUser, type FakeCognito } from '../support/fake-cognito';
import { harness, type Harness } from '../support/harness';

const POOL = 'us-east-1_TestPool1';

type Trigger<E> = (event: E, context: Context) => Promise<E>;
let cognito: FakeCognito;
let preSignUpHandler: Trigger<PreSignUpTriggerEvent>;
let postConfirmationHandler: Trigger<PostConfirmationTriggerEvent>;
let h: Harness;
/** Invoke as Lambda does: with a context (its request id goes into the logs). */
const preSignUp = (event: PreSignUpTriggerEvent, requestId?: string) => preSignUpHandler(event, lambdaContext('PreSignUp', requestId));
const postConfirmation = (event: PostConfirmationTriggerEvent, requestId?: string) =>
  postConfirmationHandler(event, lambdaContext('PostConfirmation', requestId));

beforeAll(async () => {
  cognito = await startFakeCognito();
  process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER = cognito.url;
  ({ handler: preSignUpHandler } = await import('../../functions/cognito/pre-sign-up'));
  ({ handler: postConfirmationHandler } = await import('../../functions/cognito/post-confirmation'));
  h = await harness();
});

afterAll(async () => {
  await cognito.close();
  await h.close();
});

beforeEach(() => {
  cognito.calls.length = 0;
  cognito.users.length = 0;
  cognito.emailMatching = 'exact';
});

const uniqueEmail = (prefix = 'user') => `${prefix}-${randomBytes(5).toString('hex')}@example.com`;

/** A PreSignUp_ExternalProvider event as Cognito sends it for a first federated sign-in. */
function preSignUpEvent(overrides: { userName?: string; attributes?: Record<string, string>; triggerSource?: string } = {}): PreSignUpTriggerEvent {
  return {
    version: '1',
    region: 'us-east-1',
    userPoolId: POOL,
    userName: overrides.userName ?? 'GitHub_583231',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'app-client-id' },
    triggerSource: (overrides.triggerSource ?? 'PreSignUp_ExternalProvider') as 'PreSignUp_ExternalProvider',
    request: { userAttributes: { email: 'ann@example.com', email_verified: 'true', name: 'Ann', ...overrides.attributes } },
    response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
  };
}

/** A PostConfirmation_ConfirmSignUp event for a federated user's first sign-in. */
function postConfirmationEvent(overrides: { email?: string; sub?: string; attributes?: Record<string, string>; triggerSource?: string } = {}): PostConfirmationTriggerEvent {
  const email = overrides.email ?? uniqueEmail();
  const sub = overrides.sub ?? localSub(email.toLowerCase());
  return {
    version: '1',
    region: 'us-east-1',
    userPoolId: POOL,
    userName: 'GitHub_583231',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'app-client-id' },
    triggerSource: (overrides.triggerSource ?? 'PostConfirmation_ConfirmSignUp') as 'PostConfirmation_ConfirmSignUp',
    request: {
      userAttributes: {
        sub,
        email,
        email_verified: 'true',
        name: 'Ann Example',
        'cognito:user_status': 'EXTERNAL_PROVIDER',
        identities: JSON.stringify([{ userId: '583231', providerName: 'GitHub', providerType: 'OIDC', issuer: null, primary: true, dateCreated: 1700000000000 }]),
        ...overrides.attributes,
      },
    },
    response: {},
  };
}

describe('pre-sign-up', () => {
  it('links a federated identity to the existing user with the same verified e-mail', async () => {
    const existing = poolUser({ email: 'ann@example.com', username: 'Google_1098765' });
    cognito.users.push(existing);
    const event = preSignUpEvent({ userName: 'GitHub_583231', attributes: { email: 'Ann@Example.com' } });
    const result = await preSignUp(event);

    // The address as this provider sent it, then lower-cased (the stored one is lower case here).
    expect(cognito.calls.map((c) => c.target)).toEqual([
      'AWSCognitoIdentityProviderService.ListUsers',
      'AWSCognitoIdentityProviderService.ListUsers',
      'AWSCognitoIdentityProviderService.AdminLinkProviderForUser',
    ]);
    expect(cognito.callsOf('ListUsers').map((c) => c.Filter)).toEqual(['email = "Ann@Example.com"', 'email = "ann@example.com"']);
    expect(cognito.callsOf('ListUsers')[0]).toMatchObject({ UserPoolId: POOL });
    expect(cognito.callsOf('AdminLinkProviderForUser')[0]).toEqual({
      UserPoolId: POOL,
      DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'Google_1098765' },
      SourceUser: { ProviderName: 'GitHub', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: '583231' },
    });
    expect(existing.identities?.map((i) => i.providerName)).toEqual(['Google', 'GitHub']);
    // Returned unchanged: Cognito then fails this first attempt once ("Already found an entry for username").
    expect(result.response).toEqual({ autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false });
  });

  it('links to a user whose address the pool keeps in its provider\'s casing (exact ListUsers matching)', async () => {
    // Google sent Ann.Smith@Example.com and the pool kept it so; the lower-cased form alone finds nobody.
    const existing = poolUser({ email: 'Ann.Smith@Example.com', username: 'Google_5550001' });
    cognito.users.push(existing);
    await preSignUp(preSignUpEvent({ userName: 'GitHub_4242', attributes: { email: 'Ann.Smith@Example.com' } }));
    expect(cognito.callsOf('ListUsers').map((c) => c.Filter)).toEqual(['email = "Ann.Smith@Example.com"', 'email = "ann.smith@example.com"']);
    expect(cognito.callsOf('AdminLinkProviderForUser')).toEqual([
      expect.objectContaining({ DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'Google_5550001' } }),
    ]);
    expect(existing.identities?.map((i) => i.providerName)).toEqual(['Google', 'GitHub']);
  });

  it('links once when case-insensitive matching finds the mixed-case user under both forms', async () => {
    cognito.emailMatching = 'case-insensitive';
    cognito.users.push(poolUser({ email: 'Ann.Smith@Example.com', username: 'Google_5550002' }));
    await preSignUp(preSignUpEvent({ userName: 'GitHub_4243', attributes: { email: 'ANN.SMITH@example.com' } }));
    expect(cognito.callsOf('ListUsers')).toHaveLength(2);
    expect(cognito.callsOf('AdminLinkProviderForUser')).toEqual([
      expect.objectContaining({ DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'Google_5550002' } }),
    ]);
  });

  it('asks once when the address is already lower case, and finds a mixed-case user with case-insensitive matching', async () => {
    cognito.emailMatching = 'case-insensitive';
    cognito.users.push(poolUser({ email: 'Ann@Example.com', username: 'Google_5550003' }));
    // The GitHub wrapper sends the address lower-cased.
    await preSignUp(preSignUpEvent({ userName: 'GitHub_4244', attributes: { email: 'ann@example.com' } }));
    expect(cognito.callsOf('ListUsers').map((c) => c.Filter)).toEqual(['email = "ann@example.com"']);
    expect(cognito.callsOf('AdminLinkProviderForUser')).toHaveLength(1);
  });

  it('links a lower-cased address to a mixed-case pool user through the service\'s e-mail claim (exact ListUsers matching)', async () => {
    // Google first, stored as Ann.Lee@Example.com; its first sign-in claimed ann.lee@example.com for its sub.
    const google = poolUser({ email: 'Ann.Lee@Example.com', username: 'Google_5550009', sub: 'sub-ann-lee-5550009' });
    cognito.users.push(google);
    const { ensureUser } = await import('../../functions/operations/orgs');
    await ensureUser({ userId: google.sub!, email: 'ann.lee@example.com' });
    // GitHub (the wrapper lower-cases) finds nobody by address, but the claim names the sub.
    await preSignUp(preSignUpEvent({ userName: 'GitHub_4249', attributes: { email: 'ann.lee@example.com' } }));
    expect(cognito.callsOf('ListUsers').map((c) => c.Filter)).toEqual(['email = "ann.lee@example.com"', 'sub = "sub-ann-lee-5550009"']);
    expect(cognito.callsOf('AdminLinkProviderForUser')).toEqual([
      expect.objectContaining({ DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'Google_5550009' } }),
    ]);
  });

  it('links only to a user whose address is the same once normalized', () => {
    const user = { username: 'Google_1', enabled: true, emailVerified: true, linkedIdentities: 1 };
    expect(decideLink('GitHub_2', 'Ann@Example.com', [{ ...user, email: 'ann@example.com' }])).toMatchObject({ kind: 'link' });
    expect(decideLink('GitHub_2', 'ann@example.com', [{ ...user, email: 'ann@example.org' }])).toEqual({ kind: 'none' });
    expect(decideLink('GitHub_2', 'ann@example.com', [user])).toEqual({ kind: 'none' });
  });

  it('parses a lower-cased provider prefix and links to the native user before a federated one', async () => {
    cognito.users.push(poolUser({ email: 'ann@example.com', username: 'GitHub_77' }));
    cognito.users.push(poolUser({ email: 'ann@example.com', username: 'ann', status: 'CONFIRMED', identities: [] }));
    await preSignUp(preSignUpEvent({ userName: 'google_112233445566' }));
    expect(cognito.callsOf('AdminLinkProviderForUser')[0]).toMatchObject({
      DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'ann' },
      SourceUser: { ProviderName: 'Google', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: '112233445566' },
    });
  });

  it('never looks up or links an unverified e-mail', async () => {
    cognito.users.push(poolUser({ email: 'ann@example.com' }));
    for (const email_verified of ['false', '']) {
      const result = await preSignUp(preSignUpEvent({ attributes: { email_verified } }));
      expect(result.response.autoVerifyEmail).toBe(false);
    }
    const { email_verified: _, ...withoutFlag } = preSignUpEvent().request.userAttributes;
    const event = preSignUpEvent();
    event.request.userAttributes = withoutFlag;
    await preSignUp(event);
    expect(cognito.calls).toEqual([]);
  });

  it('does not link to an existing user whose own e-mail is unverified', async () => {
    cognito.users.push(poolUser({ email: 'ann@example.com', emailVerified: false }));
    const result = await preSignUp(preSignUpEvent());
    expect(cognito.callsOf('ListUsers')).toHaveLength(1); // 'ann@example.com' is already lower case
    expect(cognito.callsOf('AdminLinkProviderForUser')).toEqual([]);
    expect(result.response).toMatchObject({ autoConfirmUser: true, autoVerifyEmail: true });
  });

  it('lets a new verified user sign up, confirmed and with the e-mail verified', async () => {
    const result = await preSignUp(preSignUpEvent({ attributes: { email: uniqueEmail() } }));
    expect(cognito.callsOf('ListUsers')).toHaveLength(1);
    expect(cognito.callsOf('AdminLinkProviderForUser')).toEqual([]);
    expect(result.response).toMatchObject({ autoConfirmUser: true, autoVerifyEmail: true });
  });

  it('refuses a sixth linked identity with a clear message', async () => {
    const identities = ['Google', 'A', 'B', 'C', 'D'].map((providerName, i) => ({ providerName, userId: String(i) }));
    cognito.users.push(poolUser({ email: 'ann@example.com', identities }));
    await expect(preSignUp(preSignUpEvent())).rejects.toThrow(/already has 5 linked sign-in providers/);
    expect(cognito.callsOf('AdminLinkProviderForUser')).toEqual([]);
  });

  it('ignores other trigger sources and addresses a filter could not express safely', async () => {
    await preSignUp(preSignUpEvent({ triggerSource: 'PreSignUp_AdminCreateUser' }));
    await preSignUp(preSignUpEvent({ attributes: { email: 'ann" or email ^= "@example.com' } }));
    expect(cognito.calls).toEqual([]);
  });
});

describe('post-confirmation', () => {
  it('creates nothing for an address the API would refuse in a token (so no profile is left that no token can reach)', async () => {
    const { getUser } = await import('../../functions/store/orgs');
    for (const email of ['first..last@example.com', 'jörg@example.de']) {
      const event = postConfirmationEvent({ email, sub: `sub-refused-${randomBytes(4).toString('hex')}` });
      await postConfirmation(event);
      expect(await getUser(event.request.userAttributes.sub!), email).toBeUndefined();
    }
  });

  it('creates the profile and a Default Organization with the user as Administrator', async () => {
    const email = uniqueEmail('Ann');
    const event = postConfirmationEvent({ email });
    expect(await postConfirmation(event)).toBe(event);

    // The same user signs in to the API (the local sign-in gives the same sub for the e-mail).
    const token = await h.signer.issue({ email, provider: 'GitHub' });
    const me = await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<any>);
    expect(me.user).toMatchObject({ userId: event.request.userAttributes.sub, email: email.toLowerCase(), name: 'Ann Example', providers: ['GitHub'] });
    expect(me.organizations).toEqual([expect.objectContaining({ name: 'Default Organization', role: 'Administrator' })]);
  });

  it('is idempotent: run twice (and concurrently) it leaves one user with one Default Organization', async () => {
    const event = postConfirmationEvent();
    await postConfirmation(event);
    await Promise.all([postConfirmation(event), postConfirmation(event)]);
    const { listUserMemberships, getUser } = await import('../../functions/store/orgs');
    const userId = event.request.userAttributes.sub!;
    expect(await getUser(userId)).toMatchObject({ userId, providers: ['GitHub'] });
    const memberships = await listUserMemberships(userId);
    expect(memberships).toHaveLength(1);
    expect(memberships[0]).toMatchObject({ role: 'Administrator' });
  });

  it('creates nothing for an unverified e-mail or another trigger source', async () => {
    const { getUser } = await import('../../functions/store/orgs');
    const unverified = postConfirmationEvent({ attributes: { email_verified: 'false' } });
    await postConfirmation(unverified);
    expect(await getUser(unverified.request.userAttributes.sub!)).toBeUndefined();
    const forgot = postConfirmationEvent({ triggerSource: 'PostConfirmation_ConfirmForgotPassword' });
    await postConfirmation(forgot);
    expect(await getUser(forgot.request.userAttributes.sub!)).toBeUndefined();
  });
});

describe('trigger logs', () => {
  it('carry each invocation\'s own request id, also when another trigger logged before', async () => {
    const lines: string[] = [];
    const capture = ((chunk: unknown) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      return true;
    }) as typeof process.stdout.write;
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      // Both log a warning (the tests' log level): an unknown provider, then a user without a verified e-mail.
      await preSignUp(preSignUpEvent({ userName: 'Twitter_123' }), 'request-pre-sign-up');
      await postConfirmation(postConfirmationEvent({ attributes: { email_verified: 'false' } }), 'request-post-confirmation');
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    const entries = lines
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const pre = entries.find((e) => String(e.message).includes('unknown provider'));
    const post = entries.find((e) => String(e.message).includes('without a usable identity'));
    expect(pre).toMatchObject({ function_request_id: 'request-pre-sign-up', function_name: 'PreSignUp' });
    expect(post).toMatchObject({ function_request_id: 'request-post-confirmation', function_name: 'PostConfirmation' });
  });
});

describe('claims of a verified token (functions/http/auth.ts)', () => {
  it('refuses an e-mail too long to key on with 401, not a 500', async () => {
    const email = `${'a'.repeat(2088)}@example.com`;
    expect(email.length).toBe(2100);
    const token = await h.signer.issue({ email, provider: 'Google' });
    const res = await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });

  it('refuses a token whose e-mail is no address', async () => {
    const token = await h.signer.issue({ email: 'not an address', provider: 'GitHub' });
    expect((await fetch(`${h.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('keeps a long, multi-line name as one line of at most 100 characters', async () => {
    const user = await h.user({ name: `Ann\nExample\t\u0007 ${'x'.repeat(300)}` });
    const me = await user.api('GET', '/v1/me');
    expect(me.status).toBe(200);
    const name = me.body.user.name as string;
    expect(name).toMatch(/^Ann Example x+$/);
    expect(name).toHaveLength(100);
  });

  it('post-confirmation stores the same one-line, capped name', async () => {
    const email = uniqueEmail('Lines');
    const event = postConfirmationEvent({ email, attributes: { name: `Ann\r\nExample ${'y'.repeat(300)}` } });
    await postConfirmation(event);
    const { getUser } = await import('../../functions/store/orgs');
    const stored = await getUser(event.request.userAttributes.sub!);
    expect(stored?.name).toMatch(/^Ann Example y+$/);
    expect(stored?.name).toHaveLength(100);
  });
});

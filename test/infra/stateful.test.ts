// The stateful stack: the table, the user pool with Google and GitHub, the triggers, mail, alarms.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLE } from '../../functions/store/table';
import { alarmDeliveryProblems, derived, exampleConfig, findCycle, resourcesOf, synthesize, type Synthesized } from './support';

let s: Synthesized;
let t: Template;
beforeAll(() => {
  s = synthesize('stateful');
  t = s.templates.stateful!;
});
afterAll(() => s?.cleanup());

const ref = (logicalIdPrefix: string, template = s.json.OrgAccessStateful!) => {
  const found = Object.keys(template.Resources).filter((id) => new RegExp(`^${logicalIdPrefix}[0-9A-F]{8}$`).test(id));
  expect(found, logicalIdPrefix).toHaveLength(1);
  return found[0]!;
};

describe('stateful stack', () => {
  it('passes cdk-nag AwsSolutions checks with no unacknowledged finding', () => {
    expect(s.nagFailure).toBeUndefined();
  });

  it('has no dependency cycle between its resources', () => {
    expect(findCycle(s.json.OrgAccessStateful!)).toBeUndefined();
  });

  it('declares the one table from functions/store/table.ts: on-demand, PK/SK, the three GSIs, TTL, PITR, deletion protection, encryption, retained', () => {
    t.resourceCountIs('AWS::DynamoDB::Table', 1);
    const keyAttributes = [TABLE.partitionKey, TABLE.sortKey, ...Object.values(TABLE.indexes).flatMap((i) => [i.partitionKey, i.sortKey])];
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'SK', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith(keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' }))),
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
        GlobalSecondaryIndexes: Object.entries(TABLE.indexes).map(([name, index]) => ({
          IndexName: name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    });
  });

  it('has a federated-only user pool that is retained and deletion-protected, with a hosted UI domain', () => {
    t.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        DeletionProtection: 'ACTIVE',
        Schema: Match.arrayWith([Match.objectLike({ Name: 'email', Required: true, Mutable: true })]),
      }),
    });
    t.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: exampleConfig.authDomainPrefix });
  });

  it('federates Google with its secret from Secrets Manager and maps e-mail and email_verified', () => {
    t.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', {
      ProviderName: 'Google',
      ProviderType: 'Google',
      ProviderDetails: Match.objectLike({
        client_id: exampleConfig.googleClientId,
        client_secret: `{{resolve:secretsmanager:${exampleConfig.googleClientSecretName}:SecretString:::}}`,
        authorize_scopes: 'openid email profile',
      }),
      AttributeMapping: Match.objectLike({ email: 'email', email_verified: 'email_verified' }),
    });
  });

  it('federates GitHub as OIDC through our wrapper with explicit endpoints and maps e-mail and email_verified', () => {
    const issuer = derived.githubIssuer;
    t.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', {
      ProviderName: 'GitHub',
      ProviderType: 'OIDC',
      ProviderDetails: Match.objectLike({
        client_id: exampleConfig.githubClientId,
        client_secret: `{{resolve:secretsmanager:${exampleConfig.githubClientSecretName}:SecretString:::}}`,
        oidc_issuer: issuer,
        authorize_url: `${issuer}/authorize`,
        token_url: `${issuer}/token`,
        attributes_url: `${issuer}/userinfo`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        attributes_request_method: 'GET',
      }),
      AttributeMapping: Match.objectLike({ email: 'email', email_verified: 'email_verified' }),
    });
  });

  it('has a public console client: authorization code only, no secret, console callbacks, both providers', () => {
    t.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: Match.arrayWith(['openid', 'email']),
      CallbackURLs: derived.callbackUrls,
      LogoutURLs: derived.logoutUrls,
      SupportedIdentityProviders: Match.arrayWith(['Google', 'GitHub']),
      PreventUserExistenceErrors: 'ENABLED',
    });
    // The client is created after both providers exist.
    const [, client] = resourcesOf(s.json.OrgAccessStateful!, 'AWS::Cognito::UserPoolClient')[0]!;
    expect(client.DependsOn).toEqual(expect.arrayContaining([ref('Google'), ref('GitHub')]));
  });

  it('wires the pre-sign-up and post-confirmation triggers to their functions', () => {
    t.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: {
        PreSignUp: { 'Fn::GetAtt': [ref('PreSignUp'), 'Arn'] },
        PostConfirmation: { 'Fn::GetAtt': [ref('PostConfirmation'), 'Arn'] },
      },
    });
    t.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Description: Match.stringLikeRegexp('pre-sign-up') });
  });

  it('lets only pre-sign-up list users and link providers, on this pool only, through a policy outside the function', () => {
    const pool = ref('UserPool');
    const cognitoStatements = resourcesOf(s.json.OrgAccessStateful!, 'AWS::IAM::Policy').flatMap(([id, p]) =>
      ((p.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement)
        .filter((st) => [st.Action].flat().some((a) => a.startsWith('cognito-idp:')))
        .map((st) => ({ id, st, roles: p.Properties!.Roles })),
    );
    expect(cognitoStatements).toHaveLength(1);
    const [{ id, st, roles }] = cognitoStatements as [(typeof cognitoStatements)[number]];
    expect(id).toMatch(/^PreSignUpLinking/);
    expect([st.Action].flat().sort()).toEqual(['cognito-idp:AdminLinkProviderForUser', 'cognito-idp:ListUsers']);
    expect(st.Resource).toEqual({ 'Fn::GetAtt': [pool, 'Arn'] });
    expect(roles).toEqual([{ Ref: ref('PreSignUpRole') }]);
  });

  it('gives post-confirmation TABLE_NAME (its table actions are pinned with every function in stateless.test.ts)', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('post-confirmation'),
      Environment: { Variables: Match.objectLike({ TABLE_NAME: { Ref: ref('Table') } }) },
    });
  });

  it('sends mail from a domain identity whose configuration set reports bounces and complaints to a topic', () => {
    t.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: derived.mailDomain,
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: ref('MailConfigurationSet') } },
    });
    t.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: Match.arrayEquals(['bounce', 'complaint']),
        SnsDestination: { TopicARN: { Ref: ref('MailFeedbackTopic') } },
      }),
    });
    t.hasResourceProperties('AWS::SES::ConfigurationSet', { ReputationOptions: { ReputationMetricsEnabled: true } });
  });

  it('alarms on bounces and complaints and on the triggers, to an encrypted alarm topic', () => {
    const alarms = resourcesOf(s.json.OrgAccessStateful!, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!);
    const metrics = alarms.map((a) => `${a.Namespace}/${a.MetricName}`);
    expect(metrics).toEqual(expect.arrayContaining(['AWS/SNS/NumberOfMessagesPublished', 'AWS/SES/Reputation.BounceRate', 'AWS/SES/Reputation.ComplaintRate']));
    expect(metrics.filter((m) => m === 'AWS/Lambda/Errors')).toHaveLength(2);
    expect(metrics.filter((m) => m === 'AWS/Lambda/Throttles')).toHaveLength(2);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: ref('AlarmTopic') }]);
    for (const [, topic] of resourcesOf(s.json.OrgAccessStateful!, 'AWS::SNS::Topic')) expect(topic.Properties!.KmsMasterKeyId).toBeDefined();
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: exampleConfig.alarmEmail });
  });

  it('lets every alarm notify: alarm → topic → topic policy (CloudWatch, this account\'s alarms) → key policy', () => {
    const alarms = resourcesOf(s.json.OrgAccessStateful!, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const [id, alarm] of alarms) {
      const actions = alarm.Properties!.AlarmActions as unknown[];
      expect(actions.length, id).toBeGreaterThan(0);
      for (const action of actions) expect(alarmDeliveryProblems(s.json.OrgAccessStateful!, action), id).toEqual([]);
    }
    // The topic policy still refuses publishing without TLS.
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: ref('AlarmTopic') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('lets SES publish bounces and complaints to the feedback topic, through its key', () => {
    const cfn = s.json.OrgAccessStateful!;
    const feedback = ref('MailFeedbackTopic');
    const statements = resourcesOf(cfn, 'AWS::SNS::TopicPolicy')
      .filter(([, p]) => JSON.stringify(p.Properties!.Topics) === JSON.stringify([{ Ref: feedback }]))
      .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: { Effect: string; Principal: unknown; Action: string }[] }).Statement);
    expect(statements.some((st) => st.Effect === 'Allow' && st.Action === 'sns:Publish' && JSON.stringify(st.Principal) === '{"Service":"ses.amazonaws.com"}')).toBe(true);
    const keyId = (cfn.Resources[feedback]!.Properties!.KmsMasterKeyId as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const keyStatements = (cfn.Resources[keyId]!.Properties!.KeyPolicy as { Statement: { Principal: unknown; Action: string[] }[] }).Statement;
    const ses = keyStatements.find((st) => JSON.stringify(st.Principal) === '{"Service":"ses.amazonaws.com"}');
    expect(ses?.Action).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']));
  });

  it('gives the GitHub provider one issuer, with https, for the discovery URL and every endpoint', () => {
    const [, github] = resourcesOf(s.json.OrgAccessStateful!, 'AWS::Cognito::UserPoolIdentityProvider').find(([, p]) => p.Properties!.ProviderName === 'GitHub')!;
    const details = github.Properties!.ProviderDetails as Record<string, string>;
    expect(details.oidc_issuer).toBe(derived.githubIssuer);
    expect(details.oidc_issuer).toMatch(/^https:\/\/[^/]+\/oidc\/github$/);
    for (const key of ['authorize_url', 'token_url', 'attributes_url', 'jwks_uri']) expect(details[key]!.startsWith(`${details.oidc_issuer}/`), key).toBe(true);
  });
});

describe('client secrets pinned to a version (after a rotation)', () => {
  it('gives Cognito exactly that version, so the deploy changes the providers', () => {
    const google = '11111111-2222-3333-4444-555555555555';
    const github = '66666666-7777-8888-9999-000000000000';
    const pinned = synthesize('stateful', { ...exampleConfig, googleClientSecretVersion: google, githubClientSecretVersion: github });
    try {
      const providers = resourcesOf(pinned.json.OrgAccessStateful!, 'AWS::Cognito::UserPoolIdentityProvider').map(([, p]) => p.Properties!);
      const secretOf = (name: string) => (providers.find((p) => p.ProviderName === name)!.ProviderDetails as Record<string, string>).client_secret;
      expect(secretOf('Google')).toBe(`{{resolve:secretsmanager:${exampleConfig.googleClientSecretName}:SecretString:::${google}}}`);
      expect(secretOf('GitHub')).toBe(`{{resolve:secretsmanager:${exampleConfig.githubClientSecretName}:SecretString:::${github}}}`);
      expect(pinned.nagFailure).toBeUndefined();
    } finally {
      pinned.cleanup();
    }
  });
});

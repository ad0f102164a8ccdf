// The stateful stack: the table, the user pool with Google and GitHub, the triggers, mail, alarms.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLE } from '../../functions/store/table';
import { derived, exampleConfig, findCycle, resourcesOf, synthesize, type Synthesized } from './support';

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

  it('gives post-confirmation the table with the byPrincipal index and TABLE_NAME', () => {
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
});

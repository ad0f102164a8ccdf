// Stateful: what holds data or identity and must survive a redeploy of the code: the one table,
// the user pool with its identity providers, app client and triggers, the mail identity with its
// configuration set, the secrets (created by the operator, referenced by name) and the alarm topic.
//
// The Cognito triggers live here, not in the stateless stack: a user pool names its trigger
// functions in its own LambdaConfig, so triggers in the stateless stack would make this stack depend
// on that one while that one depends on this (table, pool): a cycle between stacks.

import { ArnFormat, CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { keys } from '../functions/store/keys';
import { TABLE } from '../functions/store/table';
import { derive, type OrgAccessConfig } from './config';
import { ServiceFunction, type TableAccess } from './constructs/service-function';

export interface StatefulStackProps extends StackProps {
  config: OrgAccessConfig;
}

/** What the stateless stack gets from this one (typed, passed by props). */
export interface StatefulResources {
  table: dynamodb.ITable;
  userPool: cognito.IUserPool;
  userPoolClient: cognito.IUserPoolClient;
  /** `https://cognito-idp.<region>.amazonaws.com/<poolId>`: iss of the pool's tokens. */
  jwtIssuer: string;
  /** Host of the hosted UI, `<prefix>.auth.<region>.amazoncognito.com`. */
  cognitoDomain: string;
  /** Cognito's redirect URI for identity providers (the GitHub wrapper accepts exactly this). */
  idpResponseUrl: string;
  mail: { mailFrom: string; identityArn: string; configurationSetName: string };
  secrets: { githubClientSecret: secretsmanager.ISecret; oidcSigningKey: secretsmanager.ISecret };
  alarmTopic: sns.ITopic;
}

export class StatefulStack extends Stack {
  readonly resources: StatefulResources;
  readonly table: dynamodb.Table;
  readonly userPool: cognito.UserPool;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const derived = derive(config);

    // ---- The one table (functions/store/table.ts) ----------------------------------------------
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const [indexName, index] of Object.entries(TABLE.indexes)) {
      table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    this.table = table;

    // ---- Notifications: one customer-managed key, because SES and CloudWatch cannot publish to a
    // topic encrypted with the AWS-managed SNS key. The publishing service calls KMS itself, so the
    // key policy names it too, not only the topic policy.
    const notificationsKey = new kms.Key(this, 'NotificationsKey', {
      description: 'org-access: encrypts the alarm and mail-feedback topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    for (const service of ['ses.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      notificationsKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `Publish${service.split('.')[0]}`,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          // In a key policy `*` means "this key": AWS requires it there.
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    }
    // enforceSSL makes CDK write the topic's policy (its deny-non-TLS statement), which replaces
    // SNS's default policy: every publisher must be allowed here, or its messages are dropped.
    const alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'org-access alarms',
      masterKey: notificationsKey,
      enforceSSL: true,
    });
    alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    if (config.alarmEmail) alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));

    // ---- Mail: the sender's domain identity and a configuration set that reports bounces and
    // complaints to a topic; the identity uses the set by default, so no send escapes it.
    const mailFeedbackTopic = new sns.Topic(this, 'MailFeedbackTopic', {
      displayName: 'org-access mail bounces and complaints',
      masterKey: notificationsKey,
      enforceSSL: true,
    });
    mailFeedbackTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SesPublishesFeedback',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [mailFeedbackTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    const configurationSet = new ses.ConfigurationSet(this, 'MailConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: ses.EventDestination.snsTopic(mailFeedbackTopic),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
    const identity = new ses.EmailIdentity(this, 'MailIdentity', {
      identity: ses.Identity.domain(derived.mailDomain),
      configurationSet,
    });
    const mailAlarm = (name: string, description: string, metric: cloudwatch.IMetric, threshold: number) =>
      new cloudwatch.Alarm(this, name, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(new SnsAction(alarmTopic));
    mailAlarm(
      'MailFeedbackAlarm',
      'org-access: invitation mail bounced or was marked as spam (SES feedback through the configuration set).',
      mailFeedbackTopic.metricNumberOfMessagesPublished({ period: Duration.hours(1), statistic: 'Sum' }),
      5,
    );
    // SES reviews accounts above 5 % bounces and 0.1 % complaints; warn before that.
    mailAlarm(
      'MailBounceRateAlarm',
      'org-access: the SES account bounce rate is above 4 % (SES reviews accounts above 5 %).',
      new cloudwatch.Metric({ namespace: 'AWS/SES', metricName: 'Reputation.BounceRate', statistic: 'Maximum', period: Duration.hours(1) }),
      0.04,
    );
    mailAlarm(
      'MailComplaintRateAlarm',
      'org-access: the SES account complaint rate is above 0.08 % (SES reviews accounts above 0.1 %).',
      new cloudwatch.Metric({ namespace: 'AWS/SES', metricName: 'Reputation.ComplaintRate', statistic: 'Maximum', period: Duration.hours(1) }),
      0.0008,
    );

    // ---- Secrets: created by the operator before the first deploy (docs/deploy.md), because
    // CloudFormation resolves the identity providers' client secrets at deploy time.
    const secretRef = (id: string, name: string) => secretsmanager.Secret.fromSecretNameV2(this, id, name);
    const githubClientSecret = secretRef('GitHubClientSecret', config.githubClientSecretName);
    const oidcSigningKey = secretRef('OidcSigningKey', config.oidcSigningKeySecretName);

    // ---- Users: federated sign-in only ----------------------------------------------------------
    const userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false, // no native sign-up; federated users are still created on first sign-in
      // Usernames are Cognito's `<Provider>_<id>`; e-mail is an attribute, so Google and GitHub users
      // with one address can exist until pre-sign-up links them (no alias uniqueness to trip over).
      signInAliases: { username: true },
      signInCaseSensitive: false,
      standardAttributes: {
        email: { required: true, mutable: true }, // mutable: the providers refresh it on every sign-in
        fullname: { required: false, mutable: true },
      },
      accountRecovery: cognito.AccountRecovery.NONE,
      passwordPolicy: { minLength: 16, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.userPool = userPool;
    const domain = userPool.addDomain('HostedUi', { cognitoDomain: { domainPrefix: config.authDomainPrefix } });
    const cognitoDomain = `${config.authDomainPrefix}.auth.${this.region}.amazoncognito.com`;

    const google = new cognito.UserPoolIdentityProviderGoogle(this, 'Google', {
      userPool,
      clientId: config.googleClientId,
      clientSecretValue: providerSecret(config.googleClientSecretName, config.googleClientSecretVersion),
      scopes: ['openid', 'email', 'profile'],
      attributeMapping: {
        email: cognito.ProviderAttribute.GOOGLE_EMAIL,
        emailVerified: cognito.ProviderAttribute.GOOGLE_EMAIL_VERIFIED,
        fullname: cognito.ProviderAttribute.GOOGLE_NAME,
      },
    });
    // GitHub speaks OAuth 2, not OIDC: our wrapper (functions/github-oidc) is the OIDC provider.
    // Cognito cannot run discovery against it, so every endpoint is given. The wrapper checks
    // Cognito's client credentials against the GitHub OAuth App's, so they are the same.
    const github = new cognito.UserPoolIdentityProviderOidc(this, 'GitHub', {
      userPool,
      name: 'GitHub',
      clientId: config.githubClientId,
      clientSecret: providerSecret(config.githubClientSecretName, config.githubClientSecretVersion).unsafeUnwrap(), // a {{resolve:secretsmanager}} reference, never the value
      issuerUrl: derived.githubIssuer,
      attributeRequestMethod: cognito.OidcAttributeRequestMethod.GET,
      scopes: ['openid', 'email', 'profile'],
      endpoints: {
        authorization: `${derived.githubIssuer}/authorize`,
        token: `${derived.githubIssuer}/token`,
        userInfo: `${derived.githubIssuer}/userinfo`,
        jwksUri: `${derived.githubIssuer}/.well-known/jwks.json`,
      },
      attributeMapping: {
        email: cognito.ProviderAttribute.other('email'),
        emailVerified: cognito.ProviderAttribute.other('email_verified'),
        fullname: cognito.ProviderAttribute.other('name'),
      },
    });

    // The console: a public client (no secret) using the authorization-code flow with PKCE.
    // Cognito allows no wildcard callback URLs, so the invite link signs in through the console's
    // callback and returns to the invitation with returnTo (web/src/auth.ts).
    const userPoolClient = userPool.addClient('Console', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: derived.callbackUrls,
        logoutUrls: derived.logoutUrls,
      },
      supportedIdentityProviders: [
        cognito.UserPoolClientIdentityProvider.GOOGLE,
        cognito.UserPoolClientIdentityProvider.custom('GitHub'),
      ],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    userPoolClient.node.addDependency(google, github);

    // ---- Triggers ------------------------------------------------------------------------------
    const preSignUp = new ServiceFunction(this, 'PreSignUp', {
      entry: 'functions/cognito/pre-sign-up.ts',
      description: 'org-access Cognito pre-sign-up: links a federated identity to the user with the same verified e-mail',
    }).useTable(table, PRE_SIGN_UP_TABLE_ACCESS);
    const postConfirmation = new ServiceFunction(this, 'PostConfirmation', {
      entry: 'functions/cognito/post-confirmation.ts',
      description: 'org-access Cognito post-confirmation: creates the profile and the Default Organization',
    }).useTable(table, POST_CONFIRMATION_TABLE_ACCESS);
    userPool.addTrigger(cognito.UserPoolOperation.PRE_SIGN_UP, preSignUp);
    userPool.addTrigger(cognito.UserPoolOperation.POST_CONFIRMATION, postConfirmation);
    // The pool names the function and the function's permission names the pool: granting through
    // the function's default policy (which the function depends on) would close a cycle. A separate
    // policy attached to the role depends on both and nothing depends on it. The ARN is built from the
    // pool id so the grant stays on this one pool.
    new iam.Policy(this, 'PreSignUpLinking', {
      roles: [preSignUp.serviceRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['cognito-idp:ListUsers', 'cognito-idp:AdminLinkProviderForUser'],
          resources: [userPool.userPoolArn],
        }),
      ],
    });
    preSignUp.alarmOn(alarmTopic);
    postConfirmation.alarmOn(alarmTopic);

    // ---- Outputs the operator needs --------------------------------------------------------------
    new CfnOutput(this, 'CognitoDomain', { value: cognitoDomain, description: 'Hosted UI domain' });
    new CfnOutput(this, 'GoogleRedirectUri', {
      value: `${domain.baseUrl()}/oauth2/idpresponse`,
      description: 'Authorized redirect URI of the Google OAuth client',
    });
    new CfnOutput(this, 'GitHubCallbackUrl', {
      value: `${derived.githubIssuer}/callback`,
      description: 'Authorization callback URL of the GitHub OAuth App',
    });
    identity.dkimRecords.forEach((record, i) =>
      new CfnOutput(this, `MailDkimRecord${i + 1}`, { value: `${record.name} CNAME ${record.value}`, description: 'DNS record that verifies the mail domain (Easy DKIM)' }),
    );

    this.resources = {
      table,
      userPool,
      userPoolClient,
      jwtIssuer: userPool.userPoolProviderUrl,
      cognitoDomain,
      idpResponseUrl: `https://${cognitoDomain}/oauth2/idpresponse`,
      mail: { mailFrom: config.mailFrom, identityArn: identity.emailIdentityArn, configurationSetName: configurationSet.configurationSetName },
      secrets: { githubClientSecret, oidcSigningKey },
      alarmTopic,
    };

    this.acknowledgeFindings(userPool, preSignUp, postConfirmation);
  }

  /** cdk-nag findings that are decisions, each with its reason, on the narrowest construct. */
  private acknowledgeFindings(userPool: cognito.UserPool, ...triggers: ServiceFunction[]) {
    Validations.of(userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          'Sign-in is federated only (Google, GitHub): no native sign-up and no app client with a password flow, so no one signs in to the pool with a password and Cognito has no sign-in of its own to add MFA to. Whether a second factor is required is the identity provider\'s policy, for the organization to enforce there (Google Workspace 2-Step Verification, a GitHub organization\'s 2FA requirement); this service does not check it.',
      },
      {
        id: 'AwsSolutions-COG3',
        reason: 'Threat protection (advanced security) applies to native sign-ins; this pool has none, and it needs the Plus plan.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason: 'The Plus feature plan buys threat protection for native sign-ins, which this federated-only pool does not have.',
      },
    );
    for (const fn of triggers) acknowledgeRuntime(fn);
  }
}

/** Post-confirmation creates the profile and the Default Organization (functions/operations/orgs.ts ensureUser). */
export const POST_CONFIRMATION_TABLE_ACCESS: TableAccess = { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] };
/** Pre-sign-up reads one kind of item: the e-mail claim naming the user an address belongs to. */
export const PRE_SIGN_UP_TABLE_ACCESS: TableAccess = { actions: ['dynamodb:GetItem'], partitionKeys: [`${keys.email('').PK}*`] };

/**
 * A provider's client secret as a CloudFormation dynamic reference. CloudFormation resolves it only
 * when the provider resource changes, and the reference string does not change when the secret does:
 * pinning a version (docs/deploy.md, rotation) is what makes a deploy push a new secret to Cognito.
 */
function providerSecret(name: string, versionId: string | undefined): SecretValue {
  return SecretValue.secretsManager(name, versionId ? { versionId } : {});
}

/** L1 wants the newest runtime; the project pins nodejs22.x (issue 6) until it moves as a whole. */
export function acknowledgeRuntime(fn: ServiceFunction) {
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'The project pins nodejs22.x for every function (one runtime across the service, tested in CI); upgrades move all functions at once.',
  });
}

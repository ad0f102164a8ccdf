// Stateless: the code and how it is reached. One Lambda per route group of the route table, the
// GitHub OIDC wrapper (one Lambda per endpoint), the HTTP API with its JWT authorizer, throttling
// and access log, the scheduled cleanup with its dead-letter queue, alarms, and the console on
// CloudFront. Everything here can be destroyed and redeployed without losing data.

import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { GROUP_ENTRY, type RouteGroup } from '../functions/http/route';
import { GITHUB_LIMITS } from '../functions/github-oidc/github';
import { GITHUB_OIDC_ENTRY, githubOidcRoutes } from '../functions/github-oidc/routes';
import { routes } from '../functions/routes';
import { keys } from '../functions/store/keys';
import { derive, type OrgAccessConfig } from './config';
import { ConsoleHosting } from './constructs/console-hosting';
import { ServiceFunction, type TableAccess, type TableAction } from './constructs/service-function';
import { ENV } from './environment';
import { acknowledgeRuntime, type StatefulResources } from './stateful-stack';

export interface StatelessStackProps extends StackProps {
  config: OrgAccessConfig;
  stateful: StatefulResources;
  /** web/dist; omitted in template tests, where only config.json is deployed. */
  consoleAssetsPath?: string;
}

/** The reads every /v1 group makes through the shared stack: the caller's access (org item, one Query). */
const ACCESS_READS: TableAction[] = ['dynamodb:GetItem', 'dynamodb:Query'];

/**
 * What each route group's Lambda may touch: exactly the table actions its code reaches (the tests
 * bundle each entry and compare). A Record over every group, so a new group does not compile until
 * someone decides. Indexes: byScope lists who holds a role on a scope, byPrincipal what a user
 * belongs to and the invitations to an e-mail, byExpiry the cleanup's.
 */
export const GROUP_PERMISSIONS: Record<RouteGroup, { table?: TableAccess; mail?: true; directory?: true }> = {
  // first call creates profile + Default Organization; lists the caller's orgs and invitations;
  // deleting the account leaves (or deletes) every org and deletes the directory's user
  me: {
    table: {
      actions: [...ACCESS_READS, 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:BatchWriteItem'],
      indexes: ['byPrincipal', 'byScope'],
    },
    directory: true,
  },
  orgs: {
    table: { actions: [...ACCESS_READS, 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'], indexes: ['byScope'] },
  },
  members: {
    table: {
      actions: [...ACCESS_READS, 'dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
      indexes: ['byScope'],
    },
  },
  invitations: {
    table: { actions: [...ACCESS_READS, 'dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] },
    mail: true,
  },
  apps: { table: { actions: [...ACCESS_READS, 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], indexes: ['byScope'] } },
  teams: {
    table: { actions: [...ACCESS_READS, 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'] },
  },
  roles: { table: { actions: [...ACCESS_READS, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] } },
  authorize: { table: { actions: ACCESS_READS } }, // decisions only read
  meta: {}, // the OpenAPI document is built from the route table: no table, no TABLE_NAME
  inviteLink: { table: { actions: ACCESS_READS } }, // the invite page reads the invitation by token hash
};

/**
 * The cleanup job: expired invitations (byExpiry, its cursor item), and the sweep that finishes
 * deleted organizations and teams (byExpiry entries, their members by byScope, batch deletes) and
 * takes deleted accounts out of organizations the index showed late (byPrincipal, member removal).
 */
export const CLEANUP_TABLE_ACCESS: TableAccess = {
  actions: [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:BatchGetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
    'dynamodb:BatchWriteItem',
  ],
  // byPrincipal: the second look at a deleted account's memberships
  indexes: ['byExpiry', 'byScope', 'byPrincipal'],
};

/** How long a GitHub callback may run: the GitHub calls' shared deadline plus room to answer. */
export const GITHUB_CALLBACK_TIMEOUT = Duration.seconds(Math.ceil(GITHUB_LIMITS.totalMs / 1000) + 12);

type WrapperHandler = (typeof githubOidcRoutes)[number]['handler'];
/** Only the wrapper's own items, by partition key: the key builders' shapes, `*` for the hash. */
const OIDC_STATE = keys.oidcState('*').PK;
const OIDC_CODE = keys.oidcCode('*').PK;
const OIDC_PUBLIC_KEYS = keys.oidcPublicKey('*').PK;

/**
 * The GitHub wrapper's endpoints and what each may touch (functions/github-oidc/flow.ts). Keyed by
 * the route table's handler names: a new endpoint does not compile until this says what it gets.
 * Only the token endpoint reads the private signing key; it publishes the public halves, which the
 * JWKS and userinfo endpoints read from the table.
 */
export const WRAPPER_PERMISSIONS: Record<WrapperHandler, { table?: TableAccess[]; clientSecret?: true; signingKey?: true; timeout?: Duration }> = {
  // stores the pending sign-in under a short state
  authorize: { table: [{ actions: ['dynamodb:PutItem'], partitionKeys: [OIDC_STATE] }] },
  // takes the pending sign-in, swaps GitHub's code, stores ours
  callback: {
    table: [
      { actions: ['dynamodb:DeleteItem'], partitionKeys: [OIDC_STATE] },
      { actions: ['dynamodb:PutItem'], partitionKeys: [OIDC_CODE] },
    ],
    clientSecret: true,
    timeout: GITHUB_CALLBACK_TIMEOUT,
  },
  // takes the issued code, publishes the public keys, signs
  token: {
    table: [
      { actions: ['dynamodb:DeleteItem'], partitionKeys: [OIDC_CODE] },
      { actions: ['dynamodb:PutItem'], partitionKeys: [OIDC_PUBLIC_KEYS] },
    ],
    clientSecret: true,
    signingKey: true,
    timeout: Duration.seconds(20),
  },
  userinfo: { table: [{ actions: ['dynamodb:Query'], partitionKeys: [OIDC_PUBLIC_KEYS] }] },
  jwks: { table: [{ actions: ['dynamodb:Query'], partitionKeys: [OIDC_PUBLIC_KEYS] }] },
  openidConfiguration: {},
};

/** Stage throttling: a default, and stricter limits where a request costs mail or guesses tokens. */
export const THROTTLE = {
  default: { rateLimit: 50, burstLimit: 100 },
  overrides: [
    { why: 'each invitation sends an e-mail', match: (m: string, p: string) => p.startsWith('/v1/orgs/{orgId}/invitations') && m !== 'GET', rateLimit: 5, burstLimit: 10 },
    { why: 'public token lookups: slow down guessing', match: (_m: string, p: string) => p.startsWith('/v1/invitations/') || p.startsWith('/invite/'), rateLimit: 10, burstLimit: 20 },
    { why: 'sign-in through GitHub', match: (_m: string, p: string) => p.startsWith('/oidc/github/'), rateLimit: 10, burstLimit: 20 },
    { why: 'the decision other services ask for', match: (_m: string, p: string) => p.endsWith('/authorize') && p.startsWith('/v1/'), rateLimit: 200, burstLimit: 400 },
  ],
} as const;

export class StatelessStack extends Stack {
  readonly api: apigw.HttpApi;
  readonly functions: Record<string, ServiceFunction> = {};

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const derived = derive(config);
    const { table, alarmTopic } = stateful;
    const alarmAction = new SnsAction(alarmTopic);

    // ---- HTTP API --------------------------------------------------------------------------------
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'org-access: /v1 API, invite page, GitHub OIDC wrapper',
      createDefaultStage: false,
      // The console shares CloudFront's origin, so browsers need no CORS; this only admits the
      // console's origin should a browser reach the API endpoint directly.
      corsPreflight: {
        allowOrigins: [derived.consoleOrigin],
        allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST, apigw.CorsHttpMethod.PUT, apigw.CorsHttpMethod.PATCH, apigw.CorsHttpMethod.DELETE],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.hours(1),
      },
    });
    const stage = new apigw.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: THROTTLE.default,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        // The route template, never the raw path: invitation links carry their token in the path.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            user: '$context.authorizer.claims.sub',
          }),
        ),
      },
    });
    const authorizer = new HttpUserPoolAuthorizer('Cognito', stateful.userPool, {
      userPoolClients: [stateful.userPoolClient], // audience of the id tokens = the console's client id
      identitySource: ['$request.header.Authorization'],
    });

    // ---- One Lambda per route group, from the route table -----------------------------------------
    const apiEnvironment = {
      [ENV.publicUrl]: derived.publicUrl,
      [ENV.jwtIssuer]: stateful.jwtIssuer,
      [ENV.jwtAudience]: stateful.userPoolClient.userPoolClientId,
      [ENV.corsOrigin]: derived.consoleOrigin,
      [ENV.signInUrl]: derived.signInUrl,
    };
    const groups = [...new Set(routes.map((r) => r.group))];
    const integrations = new Map<RouteGroup, HttpLambdaIntegration>();
    for (const group of groups) {
      const needs = GROUP_PERMISSIONS[group];
      const fn = new ServiceFunction(this, fnId(group), {
        entry: GROUP_ENTRY[group],
        description: `org-access API: ${group} routes`,
        environment: apiEnvironment,
      });
      if (needs.table) fn.useTable(table, needs.table);
      if (needs.mail) fn.sendMail(stateful.mail);
      if (needs.directory) {
        fn.addEnvironment(ENV.userPoolId, stateful.userPool.userPoolId);
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['cognito-idp:AdminDeleteUser'], resources: [stateful.userPool.userPoolArn] }));
      }
      fn.alarmOn(alarmTopic);
      this.functions[group] = fn;
      integrations.set(group, new HttpLambdaIntegration(`${fnId(group)}Integration`, fn));
    }
    const apiRoutes: apigw.HttpRoute[] = [];
    for (const route of routes) {
      const added = this.api.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration: integrations.get(route.group)!,
        // 'none': the invitation preview, the OpenAPI document and the invite page.
        authorizer: route.auth === 'user' ? authorizer : new apigw.HttpNoneAuthorizer(),
      });
      if (route.auth === 'none') {
        for (const r of added) {
          Validations.of(r).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: `${route.method} ${route.path} is public by design (${route.summary}); the handler authorizes by a one-time token or serves public data.`,
          });
        }
      }
      apiRoutes.push(...added);
    }

    // ---- The GitHub OIDC wrapper: one Lambda per endpoint ----------------------------------------
    const wrapperEnvironment = {
      [ENV.oidcIssuer]: derived.githubIssuer,
      [ENV.githubClientId]: config.githubClientId,
      [ENV.allowedRedirectUris]: stateful.idpResponseUrl,
      // Named for every endpoint because the wrapper reads its whole configuration at load;
      // the grants below decide which endpoint may actually read which secret (only token reads
      // the signing key).
      [ENV.githubClientSecretId]: config.githubClientSecretName,
      [ENV.oidcSigningKeySecretId]: config.oidcSigningKeySecretName,
    };
    const wrapperIntegrations = new Map<string, HttpLambdaIntegration>();
    for (const route of githubOidcRoutes) {
      const id = `GitHubOidc${route.handler[0]!.toUpperCase()}${route.handler.slice(1)}`;
      const needs = WRAPPER_PERMISSIONS[route.handler];
      const fn = new ServiceFunction(this, id, {
        entry: GITHUB_OIDC_ENTRY,
        handler: route.handler,
        description: `org-access GitHub OIDC wrapper: ${route.method} ${route.path}`,
        environment: wrapperEnvironment,
        ...(needs.timeout ? { timeout: needs.timeout } : {}),
      });
      if (needs.table) fn.useTable(table, ...needs.table);
      if (needs.clientSecret) fn.readSecret(ENV.githubClientSecretId, stateful.secrets.githubClientSecret, config.githubClientSecretName);
      if (needs.signingKey) fn.readSecret(ENV.oidcSigningKeySecretId, stateful.secrets.oidcSigningKey, config.oidcSigningKeySecretName);
      fn.alarmOn(alarmTopic);
      this.functions[id] = fn;
      const integration = new HttpLambdaIntegration(`${id}Integration`, fn);
      wrapperIntegrations.set(route.handler, integration);
      const added = this.api.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration,
        authorizer: new apigw.HttpNoneAuthorizer(),
      });
      for (const r of added) {
        Validations.of(r).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.path} is an OpenID Connect endpoint called by browsers and Cognito; it authenticates with OAuth state, client credentials or its own access tokens.`,
        });
      }
      apiRoutes.push(...added);
    }

    // Per-route throttling (HTTP API route settings are stage properties keyed by route key).
    // CfnStage.routeSettings is untyped (`any`), so CDK passes the keys through: CloudFormation's names.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    const allRoutes = [...routes.map((r) => ({ method: r.method as string, path: r.path })), ...githubOidcRoutes];
    for (const r of allRoutes) {
      const rule = THROTTLE.overrides.find((o) => o.match(r.method, r.path));
      if (rule) routeSettings[`${r.method} ${r.path}`] = { ThrottlingRateLimit: rule.rateLimit, ThrottlingBurstLimit: rule.burstLimit };
    }
    const cfnStage = stage.node.defaultChild as apigw.CfnStage;
    cfnStage.routeSettings = routeSettings;
    for (const r of apiRoutes) stage.node.addDependency(r);

    // ---- Scheduled cleanup of expired invitations ------------------------------------------------
    const cleanupDlq = new sqs.Queue(this, 'CleanupDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const cleanup = new ServiceFunction(this, 'Cleanup', {
      entry: 'functions/jobs/cleanup.ts',
      description: 'org-access: marks expired invitations (byExpiry index, no Scan)',
      timeout: Duration.minutes(5),
      deadLetterQueue: cleanupDlq, // function errors after the async retries
      retryAttempts: 2,
    })
      .useTable(table, CLEANUP_TABLE_ACCESS)
      .alarmOn(alarmTopic);
    this.functions.cleanup = cleanup;
    new events.Rule(this, 'CleanupSchedule', {
      description: 'org-access: cleanup of expired invitations every 15 minutes',
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [
        new targets.LambdaFunction(cleanup, {
          deadLetterQueue: cleanupDlq, // events EventBridge could not deliver
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
    new cloudwatch.Alarm(this, 'CleanupDeadLettersAlarm', {
      alarmDescription: 'org-access: a cleanup run failed after its retries (messages in the dead-letter queue).',
      metric: cleanupDlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(alarmAction);
    new cloudwatch.Alarm(this, 'Api5xxAlarm', {
      alarmDescription: 'org-access: the HTTP API answered 5xx (handler crash, timeout or integration error).',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName: '5xx',
        dimensionsMap: { ApiId: this.api.apiId, Stage: '$default' },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(alarmAction);

    // ---- The console ------------------------------------------------------------------------------
    const hosting = new ConsoleHosting(this, 'Console', {
      domainName: config.domainName,
      certificateArn: config.certificateArn,
      apiEndpoint: this.api.apiEndpoint,
      cognitoDomain: stateful.cognitoDomain,
      consoleConfig: {
        mode: 'cognito',
        apiUrl: derived.publicUrl,
        cognitoDomain: stateful.cognitoDomain,
        clientId: stateful.userPoolClient.userPoolClientId,
        region: this.region,
        signInUrl: derived.signInUrl,
      },
      ...(props.consoleAssetsPath ? { assetsPath: props.consoleAssetsPath } : {}),
    });

    new CfnOutput(this, 'PublicUrl', { value: derived.publicUrl, description: 'The console (and API under /v1)' });
    new CfnOutput(this, 'DistributionDomainName', {
      value: hosting.distribution.distributionDomainName,
      description: `Point ${config.domainName} at this (CNAME, or a Route 53 alias)`,
    });
    new CfnOutput(this, 'ApiEndpoint', { value: this.api.apiEndpoint, description: 'The HTTP API behind CloudFront' });

    for (const fn of Object.values(this.functions)) acknowledgeRuntime(fn);
    Validations.of(cleanupDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the cleanup schedule and function.',
    });
  }
}

/** CloudFormation-friendly id of a group's function: `inviteLink` → `InviteLinkFunction`. */
const fnId = (group: string) => `${group[0]!.toUpperCase()}${group.slice(1)}Function`;

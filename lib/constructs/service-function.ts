// Every Lambda of org-access is a ServiceFunction: one place for the defaults (nodejs22.x, arm64,
// esbuild ESM bundles with source maps, its own log group with retention, JSON logs, timeout,
// memory) and bind helpers that grant a permission and set the env var that names the resource
// together, so a function never holds a grant it has no name for, nor a name it may not use.

import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { resolve } from 'node:path';
import type { IndexName } from '../../functions/store/table';
import { prefixes } from '../../functions/store/keys';
import { ENV } from '../environment';

/** The project root: entry paths in the route table are relative to it. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');

export const RUNTIME = lambda.Runtime.NODEJS_22_X;
export const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

export interface ServiceFunctionProps {
  /** Entry file relative to the project root (as in GROUP_ENTRY). */
  entry: string;
  /** The export that handles the event (default `handler`). */
  handler?: string;
  description: string;
  memorySize?: number;
  timeout?: Duration;
  environment?: Record<string, string>;
  /** Asynchronous invocations (schedules): failures land here after the retries. */
  deadLetterQueue?: sqs.IQueue;
  retryAttempts?: number;
}

/**
 * The item-level DynamoDB actions a function may hold. A transaction is authorized per item, so
 * TransactWriteItems needs the actions of its items (Put → PutItem, Update → UpdateItem, Delete →
 * DeleteItem, ConditionCheck → ConditionCheckItem) and none of its own.
 */
export const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;
export type TableAction = (typeof TABLE_ACTIONS)[number];
const WRITE_ACTIONS: readonly TableAction[] = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const WRAPPER_PARTITIONS = `${prefixes.oidcPartitions}*`;

/** One grant on the table: exactly these actions, optionally only on items of some partitions. */
export interface TableAccess {
  actions: readonly TableAction[];
  /** Indexes the function queries: dynamodb:Query on exactly these (never `index/*`). */
  indexes?: readonly IndexName[];
  /**
   * Only items whose partition key matches one of these patterns (`dynamodb:LeadingKeys`,
   * StringLike): take them from functions/store/keys.ts, so the key shape stays in one place.
   */
  partitionKeys?: readonly string[];
}

export class ServiceFunction extends NodejsFunction {
  readonly serviceRole: iam.Role;
  /** Entry file relative to the project root and the export that handles events (tests read them). */
  readonly entryFile: string;
  readonly handlerExport: string;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: logs only into this function's log group.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `org-access ${id}: ${props.description}`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      entry: resolve(PROJECT_ROOT, props.entry),
      handler: props.handler ?? 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: resolve(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.retryAttempts !== undefined ? { retryAttempts: props.retryAttempts } : {}),
      environment: {
        [ENV.nodeOptions]: '--enable-source-maps',
        [ENV.serviceName]: 'org-access',
        [ENV.logLevel]: 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        // ESM bundles of CommonJS dependencies still call require(): give them one.
        banner: "import { createRequire as __createRequire } from 'node:module';const require = __createRequire(import.meta.url);",
        // The nodejs22.x runtime ships AWS SDK v3; bundling it would add ~300 KB per function.
        externalModules: ['@aws-sdk/*'],
      },
    });
    this.serviceRole = role;
    this.entryFile = props.entry;
    this.handlerExport = props.handler ?? 'handler';
  }

  /**
   * TABLE_NAME plus, per grant, exactly its actions on the table (limited to its partitions when it
   * names them) and Query on the indexes it names (never `index/*`).
   */
  useTable(table: dynamodb.ITable, ...grants: TableAccess[]): this {
    this.addEnvironment(ENV.tableName, table.tableName);
    // The GitHub wrapper's items (its pending sign-ins, codes and published signing keys: what GitHub
    // sign-in trusts) are written by the wrapper's functions only, which are limited to them by
    // partition; every other function that writes to the table is denied them outright.
    const writes = grants.flatMap((g) => g.actions).filter((a) => WRITE_ACTIONS.includes(a));
    if (writes.length > 0 && grants.every((g) => !g.partitionKeys)) {
      this.serviceRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'NoGitHubWrapperItems',
          effect: iam.Effect.DENY,
          actions: [...new Set(writes)],
          resources: [table.tableArn],
          conditions: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [WRAPPER_PARTITIONS] } },
        }),
      );
    }
    for (const grant of grants) {
      const conditions = grant.partitionKeys ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...grant.partitionKeys] } } : undefined;
      this.serviceRole.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: [...grant.actions], resources: [table.tableArn], ...(conditions ? { conditions } : {}) }),
      );
      if (grant.indexes?.length) {
        this.serviceRole.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ['dynamodb:Query'],
            resources: grant.indexes.map((name) => `${table.tableArn}/index/${name}`),
            ...(conditions ? { conditions } : {}),
          }),
        );
      }
    }
    return this;
  }

  /** MAIL_FROM and SES_CONFIGURATION_SET, and sending from exactly that identity through that configuration set. */
  sendMail(input: { mailFrom: string; identityArn: string; configurationSetName: string }): this {
    const stack = Stack.of(this);
    this.addEnvironment(ENV.mailFrom, input.mailFrom);
    this.addEnvironment(ENV.sesConfigurationSet, input.configurationSetName);
    this.serviceRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendInvitationMail',
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [
          input.identityArn,
          stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: input.configurationSetName }),
        ],
      }),
    );
    return this;
  }

  /**
   * `envName` = the secret's name, and read access to that secret only. grantRead, not the secret's
   * ARN by hand: a secret referenced by name has a partial ARN (no random suffix), and only CDK's
   * `<name>-??????` pattern matches the real one.
   */
  readSecret(envName: string, secret: secretsmanager.ISecret, secretName: string): this {
    this.addEnvironment(envName, secretName);
    secret.grantRead(this.serviceRole);
    return this;
  }

  /** Alarms on errors and throttles of this function, to the alarm topic. */
  alarmOn(topic: sns.ITopic, opts: { errorsThreshold?: number } = {}): this {
    const action = new SnsAction(topic);
    const id = this.node.id;
    const errors = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: `org-access ${id}: the function failed (uncaught errors, timeouts).`,
      metric: this.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: opts.errorsThreshold ?? 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const throttles = new cloudwatch.Alarm(this, 'ThrottlesAlarm', {
      alarmDescription: `org-access ${id}: invocations were throttled (account or reserved concurrency reached).`,
      metric: this.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    errors.addAlarmAction(action);
    throttles.addAlarmAction(action);
    return this;
  }
}


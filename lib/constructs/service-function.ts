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
import { TABLE, type IndexName } from '../../functions/store/table';
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

/** Table access levels. Transactions authorize per item action, so they need no action of their own. */
const TABLE_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
  readWrite: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ],
} as const;
/** A level, or the exact item actions a function uses (the GitHub wrapper only puts and takes items). */
export type TableAccess = keyof typeof TABLE_ACTIONS | readonly `dynamodb:${string}`[];

export class ServiceFunction extends NodejsFunction {
  readonly serviceRole: iam.Role;

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
  }

  /**
   * TABLE_NAME plus exactly the actions of `access` on the table and on the named indexes (never
   * `index/*`).
   */
  useTable(table: dynamodb.ITable, access: TableAccess, indexes: readonly IndexName[]): this {
    this.addEnvironment(ENV.tableName, table.tableName);
    this.serviceRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TableItems',
        actions: typeof access === 'string' ? [...TABLE_ACTIONS[access]] : [...access],
        resources: [table.tableArn],
      }),
    );
    if (indexes.length > 0) {
      this.serviceRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'IndexQuery',
          actions: ['dynamodb:Query'],
          resources: indexes.map((name) => `${table.tableArn}/index/${name}`),
        }),
      );
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

  /** `envName` = the secret's name, and GetSecretValue on that secret only. */
  readSecret(envName: string, secret: secretsmanager.ISecret, secretName: string): this {
    this.addEnvironment(envName, secretName);
    this.serviceRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secret.secretArn],
      }),
    );
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

/** The index names of the table (for typed `useTable` calls). */
export const ALL_INDEXES = Object.keys(TABLE.indexes) as IndexName[];

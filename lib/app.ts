// The org-access CDK app: the stateful stack, then the stateless one that takes its resources by
// typed props. bin/org-access.ts and the infrastructure tests both build it from here.

import { Validations, type App, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { OrgAccessConfig } from './config';
import { StatefulStack } from './stateful-stack';
import { StatelessStack } from './stateless-stack';

/** Feature flags the app is built with (bin and tests alike). */
export const APP_CONTEXT = {
  // Cross-stack references (stateless -> stateful) stay CloudFormation exports, which protect the
  // stateful stack's outputs from removal while the stateless stack uses them.
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
};

export interface BuildOptions {
  config: OrgAccessConfig;
  env?: Environment;
  /** web/dist; omitted in template tests. */
  consoleAssetsPath?: string;
  /** cdk-nag AwsSolutions checks: findings fail the synth. */
  nag?: boolean;
  /** Only build these stacks' dependencies up to here (tests build one stack per file). */
  only?: 'stateful';
}

export function buildApp(app: App, options: BuildOptions) {
  const env = options.env ? { env: options.env } : {};
  const stateful = new StatefulStack(app, 'OrgAccessStateful', {
    ...env,
    description: 'org-access: table, user pool and identity providers, mail identity, alarm topic',
    terminationProtection: true,
    config: options.config,
  });
  const stateless =
    options.only === 'stateful'
      ? undefined
      : new StatelessStack(app, 'OrgAccessStateless', {
          ...env,
          description: 'org-access: API, functions, schedule, alarms, console',
          config: options.config,
          stateful: stateful.resources,
          ...(options.consoleAssetsPath ? { consoleAssetsPath: options.consoleAssetsPath } : {}),
        });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, stateless };
}

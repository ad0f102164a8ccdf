// The CDK app (cdk.json runs it). Configuration comes from CDK context and is validated before any
// stack is built; see docs/deploy.md.
//
// Offline (no AWS account resolved: no credentials), missing values are taken from
// cdk.context.example.json so `npm run synth` works in CI. With an account, as for every deploy,
// nothing is filled in: a missing value stops the synth with a message that says what to set.

import { App } from 'aws-cdk-lib';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { APP_CONTEXT, buildApp } from '../lib/app';
import { ConfigError, exampleContext, parseConfig } from '../lib/config';
import { PROJECT_ROOT } from '../lib/constructs/service-function';

const app = new App({ context: APP_CONTEXT });
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
const example = account ? {} : exampleContext(PROJECT_ROOT);

try {
  const config = parseConfig((key) => app.node.tryGetContext(key) ?? example[key]);
  if (!account) console.error('org-access: no AWS account resolved; missing context values come from cdk.context.example.json (synth only).');

  // cdk.json builds the console before every synth; `consoleAssets` points elsewhere (tests).
  const consoleAssetsPath = resolve(PROJECT_ROOT, String(app.node.tryGetContext('consoleAssets') ?? 'web/dist'));
  if (!existsSync(resolve(consoleAssetsPath, 'index.html'))) {
    throw new ConfigError(`org-access: the console is not built (${consoleAssetsPath}/index.html is missing). Run \`npm run build:web\` first.`);
  }
  buildApp(app, {
    config,
    ...(account ? { env: { account, region: region ?? 'us-east-1' } } : {}),
    consoleAssetsPath,
    nag: true,
  });
  app.synth();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

// The CDK app (cdk.json runs it). Configuration comes from CDK context and is validated before any
// stack is built; see docs/deploy.md. A missing value stops the synth with a message that says what
// to set: nothing is filled in unless asked for.
//
// `-c useExampleContext=true` (what `npm run synth` and the tests pass) fills missing values from
// cdk.context.example.json so the app synthesizes offline. It is refused when an AWS account is
// resolved (credentials present, as for every deploy): example values must never reach a deploy.

import { App } from 'aws-cdk-lib';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { APP_CONTEXT, buildApp } from '../lib/app';
import { ConfigError, exampleContext, parseConfig } from '../lib/config';
import { PROJECT_ROOT } from '../lib/constructs/service-function';

const app = new App({ context: APP_CONTEXT });
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
const useExample = [true, 'true'].includes(app.node.tryGetContext('useExampleContext'));

try {
  if (useExample && account) {
    throw new ConfigError(
      `org-access: -c useExampleContext=true is for an offline synth only, and AWS account ${account} is resolved: ` +
        'example values (example.com, a fake certificate, example client ids) must never be deployed. ' +
        'Run the synth without AWS credentials, or drop useExampleContext and set the real context values (docs/deploy.md).',
    );
  }
  const example = useExample ? exampleContext(PROJECT_ROOT) : {};
  let config;
  try {
    config = parseConfig((key) => app.node.tryGetContext(key) ?? example[key]);
  } catch (error) {
    if (error instanceof ConfigError && !useExample) {
      error.message += '\nFor an offline synth with the example values of cdk.context.example.json only (never a deploy): -c useExampleContext=true (npm run synth).';
    }
    throw error;
  }
  if (useExample) console.error('org-access: useExampleContext: missing context values come from cdk.context.example.json (offline synth only).');

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

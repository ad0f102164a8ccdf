// Deployment configuration: validation at synth with messages that say what to set, and the real
// offline synth (bin/org-access.ts as `cdk synth` runs it, esbuild bundling included) whose bundles
// load as ES modules.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, exampleContext, parseConfig, RULES } from '../../lib/config';
import { PROJECT_ROOT } from '../../lib/constructs/service-function';

const run = promisify(execFile);
const example = exampleContext(PROJECT_ROOT);
const without = (key: string) => Object.fromEntries(Object.entries(example).filter(([k]) => k !== key));

/** Runs the CDK app the way the CLI does: context in CDK_CONTEXT_JSON, output to CDK_OUTDIR. */
async function synthApp(context: Record<string, unknown>, env: Record<string, string> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'org-access-synth-'));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context), ...env };
  delete childEnv.CDK_DEFAULT_ACCOUNT;
  Object.assign(childEnv, env);
  try {
    const out = await run(process.execPath, [resolve(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'bin/org-access.ts'], {
      cwd: PROJECT_ROOT,
      env: childEnv,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stderr: out.stderr, outdir };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr, outdir };
  }
}

describe('configuration from CDK context', () => {
  it('accepts the example context', () => {
    expect(parseConfig((k) => example[k]).domainName).toBe('access.example.com');
  });

  it.each(RULES.filter((r) => !r.optional).map((r) => r.key))('fails without %s and says exactly what to set', (key) => {
    const context = without(key);
    let message = '';
    try {
      parseConfig((k) => context[k]);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain(`${key} is missing`);
    expect(message).toContain(`-c ${key}=`);
    expect(message).toContain('docs/deploy.md');
  });

  it('reports every problem at once, malformed values with an example', () => {
    const context: Record<string, unknown> = { ...without('mailFrom'), certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc', authDomainPrefix: 'my-cognito' };
    expect(() => parseConfig((k) => context[k])).toThrow(/certificateArn="arn:aws:acm:eu-west-1[^\n]*not valid[\s\S]*authDomainPrefix="my-cognito" is not valid[\s\S]*mailFrom is missing/);
  });

  it('treats alarmEmail as optional', () => {
    const context = without('alarmEmail');
    expect(parseConfig((k) => context[k]).alarmEmail).toBeUndefined();
  });
});

describe('the CDK app (bin/org-access.ts)', () => {
  const assets = mkdtempSync(join(tmpdir(), 'org-access-console-'));
  let offline: Awaited<ReturnType<typeof synthApp>>;
  beforeAll(async () => {
    writeFileSync(join(assets, 'index.html'), '<!doctype html><title>console</title>');
    // Offline (no account): missing values come from cdk.context.example.json; a real bundling synth.
    offline = await synthApp({ consoleAssets: assets });
  }, 120_000);
  afterAll(() => {
    rmSync(assets, { recursive: true, force: true });
    if (offline) rmSync(offline.outdir, { recursive: true, force: true });
  });

  it('with an AWS account, stops on a missing value with the message that says what to set', async () => {
    const result = await synthApp({ ...without('mailFrom'), consoleAssets: assets }, { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'eu-west-1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('mailFrom is missing: sender address of invitation e-mails');
    expect(result.stderr).toContain('-c mailFrom=no-reply@example.com');
    rmSync(result.outdir, { recursive: true, force: true });
  }, 60_000);

  it('synthesizes offline with the example context: both stacks, cdk-nag clean, bundles that load as ES modules', async () => {
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stderr).toContain('cdk.context.example.json');
    const files = readdirSync(offline.outdir);
    expect(files).toEqual(expect.arrayContaining(['OrgAccessStateful.template.json', 'OrgAccessStateless.template.json']));
    const bundles = files.map((f) => join(offline.outdir, f, 'index.mjs')).filter((f) => existsSync(f));
    expect(bundles.length).toBeGreaterThanOrEqual(10);
    // The SDK is external (the runtime provides it): resolve it from the project's node_modules.
    mkdirSync(join(offline.outdir, 'x'), { recursive: true });
    symlinkSync(resolve(PROJECT_ROOT, 'node_modules'), join(offline.outdir, 'node_modules'));
    const script = `for (const f of ${JSON.stringify(bundles)}) { const m = await import(f); if (Object.keys(m).length === 0) throw new Error('no exports in ' + f); }`;
    const env = {
      ...process.env,
      AWS_REGION: 'eu-west-1',
      TABLE_NAME: 'table',
      PUBLIC_URL: 'https://access.example.com',
      MAIL_FROM: 'no-reply@example.com',
      JWT_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example',
      JWT_AUDIENCE: 'client',
      OIDC_ISSUER: 'https://access.example.com/oidc/github',
      GITHUB_CLIENT_ID: 'client',
      GITHUB_CLIENT_SECRET_ID: 'secret',
      OIDC_SIGNING_KEY_SECRET_ID: 'key',
      ALLOWED_REDIRECT_URIS: 'https://example.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse',
    };
    await expect(run(process.execPath, ['--input-type=module', '-e', script], { cwd: offline.outdir, env })).resolves.toBeDefined();
  });
});

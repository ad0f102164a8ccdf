// Deployment configuration: validation at synth with messages that say what to set, and the real
// offline synth (bin/org-access.ts as `cdk synth` runs it, esbuild bundling included) whose bundles
// load as ES modules.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
    // Offline with useExampleContext (as `npm run synth`): values from cdk.context.example.json; a real bundling synth.
    offline = await synthApp({ useExampleContext: true, consoleAssets: assets });
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

  it('without useExampleContext and without an account, fills in nothing: it stops and says what to set', async () => {
    const result = await synthApp({ consoleAssets: assets });
    expect(result.code).toBe(1);
    for (const rule of RULES.filter((r) => !r.optional)) expect(result.stderr).toContain(`${rule.key} is missing`);
    expect(result.stderr).toContain('-c useExampleContext=true');
    expect(readdirSync(result.outdir)).not.toContain('OrgAccessStateful.template.json');
    rmSync(result.outdir, { recursive: true, force: true });
  }, 60_000);

  it('refuses useExampleContext when an AWS account is resolved (example values must never deploy)', async () => {
    const result = await synthApp({ useExampleContext: true, consoleAssets: assets }, { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'eu-west-1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('useExampleContext=true is for an offline synth only');
    expect(readdirSync(result.outdir)).not.toContain('OrgAccessStateful.template.json');
    rmSync(result.outdir, { recursive: true, force: true });
  }, 60_000);

  it('synthesizes offline with the example context: both stacks, cdk-nag clean', () => {
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stderr).toContain('cdk.context.example.json');
    expect(readdirSync(offline.outdir)).toEqual(expect.arrayContaining(['OrgAccessStateful.template.json', 'OrgAccessStateless.template.json']));
  });

  it("loads every function's bundle as an ES module with only that function's own environment", async () => {
    // The SDK is external (the runtime provides it): resolve it from the project's node_modules.
    symlinkSync(resolve(PROJECT_ROOT, 'node_modules'), join(offline.outdir, 'node_modules'));
    const functions: { id: string; file: string; handler: string; env: Record<string, string> }[] = [];
    for (const stack of ['OrgAccessStateful', 'OrgAccessStateless']) {
      const template = JSON.parse(readFileSync(join(offline.outdir, `${stack}.template.json`), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
      };
      for (const [id, r] of Object.entries(template.Resources)) {
        if (r.Type !== 'AWS::Lambda::Function' || !String(r.Properties.Description ?? '').includes('org-access')) continue;
        // The code asset's key is `<hash>.zip`; the synth staged it as `asset.<hash>/`.
        const file = join(offline.outdir, `asset.${String(r.Properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs');
        // Values resolved at deploy (Ref, ImportValue, …) become a URL-shaped placeholder.
        const env = Object.fromEntries(
          Object.entries((r.Properties.Environment?.Variables ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : 'https://deploy-time.example/value']),
        );
        functions.push({ id, file, handler: String(r.Properties.Handler).split('.')[1]!, env });
      }
    }
    expect(functions.length).toBeGreaterThanOrEqual(19);
    for (const f of functions) expect(existsSync(f.file), f.id).toBe(true);
    // One process, one bundle after the other, each imported with exactly its own variables (the
    // handlers read their configuration at load).
    const script = `
      const base = { ...process.env };
      for (const f of ${JSON.stringify(functions)}) {
        for (const k of Object.keys(process.env)) delete process.env[k];
        Object.assign(process.env, base, f.env);
        const m = await import(f.file);
        if (typeof m[f.handler] !== 'function') throw new Error(f.id + ': no handler ' + f.handler);
      }`;
    const env = { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    await expect(run(process.execPath, ['--input-type=module', '-e', script], { cwd: offline.outdir, env })).resolves.toBeDefined();
  }, 60_000);
});

// Builds the CDK app for template tests: example configuration, bundling skipped (the offline synth
// test bundles for real), cdk-nag AwsSolutions checks on. Synthesizes once; a cdk-nag finding makes
// the synth throw, and the error is kept for the nag test instead of failing every other test.

import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_CONTEXT, buildApp } from '../../lib/app';
import { derive, exampleContext, parseConfig, type OrgAccessConfig } from '../../lib/config';
import { PROJECT_ROOT } from '../../lib/constructs/service-function';

export const exampleConfig: OrgAccessConfig = parseConfig((key) => exampleContext(PROJECT_ROOT)[key]);
export const derived = derive(exampleConfig);

export interface Synthesized {
  /** The cloud assembly's directory (assets such as the console's config.json are staged there). */
  outdir: string;
  templates: Record<'stateful' | 'stateless', Template | undefined>;
  json: Record<string, CfnTemplate>;
  /** The cdk-nag report when the synth failed validation; undefined when clean. */
  nagFailure: string | undefined;
  built: ReturnType<typeof buildApp>;
  cleanup: () => void;
}

export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string | string[]; Metadata?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

export function synthesize(only?: 'stateful', config: OrgAccessConfig = exampleConfig): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'org-access-cdk-'));
  const app = new App({ outdir, context: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const built = buildApp(app, { config, nag: true, ...(only ? { only } : {}) });
  let nagFailure: string | undefined;
  let assembly;
  const outdirs = [outdir];
  try {
    assembly = app.synth();
  } catch (error) {
    nagFailure = String((error as Error).message);
    // Synthesize again without the plugin so the template assertions can still report.
    outdirs.push(mkdtempSync(join(tmpdir(), 'org-access-cdk-')));
    const plain = new App({ outdir: outdirs[1], context: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    buildApp(plain, { config, ...(only ? { only } : {}) });
    assembly = plain.synth();
  }
  const json: Record<string, CfnTemplate> = {};
  for (const stack of assembly.stacks) json[stack.stackName] = stack.template as CfnTemplate;
  const template = (name: string) => (json[name] ? Template.fromJSON(json[name]) : undefined);
  return {
    outdir: assembly.directory,
    templates: { stateful: template('OrgAccessStateful'), stateless: template('OrgAccessStateless') },
    json,
    nagFailure,
    built,
    cleanup: () => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })),
  };
}

/**
 * What a value in one stack's template stands for: an `Fn::ImportValue` of an export of another
 * template of the assembly is replaced by that output's value (cross-stack references).
 */
export function throughImports(value: unknown, templates: CfnTemplate[]): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value) && 'Fn::ImportValue' in value) {
    const name = JSON.stringify((value as Record<string, unknown>)['Fn::ImportValue']);
    for (const t of templates) {
      for (const output of Object.values(t.Outputs ?? {})) if (JSON.stringify(output.Export?.Name) === name) return output.Value;
    }
    throw new Error(`no export ${name} in the assembly`);
  }
  return value;
}

type Statement = { Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Resource?: unknown; Condition?: Record<string, Record<string, unknown>> };

/**
 * Whether an alarm action can deliver: the topic it names exists, its topic policy allows
 * cloudwatch.amazonaws.com to publish (for this account's alarms), and, when the topic is
 * encrypted, its key's policy lets CloudWatch use the key. The problems found, [] when it can.
 */
export function alarmDeliveryProblems(template: CfnTemplate, topicRef: unknown): string[] {
  const topicId = (topicRef as { Ref?: string })?.Ref;
  const topic = topicId ? template.Resources[topicId] : undefined;
  if (!topicId || topic?.Type !== 'AWS::SNS::Topic') return [`alarm action ${JSON.stringify(topicRef)} is no topic of this stack`];
  const problems: string[] = [];
  const publishers = resourcesOf(template, 'AWS::SNS::TopicPolicy')
    .filter(([, p]) => JSON.stringify(p.Properties!.Topics).includes(JSON.stringify({ Ref: topicId })))
    .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter(
      (st) =>
        st.Effect === 'Allow' &&
        [st.Action].flat().includes('sns:Publish') &&
        JSON.stringify(st.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }) &&
        JSON.stringify(st.Resource) === JSON.stringify({ Ref: topicId }),
    );
  if (publishers.length !== 1) problems.push(`topic ${topicId}: ${publishers.length} statements let CloudWatch publish (want 1)`);
  for (const st of publishers) {
    if (JSON.stringify(st.Condition?.StringEquals?.['aws:SourceAccount']) !== JSON.stringify({ Ref: 'AWS::AccountId' })) {
      problems.push(`topic ${topicId}: CloudWatch may publish for any account`);
    }
    const sourceArn = JSON.stringify(st.Condition?.ArnLike?.['aws:SourceArn'] ?? '');
    if (!/:cloudwatch:.*AWS::Region.*AWS::AccountId.*:alarm:\*/.test(sourceArn)) problems.push(`topic ${topicId}: publishing is not limited to this account's alarms (${sourceArn})`);
  }
  const keyRef = topic.Properties?.KmsMasterKeyId as { 'Fn::GetAtt'?: [string, string] } | undefined;
  if (keyRef) {
    const keyId = keyRef['Fn::GetAtt']?.[0];
    const key = keyId ? template.Resources[keyId] : undefined;
    if (key?.Type !== 'AWS::KMS::Key') return [...problems, `topic ${topicId}: its key ${JSON.stringify(keyRef)} is not a key of this stack`];
    const uses = (key.Properties!.KeyPolicy as { Statement: Statement[] }).Statement.filter(
      (st) => st.Effect === 'Allow' && JSON.stringify(st.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }),
    );
    const actions = new Set(uses.flatMap((st) => [st.Action].flat()));
    for (const needed of ['kms:Decrypt', 'kms:GenerateDataKey*']) if (!actions.has(needed)) problems.push(`key ${keyId}: CloudWatch lacks ${needed}`);
  }
  return problems;
}

/** Resources of one type, by logical id. */
export function resourcesOf(template: CfnTemplate, type: string) {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** Every logical id a value refers to (Ref, Fn::GetAtt, ${X} in Fn::Sub). */
function references(value: unknown, into: Set<string>) {
  if (Array.isArray(value)) value.forEach((v) => references(v, into));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') into.add(v);
      else if (k === 'Fn::GetAtt') into.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]!);
      else if (k === 'Fn::Sub') {
        const text = Array.isArray(v) ? String(v[0]) : String(v);
        for (const m of text.matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) into.add(m[1]!);
        if (Array.isArray(v)) references(v[1], into);
      } else references(v, into);
    }
  }
}

/**
 * A dependency cycle inside one template (CloudFormation rejects those at deploy time; CDK only
 * catches cycles between stacks), or undefined.
 */
export function findCycle(template: CfnTemplate): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    const refs = new Set<string>();
    references(resource.Properties, refs);
    for (const d of [resource.DependsOn ?? []].flat()) refs.add(d);
    edges.set(id, [...refs].filter((r) => r in template.Resources));
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

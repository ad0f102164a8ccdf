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
  templates: Record<'stateful' | 'stateless', Template | undefined>;
  json: Record<string, CfnTemplate>;
  /** The cdk-nag report when the synth failed validation; undefined when clean. */
  nagFailure: string | undefined;
  built: ReturnType<typeof buildApp>;
  cleanup: () => void;
}

export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string | string[] }>;
  Outputs?: Record<string, unknown>;
}

export function synthesize(only?: 'stateful'): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'org-access-cdk-'));
  const app = new App({ outdir, context: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const built = buildApp(app, { config: exampleConfig, nag: true, ...(only ? { only } : {}) });
  let nagFailure: string | undefined;
  let assembly;
  try {
    assembly = app.synth();
  } catch (error) {
    nagFailure = String((error as Error).message);
    // Synthesize again without the plugin so the template assertions can still report.
    const plain = new App({ outdir: mkdtempSync(join(tmpdir(), 'org-access-cdk-')), context: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    buildApp(plain, { config: exampleConfig, ...(only ? { only } : {}) });
    assembly = plain.synth();
  }
  const json: Record<string, CfnTemplate> = {};
  for (const stack of assembly.stacks) json[stack.stackName] = stack.template as CfnTemplate;
  const template = (name: string) => (json[name] ? Template.fromJSON(json[name]) : undefined);
  return {
    templates: { stateful: template('OrgAccessStateful'), stateless: template('OrgAccessStateless') },
    json,
    nagFailure,
    built,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
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

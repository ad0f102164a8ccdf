// What a route's body looks like, read from its zod schema through z.toJSONSchema (the same document
// the OpenAPI is generated from): a valid ("canonical") body for arranging and sweeping, values of the
// wrong type for each field, the string fields to stuff with hostile text, and arbitraries of bodies
// the schema accepts that carry hostile values (schemaValidBody).

import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { RouteSpec } from '../../../functions/http/route';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
  default?: unknown;
}

export function bodySchema(route: RouteSpec): JsonSchema | undefined {
  return route.body ? (z.toJSONSchema(route.body, { io: 'input', unrepresentable: 'any' }) as JsonSchema) : undefined;
}

export function querySchema(route: RouteSpec): JsonSchema | undefined {
  return route.query ? (z.toJSONSchema(route.query, { io: 'input', unrepresentable: 'any' }) as JsonSchema) : undefined;
}

/** The JSON types a schema node accepts (unknown: any). */
export function typesOf(node: JsonSchema): Set<string> | undefined {
  if (node.const !== undefined) return new Set([jsonType(node.const)]);
  if (node.enum) return new Set(node.enum.map(jsonType));
  const alts = node.anyOf ?? node.oneOf;
  if (alts) {
    const all = new Set<string>();
    for (const a of alts) {
      const t = typesOf(a);
      if (!t) return undefined;
      for (const x of t) all.add(x);
    }
    return all;
  }
  if (node.allOf?.[0]) return typesOf(node.allOf[0]);
  if (!node.type) return undefined;
  const types = new Set(Array.isArray(node.type) ? node.type : [node.type]);
  if (types.has('integer')) types.add('number');
  return types;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Values of every JSON type the node does NOT accept (nothing if it accepts anything). */
export function wrongTypeValues(node: JsonSchema): unknown[] {
  const types = typesOf(node);
  if (!types) return [];
  const samples: Record<string, unknown[]> = {
    string: ['x', ''],
    number: [0, -1, 1.5, 1e308],
    boolean: [true, false],
    null: [null],
    array: [[], ['x'], [{}]],
    object: [{}, { nested: { deep: [1] } }],
  };
  return Object.entries(samples)
    .filter(([t]) => !types.has(t) && !(t === 'number' && types.has('integer')))
    .flatMap(([, v]) => v);
}

export interface ArrangeHints {
  /** Value for fields naming an e-mail address (a fresh one each call by default). */
  email?: () => string;
  /** Value for role fields, by field name. */
  role?: string;
  /** Overrides by field name. */
  fields?: Record<string, unknown>;
}

let counter = 0;
/** A fresh id that satisfies both id() and slug(): lower-case letters and digits. */
export const freshSlug = (prefix = 'h') => `${prefix}${(counter++).toString(36)}${randomBytes(3).toString('hex')}`;
export const freshEmail = () => `hostile-${randomBytes(5).toString('hex')}@example.com`;

/**
 * A valid value for a schema node, from the schema and the field's name: ids fresh, e-mails fresh,
 * environment types 'development', roles the lowest built-in one, only required fields of objects.
 */
export function canonicalValue(node: JsonSchema, name: string, hints: ArrangeHints = {}): unknown {
  if (hints.fields && name in hints.fields) return hints.fields[name];
  if (node.const !== undefined) return node.const;
  if (node.default !== undefined) return node.default;
  const alts = node.anyOf ?? node.oneOf;
  if (alts?.[0]) return canonicalValue(alts.find((a) => a.type !== 'null') ?? alts[0], name, hints);
  if (node.allOf?.[0]) return canonicalValue(node.allOf[0], name, hints);
  if (node.enum) {
    if (/role/i.test(name) && hints.role && node.enum.includes(hints.role)) return hints.role;
    if (/^scope$/i.test(name) && node.enum.includes('org')) return 'org';
    return node.enum[0];
  }
  const types = typesOf(node);
  const lname = name.toLowerCase();
  if (!types || types.has('string')) {
    if (lname.includes('email')) return (hints.email ?? freshEmail)();
    if (/^(type|envtype|envtypeid|typeid)$/.test(lname)) return 'development';
    if (lname.includes('role')) {
      if (lname.includes('app')) return 'Viewer';
      if (lname.includes('envtype')) return 'Deployer';
      if (lname.includes('env')) return 'Viewer';
      if (lname.includes('org')) return 'Member';
      return hints.role ?? 'Viewer';
    }
    if (lname === 'permission') return 'org.read';
    if (lname === 'action') return 'org.read';
    if (lname === 'scope') return 'app';
    if (node.pattern && !/^\^?\[A-Za-z0-9\]|\[a-z0-9\]/.test(node.pattern) && !new RegExp(node.pattern).test('h1')) {
      // an unusual pattern: a fresh slug is the best guess
      return freshSlug();
    }
    if (lname === 'id' || lname.endsWith('id') || node.pattern) return freshSlug();
    if (lname.includes('name')) return 'Hostile Suite';
    return 'hostile';
  }
  if (types.has('object') && !node.properties && node.additionalProperties) return {};
  if (types.has('object')) {
    const out: Record<string, unknown> = {};
    for (const req of node.required ?? []) {
      const prop = node.properties?.[req];
      if (prop) out[req] = canonicalValue(prop, req, hints);
    }
    for (const [k, v] of Object.entries(hints.fields ?? {})) if (node.properties?.[k] && !(k in out)) out[k] = v;
    // Nothing required (a PATCH, say): give every field, or the body would say nothing.
    if ((node.required ?? []).length === 0) {
      for (const [k, prop] of Object.entries(node.properties ?? {})) if (!(k in out)) out[k] = canonicalValue(prop, k, hints);
    }
    return out;
  }
  if (types.has('array')) {
    const n = node.minItems ?? 0;
    return Array.from({ length: n }, () => canonicalValue(node.items ?? {}, name.replace(/s$/, ''), hints));
  }
  if (types.has('boolean')) return false;
  if (types.has('number')) return node.minimum ?? 1;
  return null;
}

export function canonicalBody(route: RouteSpec, hints: ArrangeHints = {}): Record<string, unknown> | undefined {
  const schema = bodySchema(route);
  return schema ? (canonicalValue(schema, 'body', hints) as Record<string, unknown>) : undefined;
}

/** Top-level body fields with their schema nodes. */
export function bodyFields(route: RouteSpec): [string, JsonSchema][] {
  return Object.entries(bodySchema(route)?.properties ?? {});
}

/** Top-level body fields that take strings. */
export function stringFields(route: RouteSpec): string[] {
  return bodyFields(route)
    .filter(([, node]) => typesOf(node)?.has('string') ?? true)
    .map(([name]) => name);
}

/** A query string with the route's required query parameters (canonical values), or ''. */
export function canonicalQuery(route: RouteSpec, hints: ArrangeHints = {}): string {
  const schema = querySchema(route);
  if (!schema?.required?.length) return '';
  const value = canonicalValue({ ...schema, properties: Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([k]) => schema.required!.includes(k))) }, 'query', hints) as Record<string, unknown>;
  const qs = new URLSearchParams(Object.entries(value).map(([k, v]): [string, string] => [k, String(v)]));
  return `?${qs.toString()}`;
}

// ---- schema-valid bodies with hostile values ------------------------------------------------------

/** Free text that a schema without a pattern lets through: key delimiters, unicode, markup, controls. */
const HOSTILE_TEXT = [
  '#',
  'a#b',
  'ORG#x#USER#y',
  'TEAM#t#GRANT#APP#a',
  '\u202eevil\u202c',
  'e\u0301\u0301',
  '👩‍👩‍👧‍👦',
  'ü日本語',
  ' padded ',
  '<script>alert(1)</script>',
  "'; DROP TABLE x;--",
  '{"__proto__":{"isAdministrator":true}}',
  '\u2028\u2029',
  '%00%23',
];
const ROLE_NAMES = ['Member', 'ArtifactContributor', 'Manager', 'Administrator', 'Viewer', 'Developer', 'Owner', 'Deployer', 'no-such-role'];

/** Strings of exactly `n` UTF-16 units (zod's length) made of `unit`, where the unit fits. */
const fill = (unit: string, n: number) => unit.repeat(Math.floor(n / unit.length)).padEnd(n, 'x');

function stringArbitrary(node: JsonSchema, name: string, known: Record<string, string[]>): fc.Arbitrary<string> {
  const min = node.minLength ?? 0;
  const max = node.maxLength ?? 200;
  const fits = (s: string) => s.length >= min && s.length <= max && (!node.pattern || new RegExp(node.pattern).test(s));
  const lname = name.toLowerCase();
  const pool: string[] = [...(known[name] ?? [])];
  if (lname.includes('role')) pool.push(...ROLE_NAMES);
  if (lname.includes('email')) {
    const tag = randomBytes(3).toString('hex');
    pool.push(`o'brien+${tag}@example.com`, `a#b-${tag}@example.com`, `ü-${tag}@exämple.com`, `  Mixed.Case-${tag}@Example.COM  `, `${fill('l', 60)}${tag}@${fill('d', 60)}.example.com`);
  }
  // the longest ids the patterns allow (50: slugs, 64: ids), and free text at its maximum length
  pool.push(...HOSTILE_TEXT, fill('a', max), fill('é', max), fill('👍', max), 'a', '0', fill('a', 50), fill('0', 50), fill('a', 64), fill('Z', 64));
  // Mostly the pool (real ids and roles, the chosen hostile values), sometimes anything the pattern allows.
  const choices: { arbitrary: fc.Arbitrary<string>; weight: number }[] = [];
  const fitting = [...new Set(pool.filter(fits))];
  if (fitting.length) choices.push({ arbitrary: fc.constantFrom(...fitting), weight: 3 });
  if (node.pattern) {
    choices.push({ arbitrary: fc.stringMatching(new RegExp(node.pattern)).filter(fits), weight: 1 });
  } else if (!lname.includes('email')) {
    choices.push({ arbitrary: fc.string({ unit: 'grapheme', minLength: Math.max(min, 1), maxLength: Math.min(max, 60) }).filter(fits), weight: 1 });
  }
  return choices.length ? fc.oneof(...choices) : fc.constant(fill('a', Math.max(min, 1)));
}

function valueArbitrary(node: JsonSchema, name: string, known: Record<string, string[]>): fc.Arbitrary<unknown> {
  if (node.const !== undefined) return fc.constant(node.const);
  if (node.enum) return fc.constantFrom(...node.enum);
  const alts = node.anyOf ?? node.oneOf;
  if (alts?.length) return fc.oneof(...alts.map((a) => valueArbitrary(a, name, known)));
  if (node.allOf?.[0]) return valueArbitrary(node.allOf[0], name, known);
  const types = typesOf(node);
  if (!types) return fc.constantFrom<unknown>('x', 1, true, null);
  if (types.has('object')) {
    const props = node.properties ?? {};
    const record = fc.record(
      Object.fromEntries(Object.entries(props).map(([k, v]) => [k, valueArbitrary(v, k, known)])),
      { requiredKeys: (node.required ?? []).filter((k) => k in props) },
    );
    const extra = node.additionalProperties;
    if (extra && typeof extra === 'object' && Object.keys(props).length === 0) {
      // a map (envTypeRoles): keys from the known ids and hostile-but-valid ones
      const keySchema = (node as { propertyNames?: JsonSchema }).propertyNames ?? { type: 'string' };
      return fc.dictionary(stringArbitrary(keySchema, 'envTypeId', known), valueArbitrary(extra, name, known), { maxKeys: 3 });
    }
    return record;
  }
  if (types.has('array')) {
    return fc.array(valueArbitrary(node.items ?? {}, name.replace(/s$/, ''), known), { minLength: node.minItems ?? 0, maxLength: Math.min((node as { maxItems?: number }).maxItems ?? 4, 4) });
  }
  if (types.has('string')) return stringArbitrary(node, name, known);
  if (types.has('integer') || types.has('number')) {
    const lo = node.minimum ?? -1_000_000;
    const hi = node.maximum ?? 1_000_000;
    return fc.oneof(fc.constantFrom(lo, hi), fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) }));
  }
  if (types.has('boolean')) return fc.boolean();
  return fc.constant(null);
}

/**
 * Bodies the route's own schema accepts (filtered by the zod schema the handler validates with), with
 * hostile values where the schema allows them: key delimiters, unicode and markup in free text, ids
 * and names at their maximum length, role names that do not exist, the world's real ids (`known`, by
 * field name) so that operations act on something. Every one of them must reach the operation.
 */
export function schemaValidBody(route: RouteSpec, known: Record<string, string[]> = {}): fc.Arbitrary<Record<string, unknown>> {
  const schema = bodySchema(route);
  if (!schema || !route.body) throw new Error(`${route.method} ${route.path} has no body schema`);
  const parser = route.body;
  return (valueArbitrary(schema, 'body', known) as fc.Arbitrary<Record<string, unknown>>).filter((v) => parser.safeParse(v).success);
}

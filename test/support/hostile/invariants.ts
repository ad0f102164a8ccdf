// The invariants every hostile request must keep: no 5xx; every error is {error:{code,message}} with a
// 4xx whose status is the one the code maps to (a page route answers a 4xx with its own HTML page); a
// rejected request makes no write on the service's DynamoDB client while it runs, and leaves the table
// exactly as it was (read back with a full, strongly consistent Scan of this test file's own table).

import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { RouteSpec } from '../../../functions/http/route';
import { errorResponse } from '../../../functions/http/errors';
import type { ErrorCode } from '../../../functions/domain/errors';
import { dynamo, table } from '../../../functions/store/client';
import type { RawResponse } from './http';
import { recorder } from './report';

/**
 * Problems with one response, empty when it keeps the invariants. `allowed`: statuses the case may
 * answer. `page`: the route renders an HTML page (the invitation link), whose errors are pages too.
 */
export function responseProblems(res: RawResponse, allowed?: readonly number[], page = false): string[] {
  const problems: string[] = [];
  if (res.status >= 500 || res.status < 200) problems.push(`status ${res.status}`);
  // A page route answers a bad link with its own page; bad input the shared stack refuses first
  // (a malformed body, a bad percent-escape) gets the JSON error every route gives.
  if (page && res.status >= 400 && String(res.headers['content-type'] ?? '').startsWith('text/html')) {
    if (/\bat .+\.(ts|js):\d+/.test(res.text)) problems.push('error page leaks a stack trace');
  } else if (res.status >= 400) {
    const e = res.json?.error;
    if (!e || typeof e.code !== 'string' || typeof e.message !== 'string') {
      problems.push(`error body not {error:{code,message}}: ${res.text.slice(0, 200)}`);
    } else {
      let mapped: number | undefined;
      try {
        mapped = errorResponse(e.code as ErrorCode, '').statusCode;
      } catch {
        mapped = undefined;
      }
      if (res.status < 500 && mapped !== res.status) problems.push(`code ${e.code} answered with ${res.status} (maps to ${mapped ?? 'nothing'})`);
      if (/\bat .+\.(ts|js):\d+/.test(e.message)) problems.push('error message leaks a stack trace');
    }
    if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) {
      problems.push(`error content-type ${res.headers['content-type']}`);
    }
  }
  if (allowed && res.status < 500 && !allowed.includes(res.status)) problems.push(`status ${res.status} not in [${allowed.join(', ')}]`);
  return problems;
}

/** Every item of the table, canonical (sorted keys), by PK|SK. */
export const scanStats = { scans: 0, ms: 0, items: 0 };
export async function tableSnapshot(): Promise<Map<string, string>> {
  const t0 = performance.now();
  try {
    return await scanAll();
  } finally {
    scanStats.scans++;
    scanStats.ms += performance.now() - t0;
  }
}
async function scanAll(): Promise<Map<string, string>> {
  const items = new Map<string, string>();
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamo.send(new ScanCommand({ TableName: table(), ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of out.Items ?? []) items.set(`${item.PK}|${item.SK}`, canonical(item));
    start = out.LastEvaluatedKey;
  } while (start);
  scanStats.items = items.size;
  return items;
}

function canonical(value: unknown): string {
  if (value instanceof Set) return `set(${[...value].map(canonical).sort().join(',')})`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Items added, removed or changed between two snapshots (keys only, capped). */
export function snapshotDiff(before: Map<string, string>, after: Map<string, string>): string[] {
  const diff: string[] = [];
  for (const [k, v] of after) {
    if (!before.has(k)) diff.push(`added ${k}`);
    else if (before.get(k) !== v) diff.push(`changed ${k}`);
  }
  for (const k of before.keys()) if (!after.has(k)) diff.push(`removed ${k}`);
  return diff.slice(0, 10);
}

const WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'TransactWriteCommand', 'BatchWriteCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand']);
let observed: string[] = [];
let observing = false;

/**
 * Watch the service's own DynamoDB client (it runs in this process): every write DynamoDB Local
 * accepted, by command name and keys. Not a mock: the calls go through unchanged.
 */
function observeWrites() {
  if (observing) return;
  observing = true;
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (WRITES.has(context.commandName ?? '')) observed.push(`${context.commandName}(${writtenKeys(args.input)})`);
      return out;
    },
    { step: 'initialize', name: 'hostileWriteObserver' },
  );
}

function writtenKeys(input: unknown): string {
  const keys: string[] = [];
  JSON.stringify(input, (k, v) => {
    if ((k === 'Key' || k === 'Item') && v && typeof v === 'object') {
      const { PK, SK } = v as { PK?: unknown; SK?: unknown };
      const text = (a: unknown) => (a && typeof a === 'object' && 'S' in a ? (a as { S: string }).S : String(a));
      keys.push(`${text(PK)}|${text(SK)}`);
    }
    return v;
  });
  return keys.slice(0, 6).join(' ');
}

/**
 * Tracks writes across a sequence of requests. Per request: the writes the service's client made
 * while it ran (a rejected request must have made none), and, every `scanEvery` requests (1: after
 * each one) and at the end of each test, the whole table read back with a strongly consistent Scan,
 * which must equal the baseline when every request since was rejected.
 */
export class WriteGuard {
  private baseline: Map<string, string> | undefined;
  private acceptedSinceBaseline = false;
  private sinceScan = 0;
  private pending: { route: Pick<RouteSpec, 'method' | 'path'>; category: string; request: string }[] = [];

  /** `silent`: return problems without recording them (for checking the guard itself). */
  constructor(
    private readonly scanEvery = 25,
    private readonly silent = false,
  ) {
    observeWrites();
  }

  async reset() {
    this.baseline = await tableSnapshot();
    this.acceptedSinceBaseline = false;
    this.sinceScan = 0;
    this.pending = [];
  }

  /** Call right before sending a request. */
  begin() {
    observed = [];
  }

  /** Check a response and the writes made while it ran; record and return the violations. */
  async check(
    route: Pick<RouteSpec, 'method' | 'path'> & { produces?: string },
    category: string,
    request: string,
    res: RawResponse,
    allowed?: readonly number[],
  ): Promise<string[]> {
    const problems = responseProblems(res, allowed, route.produces === 'text/html');
    if (res.status >= 400 && observed.length > 0) problems.push(`rejected with ${res.status} but wrote: ${observed.join('; ')}`);
    if (res.status < 400) this.acceptedSinceBaseline = true;
    else this.pending.push({ route, category, request });
    for (const p of problems) this.record(route, category, request, res, p);
    if (++this.sinceScan >= this.scanEvery) problems.push(...(await this.verify()));
    return problems;
  }

  /** Read the whole table: if every request since the baseline was rejected, nothing may differ. */
  async verify(): Promise<string[]> {
    const after = await tableSnapshot();
    const problems: string[] = [];
    if (this.baseline && !this.acceptedSinceBaseline) {
      const diff = snapshotDiff(this.baseline, after);
      if (diff.length > 0) {
        const p = `table changed across ${this.pending.length} rejected requests: ${diff.join('; ')}`;
        problems.push(p);
        const last = this.pending.at(-1);
        if (last && !this.silent) recorder.violation(last.route, { category: last.category, request: `one of ${this.pending.map((x) => x.request).join(' | ').slice(0, 400)}`, observed: 'table read back', expected: p });
      }
    }
    this.baseline = after;
    this.acceptedSinceBaseline = false;
    this.sinceScan = 0;
    this.pending = [];
    return problems;
  }

  private record(route: Pick<RouteSpec, 'method' | 'path'>, category: string, request: string, res: RawResponse, problem: string) {
    if (this.silent) return;
    recorder.violation(route, { category, request, observed: `${res.status} ${res.text.slice(0, 160)}`, expected: problem });
  }
}

/** A short, printable description of a request for reports (bodies truncated). */
export function describeRequest(method: string, path: string, body?: string, tokenKind?: string): string {
  const b = body === undefined ? '' : ` body(${Buffer.byteLength(body)}B)=${JSON.stringify(body.slice(0, 80))}`;
  return `${method} ${path.length > 120 ? `${path.slice(0, 120)}…(${path.length})` : path}${b}${tokenKind ? ` token=${tokenKind}` : ''}`;
}

/** Every item whose partition belongs to one org (its partition, its members' collections, its teams'). */
export async function orgItems(orgId: string): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamo.send(new ScanCommand({ TableName: table(), ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of out.Items ?? []) {
      const pk = String(item.PK);
      if (pk === `ORG#${orgId}` || pk.startsWith(`ORG#${orgId}#`)) items.push(item);
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * The structural invariants of one org, read back from the table after a race (every request done):
 * no item left in a removed member's collection; team members are org members, in both copies
 * (`ORG#o#TEAM#t/MEMBER#u` ⇔ `ORG#o#USER#u/TEAM#t`); nothing of a deleted team, and no team left
 * half-deleted; team grant copies exactly for (team member × team grant); the org's counters equal
 * the members and Administrators there are (at least one); each custom role's `inUse` equals its
 * holders (memberships, direct grants, team grants), and a deleted role has none.
 */
export function orgProblems(orgId: string, items: Record<string, any>[]): string[] {
  const p: string[] = [];
  const orgPK = `ORG#${orgId}`;
  const at = (pk: string, sk: string) => items.some((i) => i.PK === pk && i.SK === sk);
  const members = new Set(items.filter((i) => i.SK === 'MEMBER').map((i) => String(i.userId)));
  const teamItems = items.filter((i) => i.PK === orgPK && String(i.SK).startsWith('TEAM#'));
  const teams = new Set(teamItems.map((i) => String(i.teamId)));
  for (const t of teamItems.filter((i) => i.deleting)) p.push(`team ${t.teamId} left half-deleted`);
  for (const i of items) {
    const pk = String(i.PK);
    const sk = String(i.SK);
    const user = new RegExp(`^ORG#${orgId}#USER#(.+)$`).exec(pk)?.[1];
    const team = new RegExp(`^ORG#${orgId}#TEAM#(.+)$`).exec(pk)?.[1];
    if (user !== undefined && !members.has(user)) p.push(`orphan in ${user}'s collection (no membership): ${sk}`);
    if (team !== undefined && !teams.has(team)) p.push(`item of deleted team ${team}: ${sk}`);
    if (team !== undefined && sk.startsWith('MEMBER#')) {
      const u = sk.slice('MEMBER#'.length);
      if (!members.has(u)) p.push(`team ${team} lists non-member ${u}`);
      if (!at(`${orgPK}#USER#${u}`, `TEAM#${team}`)) p.push(`team ${team} lists ${u}, whose collection lacks TEAM#${team}`);
    }
    if (user !== undefined && sk.startsWith('TEAM#')) {
      const t = sk.slice('TEAM#'.length);
      if (!teams.has(t)) p.push(`${user} is in deleted team ${t}`);
      else if (!at(`${orgPK}#TEAM#${t}`, `MEMBER#${user}`)) p.push(`${user}'s collection has TEAM#${t}, the team does not list them`);
    }
    if (user !== undefined && sk.startsWith('TEAMGRANT#')) {
      const [, t = '', ...rest] = sk.split('#');
      const scopeKey = rest.join('#');
      if (!at(`${orgPK}#TEAM#${t}`, `GRANT#${scopeKey}`)) p.push(`${user} holds a copy of a grant team ${t} does not hold: ${sk}`);
      if (!at(`${orgPK}#TEAM#${t}`, `MEMBER#${user}`)) p.push(`${user} holds a copy of team ${t} without being in it: ${sk}`);
    }
    if (team !== undefined && sk.startsWith('GRANT#') && teams.has(team)) {
      for (const m of items.filter((x) => x.PK === pk && String(x.SK).startsWith('MEMBER#'))) {
        const u = String(m.SK).slice('MEMBER#'.length);
        if (!at(`${orgPK}#USER#${u}`, `TEAMGRANT#${team}#${sk.slice('GRANT#'.length)}`)) p.push(`${u} lacks the copy of team ${team}'s ${sk}`);
      }
    }
  }
  const org = items.find((i) => i.PK === orgPK && i.SK === 'ORG');
  if (org && !org.deletedAt) {
    const memberships = items.filter((i) => i.SK === 'MEMBER');
    const admins = memberships.filter((m) => m.role === 'Administrator').length;
    if (org.memberCount !== memberships.length) p.push(`memberCount ${org.memberCount}, members ${memberships.length}`);
    if (org.adminCount !== admins) p.push(`adminCount ${org.adminCount}, Administrators ${admins}`);
    if (admins < 1) p.push('no Administrator left');
  }
  const holders = (roleId: string) =>
    items.filter(
      (i) =>
        i.role === roleId &&
        ((String(i.PK).includes('#USER#') && (i.SK === 'MEMBER' || String(i.SK).startsWith('GRANT#'))) ||
          (String(i.PK).includes('#TEAM#') && String(i.SK).startsWith('GRANT#'))),
    ).length;
  const roles = items.filter((i) => i.PK === orgPK && String(i.SK).startsWith('ROLE#'));
  for (const r of roles) {
    const n = holders(String(r.roleId));
    if ((r.inUse ?? 0) !== n) p.push(`custom role ${r.roleId}: inUse ${r.inUse ?? 0}, held by ${n}`);
  }
  const custom = new Set(items.filter((i) => i.permissions !== undefined && i.role !== undefined && !String(i.SK).startsWith('TEAMGRANT#')).map((i) => String(i.role)));
  for (const roleId of custom) {
    if (!roles.some((r) => r.roleId === roleId)) p.push(`custom role ${roleId} was deleted while held by ${holders(roleId)}`);
  }
  return p;
}

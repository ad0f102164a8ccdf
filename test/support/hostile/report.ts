// The hostile suite's report: requests tried per route (method + path template) and category, and
// every violation of an invariant. Each test file writes its part; the merged report is rebuilt from
// the parts of the same vitest run (same parent process) into test-results/hostile-report.json.

import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RouteSpec } from '../../../functions/http/route';

export interface Violation {
  route: string;
  category: string;
  request: string;
  observed: string;
  expected: string;
}

interface RouteTally {
  tried: number;
  violations: number;
  categories: Record<string, number>;
}

const key = (r: Pick<RouteSpec, 'method' | 'path'>) => `${r.method} ${r.path}`;

class Recorder {
  readonly perRoute = new Map<string, RouteTally>();
  readonly violations: Violation[] = [];
  readonly notes: string[] = [];

  private tally(route: string): RouteTally {
    let t = this.perRoute.get(route);
    if (!t) this.perRoute.set(route, (t = { tried: 0, violations: 0, categories: {} }));
    return t;
  }

  /** Make a route appear in the report even before its first request. */
  register(route: Pick<RouteSpec, 'method' | 'path'>) {
    this.tally(key(route));
  }

  tried(route: Pick<RouteSpec, 'method' | 'path'>, category: string) {
    const t = this.tally(key(route));
    t.tried++;
    t.categories[category] = (t.categories[category] ?? 0) + 1;
  }

  violation(route: Pick<RouteSpec, 'method' | 'path'>, v: Omit<Violation, 'route'>) {
    this.tally(key(route)).violations++;
    this.violations.push({ route: key(route), ...v });
  }

  note(text: string) {
    if (!this.notes.includes(text)) this.notes.push(text);
  }
}

export const recorder = new Recorder();

const ROOT = resolve(import.meta.dirname, '../../..');
const OUT = join(ROOT, 'test-results');
const PARTS = join(OUT, 'hostile');

interface Part {
  part: string;
  run: number;
  finishedAt: string;
  perRoute: Record<string, RouteTally>;
  violations: Violation[];
  notes: string[];
}

/** Write this file's part, print it, and rebuild the merged report from this run's parts. */
export function writeReport(part: string): void {
  const mine: Part = {
    part,
    // Test files run in forks of one vitest process: its pid identifies the run.
    run: process.ppid,
    finishedAt: new Date().toISOString(),
    perRoute: Object.fromEntries([...recorder.perRoute].sort(([a], [b]) => a.localeCompare(b))),
    violations: recorder.violations,
    notes: recorder.notes,
  };
  mkdirSync(PARTS, { recursive: true });
  writeFileSync(join(PARTS, `${part}.json`), JSON.stringify(mine, null, 2));

  const parts = readdirSync(PARTS)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(PARTS, f), 'utf8')) as Part)
    .filter((p) => p.run === mine.run);
  const perRoute: Record<string, { tried: number; violations: number; byPart: Record<string, number> }> = {};
  for (const p of parts) {
    for (const [route, t] of Object.entries(p.perRoute)) {
      const m = (perRoute[route] ??= { tried: 0, violations: 0, byPart: {} });
      m.tried += t.tried;
      m.violations += t.violations;
      m.byPart[p.part] = t.tried;
    }
  }
  const merged = {
    generatedAt: mine.finishedAt,
    parts: parts.map((p) => p.part).sort(),
    requestsTried: Object.values(perRoute).reduce((n, t) => n + t.tried, 0),
    violations: parts.reduce((n, p) => n + p.violations.length, 0),
    perRoute: Object.fromEntries(Object.entries(perRoute).sort(([a], [b]) => a.localeCompare(b))),
    violationDetails: parts.flatMap((p) => p.violations),
    notes: parts.flatMap((p) => p.notes.map((n) => `${p.part}: ${n}`)),
  };
  writeFileSync(join(OUT, 'hostile-report.json'), JSON.stringify(merged, null, 2));

  const lines = [...recorder.perRoute].sort(([a], [b]) => a.localeCompare(b)).map(
    ([route, t]) => `  ${route.padEnd(64)} ${String(t.tried).padStart(5)} tried  ${t.violations} violations  ${Object.entries(t.categories).map(([c, n]) => `${c}:${n}`).join(' ')}`,
  );
  const total = [...recorder.perRoute.values()].reduce((n, t) => n + t.tried, 0);
  console.log(
    [
      `hostile report (${part}): ${total} requests, ${recorder.violations.length} violations`,
      ...lines,
      ...recorder.violations.map((v) => `  VIOLATION ${v.route} [${v.category}] ${v.request}: observed ${v.observed}; expected ${v.expected}`),
      ...recorder.notes.map((n) => `  note: ${n}`),
      `  merged (${merged.parts.join(', ')}): ${merged.requestsTried} requests, ${merged.violations} violations -> test-results/hostile-report.json`,
    ].join('\n'),
  );
}

// Authorization sweep: every route of the table that declares a permission, called by a member of
// each org role, by a member holding a custom org role, by a Member who holds Manager through a team,
// by a member of another organization and anonymously. The expected outcome is derived from the
// route's declared permission and each caller's grants through the evaluator (expectations.ts);
// routes whose operation checks more carry a documented rule (OPERATION_RULES). Succeeds = 2xx;
// refused = 403 forbidden (404 not_found for outsiders, 401 for anonymous), with nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../functions/domain/evaluator';
import { BUILT_IN_ROLES, PERMISSIONS } from '../../functions/domain/permissions';
import type { RouteSpec } from '../../functions/http/route';
import { routes } from '../../functions/routes';
import { harness, type Harness } from '../support/harness';
import { CALLERS, OPERATION_RULES, ORG_ROLE_MATRIX, expectationFor, factsOf, grantsOfCaller, grantsOfRole, type Caller } from '../support/hostile/expectations';
import { fillPath, sendFor } from '../support/hostile/http';
import { WriteGuard, describeRequest } from '../support/hostile/invariants';
import { recorder, writeReport } from '../support/hostile/report';
import { canonicalBody, canonicalQuery } from '../support/hostile/schema';
import { ORG_ROLE_CALLERS, SWEEP_CUSTOM_ROLE, World, callerUser, makeCast, roleForPath, type Cast } from '../support/hostile/world';

let h: Harness;
let cast: Cast;
const guard = new WriteGuard(1_000_000);

beforeAll(async () => {
  h = await harness();
  cast = await makeCast(h);
});
afterAll(async () => {
  writeReport('authorization');
  await h?.close();
});

const key = (r: RouteSpec) => `${r.method} ${r.path}`;

describe('the derivation agrees with the role matrix', () => {
  const rows = Object.entries(ORG_ROLE_MATRIX).flatMap(([action, byRole]) => ORG_ROLE_CALLERS.map((role) => [action, role, byRole[role]] as const));
  it.each(rows)('%s for %s is %s', (action, role, allowed) => {
    expect(decide(grantsOfRole(role), action).allowed).toBe(allowed);
  });

  it('gives every org permission to Administrators only as the top of a chain of ranks', () => {
    const orgRoles = BUILT_IN_ROLES.filter((r) => r.scope === 'org').sort((a, b) => a.rank! - b.rank!);
    expect(orgRoles.map((r) => r.id)).toEqual([...ORG_ROLE_CALLERS]);
    for (let i = 1; i < orgRoles.length; i++) {
      for (const p of orgRoles[i - 1]!.permissions) expect(orgRoles[i]!.permissions).toContain(p);
    }
    expect(new Set(orgRoles.at(-1)!.permissions)).toEqual(new Set(PERMISSIONS.org));
  });

  // The indirect callers are derived through the same evaluator: a team's org role and a custom org
  // role count like a membership's org role, so the sweep's expectations for them are the matrix's.
  it.each(Object.keys(ORG_ROLE_MATRIX))('%s: ManagerViaTeam decides as Manager, CustomOrgRole by its permissions', (action) => {
    expect(decide(grantsOfCaller('ManagerViaTeam'), action).allowed).toBe(ORG_ROLE_MATRIX[action]!.Manager);
    expect(decide(grantsOfCaller('CustomOrgRole'), action).allowed).toBe((SWEEP_CUSTOM_ROLE.permissions as string[]).includes(action));
  });

  it('finds every permission checked at the route decidable with the facts its path gives', () => {
    for (const route of routes.filter((r) => r.permission?.check === 'route')) {
      const params = Object.fromEntries([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, 'x']));
      expect(() => decide(grantsOfRole('Member'), route.permission!.action, factsOf(params)), key(route)).not.toThrow();
    }
  });
});

const swept = routes.filter((r) => r.permission);

describe.each(swept.map((r) => [key(r), r] as const))('%s', (_, route) => {
  it('lets exactly the expected callers through', async () => {
    recorder.register(route);
    const special = OPERATION_RULES[route.operationId];
    if (special) recorder.note(`${key(route)}: ${special.note}`);
    let world = await World.create(h, cast, { indirect: true });
    const mismatches: string[] = [];
    const table: string[] = [];
    for (const caller of CALLERS) {
      const params = await world.paramsFor(route);
      const expected = expectationFor(route, caller, params);
      const hints = { role: roleForPath(route.path) };
      const body = special?.body ? await special.body(world) : canonicalBody(route, hints);
      const token = tokenOf(caller);
      const path = fillPath(route, params) + (special?.query ? await special.query(world) : canonicalQuery(route, hints));
      await arrangeTwin(world, route, params, special?.body ? await special.body(world) : undefined);
      await guard.reset();
      guard.begin();
      const res = await sendFor(h.url, route, { method: route.method, path, ...(token ? { token } : {}), ...(body ? { body: JSON.stringify(body) } : {}) }, `caller:${caller}`);
      const request = describeRequest(route.method, path, body ? JSON.stringify(body) : undefined, caller);
      const problems = await guard.check(route, `caller:${caller}`, request, res, expected.statuses);
      if (res.status >= 400) problems.push(...(await guard.verify()));
      if (expected.code && res.json?.error?.code !== expected.code) {
        const p = `error code ${res.json?.error?.code} instead of ${expected.code}`;
        problems.push(p);
        recorder.violation(route, { category: `caller:${caller}`, request, observed: `${res.status} ${res.text.slice(0, 160)}`, expected: p });
      }
      table.push(`${caller}: ${expected.outcome} (${expected.why}) -> ${res.status}`);
      if (problems.length) mismatches.push(`${caller} expected ${expected.outcome} [${expected.statuses.join('/')}] because ${expected.why}; got ${res.status} ${res.text.slice(0, 160)}`);
      if (res.status < 300 && route.method !== 'GET') world = await World.create(h, cast, { indirect: true });
    }
    recorder.note(`${key(route)}\n    ${table.join('\n    ')}`);
    expect(mismatches).toEqual([]);
  });
});

/**
 * A DELETE whose path has a PUT twin removes what the PUT gives (an app role, a team member, a team
 * grant): give it first, as the Administrator, so the DELETE has something to remove.
 */
async function arrangeTwin(world: World, route: RouteSpec, params: Record<string, string>, body: Record<string, unknown> | undefined) {
  if (route.method !== 'DELETE') return;
  const twin = routes.find((r) => r.method === 'PUT' && r.path === route.path);
  if (!twin) return;
  const put = body ?? canonicalBody(twin, { role: roleForPath(twin.path) });
  const res = await sendFor(h.url, twin, { method: 'PUT', path: fillPath(twin, params), token: world.admin.token, ...(put ? { body: JSON.stringify(put) } : {}) }, 'arrange');
  if (res.status >= 300) recorder.note(`arranging ${key(route)} through PUT answered ${res.status} ${res.text.slice(0, 200)}`);
}

function tokenOf(caller: Caller): string | undefined {
  if (caller === 'anonymous') return undefined;
  if (caller === 'outsider') return cast.outsider.token;
  return callerUser(cast, caller).token;
}

describe('a user who is not a member of the organization, named in the path', () => {
  // Roles, team seats and removals are for members only: naming someone from outside (here a user of
  // another organization) must be refused with a 4xx, and nothing may be written, even for an Administrator.
  const withUser = routes.filter((r) => r.permission && r.path.includes('{userId}'));
  it.each(withUser.map((r) => [key(r), r] as const))('%s refuses it', async (_, route) => {
    const world = await World.create(h, cast);
    const params = { ...(await world.paramsFor(route)), userId: cast.outsider.userId };
    const special = OPERATION_RULES[route.operationId];
    const hints = { role: roleForPath(route.path) };
    const body = special?.body ? await special.body(world) : canonicalBody(route, hints);
    const path = fillPath(route, params) + (special?.query ? await special.query(world) : canonicalQuery(route, hints));
    await guard.reset();
    guard.begin();
    const res = await sendFor(h.url, route, { method: route.method, path, token: world.admin.token, ...(body ? { body: JSON.stringify(body) } : {}) }, 'non-member-target');
    const problems = await guard.check(route, 'non-member-target', describeRequest(route.method, path, body ? JSON.stringify(body) : undefined, 'Administrator'), res, [400, 404, 409]);
    problems.push(...(await guard.verify()));
    expect(problems).toEqual([]);
  });
});

// Hostile input against every route of the route table (iterated, never listed by hand): bad tokens,
// validly signed tokens with hostile claims, malformed and random JSON, wrong types for each body field
// (read from the route's zod schema), bodies the schema accepts carrying hostile values (so the
// operation itself is reached), bodies around the 64 KiB limit, unicode and control characters, key
// delimiters and over-long ids in the path, garbage in query values. Invariants: no 5xx; every error is
// {error:{code,message}} with the 4xx its code maps to (a page route's errors are pages); a rejected
// request makes no write while it runs and leaves the table as it was: a full, strongly consistent Scan
// after every request (WriteGuard with scanEvery 1) and at the end of each test.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../functions/http/api';
import type { RouteSpec } from '../../functions/http/route';
import { routes } from '../../functions/routes';
import { harness, type Harness } from '../support/harness';
import { fillPath, pathParams, sendFor, type RawResponse } from '../support/hostile/http';
import { WriteGuard, describeRequest, scanStats } from '../support/hostile/invariants';
import { recorder, writeReport } from '../support/hostile/report';
import { bodyFields, canonicalBody, canonicalQuery, querySchema, schemaValidBody, stringFields, wrongTypeValues } from '../support/hostile/schema';
import { seedFor } from '../support/hostile/seeds';
import { hostileTokens, type HostileToken } from '../support/hostile/tokens';
import { World, makeCast, roleForPath, type Cast } from '../support/hostile/world';

let h: Harness;
let cast: Cast;
let tokens: HostileToken[];
const guard = new WriteGuard(1);

beforeAll(async () => {
  h = await harness();
  cast = await makeCast(h);
  tokens = await hostileTokens(h, cast.byRole.Administrator);
});
afterEach(async () => {
  expect(await guard.verify()).toEqual([]);
});
afterAll(async () => {
  recorder.note(`table read back ${scanStats.scans} times (${Math.round(scanStats.ms)} ms, ${scanStats.items} items at the end)`);
  writeReport('fuzz');
  await h?.close();
});

const key = (r: RouteSpec) => `${r.method} ${r.path}`;
const isBodyMethod = (r: RouteSpec) => r.method !== 'GET';

/** Per route: a world with real values for its path parameters, rebuilt after a request changed it. */
class Target {
  private world: World | undefined;
  /** A spoiled world, discarded when the next one is made (not mid-check: the guard is comparing). */
  private discarded: World | undefined;
  private params: Record<string, string> | undefined;
  constructor(readonly route: RouteSpec) {}

  async ready() {
    if (!this.world) {
      await this.discarded?.discard();
      this.discarded = undefined;
      this.world = await World.create(h, cast);
      this.params = await this.world.paramsFor(this.route);
      await guard.reset();
    }
    return { world: this.world, params: this.params! };
  }

  /** A request that succeeded may have deleted or changed what the next one needs. */
  spoiled() {
    this.discarded = this.world;
    this.world = undefined;
  }

  /** The world is no longer needed (the route's tests are done): delete its items, re-baseline. */
  async finish() {
    await this.discarded?.discard();
    await this.world?.discard();
    this.discarded = this.world = undefined;
    await guard.reset();
  }

  validBody(): Record<string, unknown> | undefined {
    return canonicalBody(this.route, { role: roleForPath(this.route.path) });
  }

  /** Send one hostile request as the org's Administrator (unless a token is given) and check it. */
  async send(
    category: string,
    input: { body?: string; params?: Record<string, string>; rawParams?: Set<string>; query?: string; header?: string | null; contentType?: string },
    allowed?: readonly number[],
  ): Promise<{ res: RawResponse; problems: string[] }> {
    const { world, params } = await this.ready();
    const path = fillPath(this.route, { ...params, ...input.params }, input.rawParams) + (input.query ?? canonicalQuery(this.route, { role: roleForPath(this.route.path) }));
    const headers: Record<string, string> = {};
    if (input.header !== undefined && input.header !== null) headers.authorization = input.header;
    if (input.contentType) headers['content-type'] = input.contentType;
    guard.begin();
    const res = await sendFor(
      h.url,
      this.route,
      {
        method: this.route.method,
        path,
        headers,
        ...(input.header === undefined ? { token: world.admin.token } : {}),
        ...(input.body !== undefined ? { body: input.body } : {}),
      },
      category,
    );
    // A page (text/html) renders its own explanation of a bad link: any status but a 5xx.
    const expect = this.route.produces === 'text/html' && res.status < 300 ? undefined : allowed;
    const problems = await guard.check(this.route, category, describeRequest(this.route.method, path, input.body), res, expect);
    if (res.status < 300 && ['DELETE', 'PUT', 'PATCH'].includes(this.route.method)) this.spoiled();
    return { res, problems };
  }
}

const HOSTILE_IDS = [
  '#',
  'a#b',
  'ORG#x#USER#y',
  'a'.repeat(65),
  'b'.repeat(2000),
  '...',
  'x y',
  '-leading-dash',
  'ü',
  '\u0000',
  '\u202eevil',
  "'; DROP TABLE x;--",
];
// Sent without percent-encoding: bad percent-escapes, an encoded slash and '#'.
const RAW_IDS = ['%ZZ', '%E0%A4%A', 'a%2Fb', 'a%23b'];

const idChars = fc.constantFrom(...'aZ09-_#/%.:@!$&\'()*+,;=~ü\u0000\u007f\u00a0\u2028\ud83d'.split(''));

for (const route of routes) {
  recorder.register(route);
  const t = new Target(route);
  const fields = bodyFields(route);
  const params = pathParams(route);

  describe(`${key(route)}`, () => {
    afterAll(() => t.finish());

    if (route.auth === 'user') {
      it('refuses missing, malformed, forged, expired and foreign tokens with 401', async () => {
        const failures: string[] = [];
        for (const token of tokens) {
          const body = t.validBody();
          const { problems } = await t.send(`token:${token.kind}`, { header: token.header ?? null, ...(body && isBodyMethod(route) ? { body: JSON.stringify(body) } : {}) }, [401]);
          if (problems.length) failures.push(`${token.kind}: ${problems.join('; ')}`);
        }
        expect(failures).toEqual([]);
      });
    }

    it('answers malformed JSON with 400 and another media type with 415', async () => {
      const failures: string[] = [];
      for (const body of ['{', '{"a":', '[1,]', "{'a':1}", 'nul', '{"a":1}}', '\u0000', '\ufeff{}', '{"a":"\\ud800"', 'NaN']) {
        const { problems } = await t.send('malformed-json', { body }, [400]);
        if (problems.length) failures.push(`${JSON.stringify(body)}: ${problems.join('; ')}`);
      }
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const { problems } = await t.send('media-type', { body: JSON.stringify(t.validBody() ?? {}), contentType }, [415]);
        if (problems.length) failures.push(`${contentType}: ${problems.join('; ')}`);
      }
      expect(failures).toEqual([]);
    });

    if (route.body) {
      it('answers random JSON bodies without a 5xx or a partial write', async () => {
        await fc.assert(
          fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
            const { problems } = await t.send('random-json', { body: JSON.stringify(value) });
            return problems.length === 0;
          }),
          { seed: seedFor(`${key(route)} random-json`), numRuns: 12, endOnFailure: true },
        );
      });

      it('answers bodies the schema accepts, with hostile values, from the operation itself: no 5xx, no partial write', async () => {
        const { world } = await t.ready();
        // Real ids of the world where a body names one, so that operations act on something.
        const app = (await world.paramsFor({ path: '/v1/orgs/{orgId}/apps/{appId}' })).appId!;
        await guard.reset(); // the app made for `known` is arrangement, not a request's write
        const known = { appId: [app], envTypeId: ['development'], type: ['development'], userId: [cast.target.userId] };
        const outcomes = new Map<string, number>();
        await fc.assert(
          fc.asyncProperty(schemaValidBody(route, known), async (body) => {
            const { res, problems } = await t.send('schema-valid', { body: JSON.stringify(body) });
            // The body passed the route's own schema here: the service must not refuse it as invalid input.
            const details = res.json?.error?.details as { path?: string }[] | undefined;
            if (res.status === 400 && Array.isArray(details) && details.some((d) => String(d.path).startsWith('body'))) {
              problems.push(`a body the schema accepts was refused by the schema: ${res.text.slice(0, 200)}`);
            }
            const outcome = res.status < 300 ? String(res.status) : `${res.status} ${res.json?.error?.code}`;
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
            return problems.length === 0;
          }),
          { seed: seedFor(`${key(route)} schema-valid`), numRuns: 10, endOnFailure: true },
        );
        recorder.note(`${key(route)} schema-valid hostile bodies answered: ${[...outcomes].map(([o, n]) => `${o} ×${n}`).join(', ')}`);
      });

      it('answers a wrong type in each body field, and unknown or prototype fields, with 400', async () => {
        const failures: string[] = [];
        const valid = t.validBody() ?? {};
        for (const [field, node] of fields) {
          for (const wrong of wrongTypeValues(node)) {
            const { problems } = await t.send(`wrong-type:${field}`, { body: JSON.stringify({ ...t.validBody(), [field]: wrong }) }, [400]);
            if (problems.length) failures.push(`${field}=${JSON.stringify(wrong)}: ${problems.join('; ')}`);
          }
        }
        for (const body of [
          JSON.stringify({ ...valid, unexpectedField: 1 }),
          `{"__proto__":{"isAdministrator":true},${JSON.stringify(valid).slice(1)}`.replace(/,}$/, '}'),
          JSON.stringify([valid]),
          JSON.stringify(null),
          JSON.stringify('string'),
        ]) {
          const { problems, res } = await t.send('shape', { body });
          if (res.status < 300 && body.includes('unexpectedField') && route.body) {
            // an unknown field accepted is only a problem for strict schemas: report, don't fail
            recorder.note(`${key(route)} accepted an unknown body field`);
          }
          if (problems.length) failures.push(`${body.slice(0, 60)}: ${problems.join('; ')}`);
        }
        expect(failures).toEqual([]);
      });

      it('answers string fields of unicode and control characters without a 5xx or a partial write', async () => {
        const strings = stringFields(route);
        if (strings.length === 0) return;
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...strings),
            fc.oneof(
              fc.string({ unit: 'binary', maxLength: 40 }),
              fc.string({ unit: 'grapheme', maxLength: 40 }),
              fc.constantFrom('\ud800', 'a\udc00b', '\u0000', '\u202e\u2066', '\ufeff', 'e\u0301', '👩‍👩‍👧', 'A#B', 'a'.repeat(101), ' padded '),
            ),
            async (field, value) => {
              const { problems } = await t.send(`unicode:${field}`, { body: JSON.stringify({ ...t.validBody(), [field]: value }) });
              return problems.length === 0;
            },
          ),
          { seed: seedFor(`${key(route)} unicode`), numRuns: 12, endOnFailure: true },
        );
      });
    }

    if (isBodyMethod(route)) {
      it('answers bodies just under 64 KiB without a 5xx and just over it with 413', async () => {
        const failures: string[] = [];
        const base = t.validBody() ?? {};
        const field = stringFields(route)[0] ?? 'padding';
        const sized = (bytes: number, unit = 'x') => {
          const skeleton = JSON.stringify({ ...base, [field]: '' });
          const room = bytes - Buffer.byteLength(skeleton);
          return JSON.stringify({ ...base, [field]: unit.repeat(Math.floor(room / Buffer.byteLength(unit))) });
        };
        const cases: [string, string, readonly number[] | undefined][] = [
          ['just-under', sized(MAX_BODY_BYTES - 1), undefined],
          ['at-limit', sized(MAX_BODY_BYTES), undefined],
          ['just-over', sized(MAX_BODY_BYTES + 1), [413]],
          ['multibyte-over', sized(MAX_BODY_BYTES + 3, 'é'), [413]],
          ['way-over', sized(2 * 1024 * 1024), [413]],
        ];
        for (const [name, body, allowed] of cases) {
          const { problems } = await t.send(`size:${name}`, { body }, allowed);
          if (problems.length) failures.push(`${name} (${Buffer.byteLength(body)} B): ${problems.join('; ')}`);
        }
        expect(failures).toEqual([]);
      });
    }

    if (params.length > 0) {
      it('answers key delimiters, over-long and strange ids in the path with a 4xx', async () => {
        const failures: string[] = [];
        const body = t.validBody();
        const withBody = body && isBodyMethod(route) ? { body: JSON.stringify(body) } : {};
        for (const name of params) {
          for (const id of HOSTILE_IDS) {
            const { problems } = await t.send(`path-id:${name}`, { params: { [name]: id }, ...withBody }, [400, 404, 405]);
            if (problems.length) failures.push(`${name}=${JSON.stringify(id.slice(0, 40))}: ${problems.join('; ')}`);
          }
          for (const id of RAW_IDS) {
            const { problems } = await t.send(`path-id-raw:${name}`, { params: { [name]: id }, rawParams: new Set([name]), ...withBody }, [400, 404, 405]);
            if (problems.length) failures.push(`raw ${name}=${id}: ${problems.join('; ')}`);
          }
        }
        expect(failures).toEqual([]);
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...params), fc.string({ unit: idChars, minLength: 1, maxLength: 80 }).filter((s) => !/^\.+$/.test(s)), async (name, id) => {
            const { problems } = await t.send(`path-id-random:${name}`, { params: { [name]: id }, ...withBody });
            return problems.length === 0;
          }),
          { seed: seedFor(`${key(route)} path-ids`), numRuns: 6, endOnFailure: true },
        );
      });
    }

    const query = route.query ? querySchema(route) : undefined;
    if (query?.properties) {
      it('answers garbage query values without a 5xx', async () => {
        const failures: string[] = [];
        const cursors = [
          '!!!',
          'x'.repeat(1025),
          Buffer.from('[]').toString('base64url'),
          Buffer.from('{"a":"b"}').toString('base64url'),
          Buffer.from('{"PK":"ORG#x","SK":"ORG"}').toString('base64url'),
          Buffer.from('{"PK":"ORG#x#USER#y","SK":"MEMBER","GSI1PK":"ORG#other#ORG","GSI1SK":"USER#y"}').toString('base64url'),
          Buffer.from('{"PK":1}').toString('base64url'),
        ];
        for (const name of Object.keys(query.properties!)) {
          for (const value of [...cursors, '%00', '#', 'ü']) {
            const { problems } = await t.send(`query:${name}`, { query: `?${encodeURIComponent(name)}=${encodeURIComponent(value)}` }, [400, 200]);
            if (problems.length) failures.push(`${name}=${value.slice(0, 60)}: ${problems.join('; ')}`);
          }
          const { problems } = await t.send(`query:${name}`, { query: `?${name}=a&${name}=b` });
          if (problems.length) failures.push(`${name} twice: ${problems.join('; ')}`);
        }
        expect(failures).toEqual([]);
      });
    }
  });
}

describe('the write guard itself', () => {
  it('notices a write made while a rejected request ran, and a table that changed across rejected requests', async () => {
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const { dynamo, table } = await import('../../functions/store/client');
    const silent = new WriteGuard(1_000, true);
    await silent.reset();
    silent.begin();
    await dynamo.send(new PutCommand({ TableName: table(), Item: { PK: 'HOSTILE#guard', SK: `probe-${Date.now()}` } }));
    const fake = { status: 400, text: '{"error":{"code":"validation_failed","message":"x"}}', json: { error: { code: 'validation_failed', message: 'x' } }, headers: { 'content-type': 'application/json' } };
    const problems = await silent.check({ method: 'GET', path: '/probe' }, 'probe', 'probe', fake);
    expect(problems.join()).toMatch(/rejected with 400 but wrote: Put\w*Command\(HOSTILE#guard/);
    expect((await silent.verify()).join()).toMatch(/table changed across 1 rejected requests: added HOSTILE#guard/);
    await guard.reset();
  });
});

describe('validly signed tokens with hostile claims', () => {
  const me = routes.find((r) => r.method === 'GET' && r.path === '/v1/me');
  const createOrg = routes.find((r) => r.method === 'POST' && r.path === '/v1/orgs');
  it('never answer a 5xx nor write on a refusal (e-mails with #, unicode, over 2,048 characters: 401; huge names, control characters)', async () => {
    await guard.reset();
    const hex = () => Math.random().toString(16).slice(2, 8);
    const identities: { email: string; name?: string; unusable?: true }[] = [
      { email: `a#b-${hex()}@example.com` },
      { email: `ORG#x#USER#${hex()}@example.com` },
      { email: `  Mixed.Case-${hex()}@Example.COM ` },
      { email: `ünï-${hex()}@exämple.com` },
      { email: `${'l'.repeat(250)}${hex()}@example.com` },
      { email: `n-${hex()}@example.com`, name: 'bad\u0000name\u001b[31m' },
      { email: `n-${hex()}@example.com`, name: 'x'.repeat(10_000) },
      { email: `n-${hex()}@example.com`, name: '\ud800' },
      // huge names (the token stays under the 10 KB API Gateway lets a header have)
      { email: `n-${hex()}@example.com`, name: '\u202e'.repeat(1_500) },
      { email: `n-${hex()}@example.com`, name: '👩‍👩‍👧'.repeat(300) },
      // e-mails no one can have (over 2,048 characters): refused as unauthenticated
      { email: `${'e'.repeat(2_100)}${hex()}@example.com`, unusable: true },
      { email: `${hex()}@${'d'.repeat(4_000)}.example.com`, unusable: true },
      { email: `${'#'.repeat(2_049)}${hex()}@example.com`, name: 'x'.repeat(3_000), unusable: true },
    ];
    const failures: string[] = [];
    for (const { unusable, ...identity } of identities) {
      const token = await h.signer.issue({ ...identity, provider: 'GitHub' });
      for (const r of [me, createOrg]) {
        if (!r) continue;
        guard.begin();
        const body = r.body ? JSON.stringify({ name: 'Signed Hostile' }) : undefined;
        const res = await sendFor(h.url, r, { method: r.method, path: r.path, token, ...(body ? { body } : {}) }, 'signed-claims');
        const problems = await guard.check(r, 'signed-claims', describeRequest(r.method, r.path, body, identity.email.slice(0, 40)), res, unusable ? [401] : undefined);
        if (problems.length) failures.push(`${identity.email.slice(0, 40)} ${r.method} ${r.path}: ${problems.join('; ')}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

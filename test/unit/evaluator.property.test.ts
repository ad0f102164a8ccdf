// Properties of the evaluator (fast-check): monotonic grants, defaults, Administrators.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIONS, decide, decideIn, subjectGrants, type DefaultRoles, type Grant, type ResourceFacts } from '../../functions/domain/evaluator';
import { BUILT_IN_ROLES, ORG_ROLES, type Permission, type Scope } from '../../functions/domain/permissions';

const APPS = ['shop', 'blog'];
const ENVS = ['staging', 'prod'];
const TYPES = ['development', 'production'];
const TEAMS = ['web', 'ops'];

const targetFor = (scope: Scope) =>
  scope === 'org'
    ? fc.constant('')
    : scope === 'app'
      ? fc.constantFrom(...APPS, '*')
      : scope === 'envType'
        ? fc.constantFrom(...TYPES)
        : fc.tuple(fc.constantFrom(...APPS), fc.constantFrom(...ENVS)).map(([a, e]) => `${a}/${e}`);

/** Any grant a user can hold in their collection: built-in (non-Administrator) or custom, direct or via a team. */
const grantArb: fc.Arbitrary<Grant> = fc
  .constantFrom(...BUILT_IN_ROLES.filter((r) => r.id !== 'Administrator'))
  .chain((role) =>
    fc.record({
      scope: fc.constant(role.scope),
      target: role.scope === 'app' ? fc.constantFrom(...APPS) : targetFor(role.scope),
      role: fc.constant(role.id),
      permissions: fc.oneof(fc.constant(role.permissions), fc.subarray([...role.permissions] as Permission[], { minLength: 1 })),
      via: fc.oneof(fc.constant({ kind: 'direct' as const }), fc.constantFrom(...TEAMS).map((teamId) => ({ kind: 'team' as const, teamId }))),
    }),
  );

const defaultsArb: fc.Arbitrary<DefaultRoles> = fc.record({
  orgRole: fc.constant('Member'),
  appRole: fc.constantFrom(null, 'Viewer', 'Developer', 'Owner'),
  envTypeRoles: fc.subarray(TYPES).map((types) => Object.fromEntries(types.map((t) => [t, 'Deployer']))),
});

const orgRoleArb = fc.constantFrom(...ORG_ROLES.filter((r) => r !== 'Administrator'));

/** Every question worth asking in this small world: each action on each app, env and type. */
const QUESTIONS: { action: Permission; facts: ResourceFacts; env?: string }[] = ACTIONS.flatMap((action) =>
  APPS.flatMap((appId) =>
    ENVS.flatMap((envId) =>
      TYPES.map((envTypeId) => ({ action, facts: { appId, envId, envTypeId, appEnvTypes: [envTypeId] }, env: `${appId}/${envId}` })),
    ),
  ),
);

const allowedSet = (grants: Grant[]) =>
  new Set(QUESTIONS.flatMap((q, i) => (decide(grants, q.action, q.facts).allowed ? [i] : [])));

const grantsOf = (orgRole: string, grants: Grant[], defaults: DefaultRoles) =>
  subjectGrants({ orgId: 'o1', userId: 'u1', orgRole, grants }, defaults);

describe('properties', () => {
  it('adding a grant that is not an environment role never removes a permission', () => {
    fc.assert(
      fc.property(orgRoleArb, fc.array(grantArb, { maxLength: 6 }), grantArb.filter((g) => g.scope !== 'env'), defaultsArb, (orgRole, grants, extra, defaults) => {
        const before = allowedSet(grantsOf(orgRole, grants, defaults));
        const after = allowedSet(grantsOf(orgRole, [...grants, extra], defaults));
        for (const i of before) expect(after.has(i)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('adding an environment role never removes a permission anywhere but on that environment, where it replaces the app role by design', () => {
    fc.assert(
      fc.property(orgRoleArb, fc.array(grantArb, { maxLength: 6 }), grantArb.filter((g) => g.scope === 'env'), defaultsArb, (orgRole, grants, extra, defaults) => {
        const before = allowedSet(grantsOf(orgRole, grants, defaults));
        const after = allowedSet(grantsOf(orgRole, [...grants, extra], defaults));
        const hadEnvRole = grants.some((g) => g.scope === 'env' && g.target === extra.target);
        for (const i of before) {
          const q = QUESTIONS[i]!;
          const onThatEnv = q.env === extra.target && (PERMISSION_SCOPE_ENV.has(q.action));
          // Already overridden by an env role: adding another one there only adds.
          if (!onThatEnv || hadEnvRole) expect(after.has(i)).toBe(true);
        }
        // and on that environment the holder has at least the permissions of the new role
        for (const p of extra.permissions) {
          if (p === 'env.deploy' || p === 'env.delete' || !PERMISSION_SCOPE_ENV.has(p)) continue;
          const [appId, envId] = extra.target.split('/');
          expect(decide(grantsOf(orgRole, [...grants, extra], defaults), p, { appId, envId }).allowed).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('removing every grant leaves only the defaults (and the org role)', () => {
    fc.assert(
      fc.property(orgRoleArb, defaultsArb, (orgRole, defaults) => {
        const none = grantsOf(orgRole, [], defaults);
        for (const q of QUESTIONS) {
          const d = decide(none, q.action, q.facts);
          for (const r of d.reasons) expect(r.via === 'default' || r.role === orgRole).toBe(true);
          // exactly what the defaults give: the default app role on every app, Deployer on default types
          const appPerms = new Set<string>(defaults.appRole ? BUILT_IN_ROLES.find((r) => r.scope === 'app' && r.id === defaults.appRole)!.permissions : []);
          const typeOk = q.facts.envTypeId! in defaults.envTypeRoles;
          const orgPerms = new Set<string>(BUILT_IN_ROLES.find((r) => r.scope === 'org' && r.id === orgRole)!.permissions);
          // The authority to grant app roles (Managers) is the management of every app's and environment's members.
          const managesMembers = orgPerms.has('apps.grantRoles') && (q.action === 'app.manageMembers' || q.action === 'env.manageMembers');
          let expected: boolean;
          if (orgPerms.has(q.action) || managesMembers) expected = true;
          else if (q.action === 'envType.deploy') expected = typeOk;
          else if (q.action === 'env.create' || q.action === 'env.deploy' || q.action === 'env.delete') expected = appPerms.has(q.action) && typeOk;
          else if (q.action === 'app.delete') expected = appPerms.has('app.delete') && q.facts.appEnvTypes!.every((t) => t in defaults.envTypeRoles);
          else expected = appPerms.has(q.action);
          expect(d.allowed).toBe(expected);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('an Administrator is allowed everything in the org and nothing in another org', () => {
    fc.assert(
      fc.property(fc.array(grantArb, { maxLength: 6 }), defaultsArb, fc.constantFrom(...QUESTIONS), (grants, defaults, q) => {
        const admin = { orgId: 'o1', userId: 'u1', orgRole: 'Administrator', grants };
        expect(decideIn('o1', admin, defaults, q.action, q.facts).allowed).toBe(true);
        expect(decideIn('o2', admin, defaults, q.action, q.facts).allowed).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

const PERMISSION_SCOPE_ENV: ReadonlySet<string> = new Set(['env.read', 'env.update', 'env.deploy', 'env.delete', 'env.manageMembers']);

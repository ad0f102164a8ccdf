// Grant ceilings without I/O: who may give which role where, and the anti-escalation property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIONS, decide, subjectGrants, type DefaultRoles, type Grant, type ResourceFacts } from '../../functions/domain/evaluator';
import {
  assertMayChangeTeam,
  assertMayDefineRole,
  assertMayRestrict,
  assertMaySetDefaults,
  assertNoSelfRaise,
  grantRefusal,
  widenedAt,
  type GrantTarget,
  type RoleToGrant,
} from '../../functions/domain/grant-policy';
import { BUILT_IN_ROLES, PERMISSIONS, builtInRole, type Permission, type Scope } from '../../functions/domain/permissions';

const NO_DEFAULTS: DefaultRoles = { orgRole: 'Member', appRole: null, envTypeRoles: {} };
const g = (scope: Scope, target: string, role: string): Grant => ({ scope, target, role, permissions: builtInRole(scope, role)!.permissions, via: { kind: 'direct' } });
const actor = (orgRole: string, grants: Grant[] = [], defaults = NO_DEFAULTS) => subjectGrants({ orgId: 'o', userId: 'a', orgRole, grants }, defaults);
const role = (scope: Scope, id: string): RoleToGrant => builtInRole(scope, id)!;
const custom = (scope: Scope, permissions: Permission[]): RoleToGrant => ({ id: 'custom', scope, permissions });

const APP: GrantTarget = { scope: 'app', target: 'shop' };
const PROD_ENV: GrantTarget = { scope: 'env', target: 'shop/live', envTypeId: 'production' };
const TYPE: GrantTarget = { scope: 'envType', target: 'production' };
const ORG: GrantTarget = { scope: 'org', target: '' };
const FACTS: ResourceFacts = { appId: 'shop', envId: 'live', envTypeId: 'production', appEnvTypes: ['production'] };

const ACTORS: Record<string, Grant[]> = {
  Administrator: actor('Administrator'),
  Manager: actor('Manager'),
  'Manager (default Developer)': actor('Manager', [], { orgRole: 'Member', appRole: 'Developer', envTypeRoles: { development: 'Deployer' } }),
  'Manager (default Developer, Deployer on production)': actor('Manager', [g('envType', 'production', 'Deployer')], { orgRole: 'Member', appRole: 'Developer', envTypeRoles: {} }),
  'team manager': subjectGrants({ orgId: 'o', userId: 'a', orgRole: 'teams', orgRolePermissions: ['org.read', 'members.read', 'teams.manage', 'apps.grantRoles'], grants: [] }, NO_DEFAULTS),
  'app Owner': actor('Member', [g('app', 'shop', 'Owner')]),
  'app Owner + Deployer on production': actor('Member', [g('app', 'shop', 'Owner'), g('envType', 'production', 'Deployer')]),
  'app Developer': actor('Member', [g('app', 'shop', 'Developer')]),
  'env Owner': actor('Member', [g('env', 'shop/live', 'Owner')]),
  Member: actor('Member'),
};

// [actor, role given, where, allowed]
const TABLE: [string, RoleToGrant, GrantTarget, boolean][] = [
  ['Administrator', role('app', 'Owner'), APP, true],
  ['Administrator', role('envType', 'Deployer'), TYPE, true],
  ['Administrator', role('env', 'Owner'), PROD_ENV, true],
  ['Administrator', role('org', 'Manager'), ORG, true],
  ['Administrator', role('org', 'Administrator'), ORG, false],
  ['Manager', role('app', 'Owner'), APP, true],
  ['Manager', custom('app', ['app.read', 'app.delete']), APP, true],
  ['Manager', role('envType', 'Deployer'), TYPE, false],
  ['Manager', role('env', 'Viewer'), PROD_ENV, true],
  ['Manager', role('env', 'Deployer'), PROD_ENV, false],
  ['Manager', custom('env', ['env.read', 'env.delete']), PROD_ENV, false],
  ['Manager (default Developer)', role('env', 'Developer'), PROD_ENV, true],
  ['Manager (default Developer)', role('env', 'Deployer'), PROD_ENV, false],
  ['Manager', role('org', 'Member'), ORG, false],
  ['app Owner', role('app', 'Developer'), APP, true],
  ['app Owner', role('app', 'Viewer'), APP, true],
  ['app Owner', role('app', 'Owner'), APP, false],
  ['app Owner', custom('app', ['app.read', 'app.manageMembers']), APP, false],
  ['app Owner', custom('app', ['app.read', 'env.manageMembers']), APP, false],
  ['app Owner', custom('app', ['app.read', 'env.deploy']), APP, true],
  ['app Owner', role('app', 'Developer'), { scope: 'app', target: 'blog' }, false],
  ['app Owner', role('env', 'Developer'), PROD_ENV, true],
  ['app Owner', role('env', 'Deployer'), PROD_ENV, false],
  // Owners hand out environment roles up to Deployer, never the management of members.
  ['app Owner + Deployer on production', role('env', 'Owner'), PROD_ENV, false],
  ['app Owner + Deployer on production', role('env', 'Deployer'), PROD_ENV, true],
  ['app Owner + Deployer on production', custom('env', ['env.read', 'env.delete']), PROD_ENV, true],
  ['app Owner + Deployer on production', custom('env', ['env.read', 'env.manageMembers']), PROD_ENV, false],
  ['Manager (default Developer)', role('env', 'Owner'), PROD_ENV, false],
  ['Manager (default Developer, Deployer on production)', role('env', 'Owner'), PROD_ENV, true],
  ['app Owner', role('envType', 'Deployer'), TYPE, false],
  ['app Developer', role('app', 'Viewer'), APP, false],
  ['app Developer', role('env', 'Viewer'), PROD_ENV, false],
  ['env Owner', role('env', 'Owner'), PROD_ENV, false],
  ['env Owner', role('env', 'Deployer'), PROD_ENV, true],
  ['env Owner', role('env', 'Viewer'), { scope: 'env', target: 'shop/other', envTypeId: 'production' }, false],
  ['env Owner', role('app', 'Viewer'), APP, false],
  ['Member', role('app', 'Viewer'), APP, false],
  ['Member', role('app', 'Viewer'), TYPE, false],
];

describe('grant ceilings', () => {
  it.each(TABLE.map(([a, r, at, ok]) => [a, r.id, `${at.scope}:${at.target}`, ok, r, at] as const))('%s gives %s on %s: %s', (a, _id, _where, ok, r, at) => {
    expect(grantRefusal(ACTORS[a]!, r, at) === undefined).toBe(ok);
  });

  it('adding to a team needs the authority for every role the team holds', () => {
    const held = [{ role: role('app', 'Developer'), at: APP }, { role: role('envType', 'Deployer'), at: TYPE }];
    // teams.manage is the route's permission: a Manager (apps.grantRoles) does not change teams.
    expect(() => assertMayChangeTeam(ACTORS.Manager!, held.slice(0, 1))).toThrow(/Only Administrators change teams/);
    expect(() => assertMayChangeTeam(ACTORS['team manager']!, held)).toThrow(/environment-type/);
    expect(() => assertMayChangeTeam(ACTORS['team manager']!, held.slice(0, 1))).not.toThrow();
    expect(() => assertMayChangeTeam(ACTORS['app Owner']!, held.slice(0, 1))).toThrow(/Only Administrators change teams/);
    expect(() => assertMayChangeTeam(ACTORS.Administrator!, held)).not.toThrow();
  });

  it('custom roles are defined by Administrators, or within one\'s own org permissions with roles.manage', () => {
    expect(() => assertMayDefineRole(ACTORS.Manager!, custom('org', ['org.read']))).toThrow(/Only Administrators/);
    const roleEditor: Grant[] = subjectGrants({ orgId: 'o', userId: 'a', orgRole: 'editor', orgRolePermissions: ['org.read', 'roles.manage'], grants: [] }, NO_DEFAULTS);
    expect(() => assertMayDefineRole(roleEditor, custom('org', ['org.read']))).not.toThrow();
    expect(() => assertMayDefineRole(roleEditor, custom('org', ['org.delete']))).toThrow(/do not have/);
    expect(() => assertMayDefineRole(roleEditor, custom('app', ['app.read']))).toThrow(/Only Administrators/);
  });

  it('defaults are set by Administrators, or not above one\'s own', () => {
    const defaults: DefaultRoles = { orgRole: 'Member', appRole: 'Owner', envTypeRoles: {} };
    expect(() => assertMaySetDefaults(ACTORS.Administrator!, defaults)).not.toThrow();
    expect(() => assertMaySetDefaults(ACTORS.Manager!, defaults)).toThrow(/Only Administrators/);
    const setter = subjectGrants({ orgId: 'o', userId: 'a', orgRole: 'defaults', orgRolePermissions: ['org.read', 'members.read', 'defaultRoles.update'], grants: [g('app', '*', 'Developer')] }, NO_DEFAULTS);
    expect(() => assertMaySetDefaults(setter, defaults)).toThrow(/Owner/);
    expect(() => assertMaySetDefaults(setter, { ...defaults, appRole: 'Developer' })).not.toThrow();
  });
});

describe('one\'s own access and others\' restrictions', () => {
  const DEV_ENV: GrantTarget = { scope: 'env', target: 'shop/live', envTypeId: 'development' };
  const withDefaults: DefaultRoles = { orgRole: 'Member', appRole: 'Developer', envTypeRoles: { development: 'Deployer' } };

  it('no one raises their own access, a Manager included; Administrators hold everything already', () => {
    expect(() => assertNoSelfRaise(ACTORS.Manager!, role('app', 'Owner'), APP)).toThrow(/raise your own access/);
    expect(() => assertNoSelfRaise(actor('Manager', [], withDefaults), role('app', 'Developer'), APP)).not.toThrow();
    expect(() => assertNoSelfRaise(ACTORS['app Owner']!, role('app', 'Viewer'), APP)).not.toThrow();
    expect(() => assertNoSelfRaise(ACTORS.Administrator!, role('app', 'Owner'), APP)).not.toThrow();
  });

  it('an environment role that takes permissions away needs the authority to give them', () => {
    const appOwner = actor('Member', [g('app', 'shop', 'Owner')], withDefaults);
    const restricted = [...appOwner, g('env', 'shop/live', 'Viewer')];
    const grantee = { before: appOwner, after: restricted };
    // An environment Owner may not lock an app Owner out (env.manageMembers is not theirs to give) ...
    expect(() => assertMayRestrict(actor('Member', [g('env', 'shop/live', 'Owner')], withDefaults), grantee, DEV_ENV)).toThrow(/take .*env.manageMembers/);
    // ... a Manager may; and a role that takes nothing away needs nothing more.
    expect(() => assertMayRestrict(actor('Manager', [], withDefaults), grantee, DEV_ENV)).not.toThrow();
    const viewer = actor('Member', [g('app', 'shop', 'Viewer')]);
    expect(() => assertMayRestrict(ACTORS['env Owner']!, { before: viewer, after: [...viewer, g('env', 'shop/live', 'Deployer')] }, DEV_ENV)).not.toThrow();
  });

  it('dropping an environment role widens access only where it restricted', () => {
    const owner = actor('Member', [g('app', 'shop', 'Owner')], withDefaults);
    const restrictedBy = g('env', 'shop/live', 'Viewer');
    const lifted = widenedAt([...owner, restrictedBy], owner, [DEV_ENV]);
    expect(lifted).toHaveLength(1);
    expect(lifted[0]!.permissions).toEqual(expect.arrayContaining(['env.update', 'env.deploy', 'env.delete', 'env.manageMembers']));
    const raisedBy = g('env', 'shop/live', 'Deployer');
    const viewer = actor('Member', [g('app', 'shop', 'Viewer')]);
    expect(widenedAt([...viewer, raisedBy], viewer, [DEV_ENV])).toEqual([]);
    expect(widenedAt(owner, owner, [APP])).toEqual([]);
  });
});

describe('anti-escalation property', () => {
  const scopes: Scope[] = ['app', 'envType', 'env'];
  const grantArb = fc.constantFrom(...BUILT_IN_ROLES.filter((r) => r.scope !== 'org')).chain((r) =>
    fc.record({
      scope: fc.constant(r.scope),
      target: fc.constant(r.scope === 'app' ? 'shop' : r.scope === 'envType' ? 'production' : 'shop/live'),
      role: fc.constant(r.id),
      permissions: fc.constant(r.permissions),
      via: fc.constant({ kind: 'direct' as const }),
    }),
  );
  const targets: Record<string, GrantTarget> = { app: APP, envType: TYPE, env: PROD_ENV };

  it('whoever is not a Manager or Administrator gives only what they may do themselves, never the management of members', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Member', 'ArtifactContributor'),
        fc.array(grantArb, { maxLength: 5 }),
        fc.constantFrom(...scopes).chain((s) => fc.tuple(fc.constant(s), fc.subarray([...PERMISSIONS[s]] as Permission[], { minLength: 1 }))),
        (orgRole, grants, [scope, permissions]) => {
          const a = actor(orgRole, grants);
          const at = targets[scope]!;
          if (grantRefusal(a, { id: 'x', scope, permissions }, at) !== undefined) return;
          // Judged by decisions, not by the policy's own arithmetic: whatever the grant lets a bare
          // Member do on this target, the actor may do there too.
          // An app role is judged on an environment without environment roles (one there is personal to
          // its holder: an Owner restricted on one environment still grants app roles app-wide).
          const facts = scope === 'app' ? { ...FACTS, envId: 'other' } : FACTS;
          const grantee = actor('Member', [{ scope, target: at.target, role: 'x', permissions, via: { kind: 'direct' } }]);
          const bare = actor('Member');
          for (const action of ACTIONS) {
            if (decide(grantee, action, facts).allowed && !decide(bare, action, facts).allowed) {
              expect(decide(a, action, facts).allowed, `${action} given by ${orgRole} holding ${JSON.stringify(grants.map((x) => `${x.role}@${x.target}`))}`).toBe(true);
            }
          }
          expect(permissions).not.toContain('app.manageMembers');
          expect(permissions).not.toContain('env.manageMembers');
        },
      ),
      { numRuns: 500 },
    );
  });
});

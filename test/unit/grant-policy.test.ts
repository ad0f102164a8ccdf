// Grant ceilings without I/O: who may give which role where, and the anti-escalation property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { effectivePermissions, subjectGrants, type DefaultRoles, type Grant } from '../../functions/domain/evaluator';
import { assertMayChangeTeam, assertMayDefineRole, assertMaySetDefaults, grantRefusal, type GrantTarget, type RoleToGrant } from '../../functions/domain/grant-policy';
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

const ACTORS: Record<string, Grant[]> = {
  Administrator: actor('Administrator'),
  Manager: actor('Manager'),
  'Manager (default Developer)': actor('Manager', [], { orgRole: 'Member', appRole: 'Developer', envTypeRoles: { development: 'Deployer' } }),
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
  ['Manager', role('env', 'Viewer'), PROD_ENV, false],
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
  ['app Owner + Deployer on production', role('env', 'Owner'), PROD_ENV, true],
  ['app Owner', role('envType', 'Deployer'), TYPE, false],
  ['app Developer', role('app', 'Viewer'), APP, false],
  ['app Developer', role('env', 'Viewer'), PROD_ENV, false],
  ['env Owner', role('env', 'Owner'), PROD_ENV, true],
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
    expect(() => assertMayChangeTeam(ACTORS.Manager!, held)).toThrow(/environment-type/);
    expect(() => assertMayChangeTeam(ACTORS.Manager!, held.slice(0, 1))).not.toThrow();
    expect(() => assertMayChangeTeam(ACTORS['app Owner']!, held.slice(0, 1))).toThrow(/Only Administrators and Managers/);
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

  it('whoever is not a Manager or Administrator gives only roles within their own effective permissions, never member management of an app', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Member', 'ArtifactContributor'),
        fc.array(grantArb, { maxLength: 5 }),
        fc.constantFrom(...scopes).chain((s) => fc.tuple(fc.constant(s), fc.subarray([...PERMISSIONS[s]] as Permission[], { minLength: 1 }))),
        (orgRole, grants, [scope, permissions]) => {
          const a = actor(orgRole, grants);
          const at = targets[scope]!;
          if (grantRefusal(a, { id: 'x', scope, permissions }, at) !== undefined) return;
          const own = effectivePermissions(a, scope, at.target, at.envTypeId ? { envTypeId: at.envTypeId } : {});
          for (const p of permissions) expect(own.has(p)).toBe(true);
          if (scope === 'app') expect(permissions).not.toContain('app.manageMembers');
        },
      ),
      { numRuns: 500 },
    );
  });
});

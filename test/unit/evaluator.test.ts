// The evaluator, without I/O: every built-in role at every scope × every action (hand-written
// expectations), then the compound rules.
import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  INITIAL_DEFAULT_ROLES,
  decide,
  decideIn,
  describeReason,
  subjectGrants,
  type DefaultRoles,
  type Grant,
  type ResourceFacts,
} from '../../functions/domain/evaluator';
import { ALL_PERMISSIONS, BUILT_IN_ROLES, builtInRole, type Permission, type Scope } from '../../functions/domain/permissions';

const NO_DEFAULTS: DefaultRoles = { orgRole: 'Member', appRole: null, envTypeRoles: {} };

/** A grant of a built-in role, with overrides. */
const grant = (scope: Scope, target: string, role: string, via: Grant['via'] = { kind: 'direct' }): Grant => ({
  scope,
  target,
  role,
  permissions: builtInRole(scope, role)!.permissions,
  via,
});

const subject = (grants: Grant[], orgRole = 'Member', defaults = NO_DEFAULTS) =>
  subjectGrants({ orgId: 'o1', userId: 'u1', orgRole, grants }, defaults);

const FACTS: ResourceFacts = { appId: 'shop', envId: 'staging', envTypeId: 'production', appEnvTypes: [] };
const TARGET: Record<Scope, string> = { org: '', app: 'shop', envType: 'production', env: 'shop/staging' };

const MEMBER = ['org.read', 'members.read'];
const ARTIFACT = [...MEMBER, 'artifacts.read', 'artifacts.write', 'registry.readCredentials'];
// A Manager grants app roles: that is managing the members of every app and environment.
const MANAGER = [...ARTIFACT, 'members.invite', 'members.remove', 'tokens.issue', 'apps.create', 'apps.grantRoles', 'app.manageMembers', 'env.manageMembers'];
const APP_VIEWER = [...MEMBER, 'app.read', 'env.read'];
const APP_DEVELOPER = [...APP_VIEWER, 'app.update', 'env.update'];
const APP_OWNER = [...APP_DEVELOPER, 'app.delete', 'app.manageMembers', 'env.manageMembers'];
const ENV_VIEWER = [...MEMBER, 'app.read', 'env.read'];
const ENV_DEVELOPER = [...ENV_VIEWER, 'env.update'];
const ENV_DEPLOYER = [...ENV_DEVELOPER, 'env.deploy'];
const ENV_OWNER = [...ENV_DEPLOYER, 'env.delete', 'env.manageMembers'];

/**
 * What each built-in role allows on app shop, environment shop/staging (type production, on which
 * the holder is not Deployer), with no defaults. Org-scope rows are the member's org role; others
 * are held by a Member. Env creation, deployment and deletion need Deployer on the type, so app
 * roles alone never allow them here; an environment role that deploys stands for the type.
 */
const EXPECTED: Record<string, string[]> = {
  'org:Member': MEMBER,
  'org:ArtifactContributor': ARTIFACT,
  'org:Manager': MANAGER,
  'org:Administrator': [...ALL_PERMISSIONS],
  'app:Viewer': APP_VIEWER,
  'app:Developer': APP_DEVELOPER,
  'app:Owner': APP_OWNER,
  'envType:Deployer': [...MEMBER, 'envType.deploy'],
  'env:Viewer': ENV_VIEWER,
  'env:Developer': ENV_DEVELOPER,
  'env:Deployer': ENV_DEPLOYER,
  'env:Owner': ENV_OWNER,
};

describe('matrix: every built-in role at every scope × every action', () => {
  it('covers every built-in role and the expected lists name real actions', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(BUILT_IN_ROLES.map((r) => `${r.scope}:${r.id}`).sort());
    for (const list of Object.values(EXPECTED)) for (const a of list) expect(ALL_PERMISSIONS.has(a)).toBe(true);
  });
  const rows = BUILT_IN_ROLES.flatMap((r) => ACTIONS.map((action) => [`${r.scope}:${r.id}`, action, EXPECTED[`${r.scope}:${r.id}`]!.includes(action)] as const));
  it.each(rows)('%s → %s: %s', (key, action, expected) => {
    const [scope, role] = key.split(':') as [Scope, string];
    const grants = scope === 'org' ? subject([], role) : subject([grant(scope, TARGET[scope], role)]);
    expect(decide(grants, action, FACTS).allowed).toBe(expected);
  });
});

interface Case {
  name: string;
  grants: Grant[];
  orgRole?: string;
  defaults?: DefaultRoles;
  action: Permission;
  facts: ResourceFacts;
  allowed: boolean;
  /** Sources that must appear among the reasons ('team:x' for a team). */
  via?: string[];
}

const app = (role: string, target = 'shop', via?: Grant['via']) => grant('app', target, role, via);
const envType = (target: string, via?: Grant['via']) => grant('envType', target, 'Deployer', via);
const env = (role: string, target = 'shop/staging', via?: Grant['via']) => grant('env', target, role, via);
const team = (teamId: string): Grant['via'] => ({ kind: 'team', teamId });
const staging = (envTypeId: string): ResourceFacts => ({ appId: 'shop', envId: 'staging', envTypeId });

const COMPOUND: Case[] = [
  // environment type
  { name: 'Developer creates an env of a type they deploy to', grants: [app('Developer'), envType('production')], action: 'env.create', facts: { appId: 'shop', envTypeId: 'production' }, allowed: true },
  { name: 'Developer without Deployer on the type may not create', grants: [app('Developer')], action: 'env.create', facts: { appId: 'shop', envTypeId: 'production' }, allowed: false },
  { name: 'Viewer with Deployer on the type may not create', grants: [app('Viewer'), envType('production')], action: 'env.create', facts: { appId: 'shop', envTypeId: 'production' }, allowed: false },
  { name: 'Owner deploys with Deployer on the type', grants: [app('Owner'), envType('production')], action: 'env.deploy', facts: staging('production'), allowed: true },
  { name: 'Owner without Deployer on the type may not deploy', grants: [app('Owner')], action: 'env.deploy', facts: staging('production'), allowed: false },
  { name: 'Deployer on another type does not help', grants: [app('Developer'), envType('qa')], action: 'env.delete', facts: staging('production'), allowed: false },
  { name: 'everyone deploys to development by default', grants: [app('Developer')], defaults: INITIAL_DEFAULT_ROLES, action: 'env.deploy', facts: staging('development'), allowed: true, via: ['direct', 'default'] },
  // app deletion
  { name: 'Owner deletes an app whose envs use types they deploy to', grants: [app('Owner'), envType('production'), envType('qa')], action: 'app.delete', facts: { appId: 'shop', appEnvTypes: ['production', 'qa'] }, allowed: true },
  { name: 'Owner may not delete an app using a type they do not deploy to', grants: [app('Owner'), envType('production')], action: 'app.delete', facts: { appId: 'shop', appEnvTypes: ['production', 'qa'] }, allowed: false },
  { name: 'Developer may not delete an app even as Deployer everywhere', grants: [app('Developer'), envType('production')], action: 'app.delete', facts: { appId: 'shop', appEnvTypes: ['production'] }, allowed: false },
  { name: 'Administrator deletes any app', grants: [], orgRole: 'Administrator', action: 'app.delete', facts: { appId: 'shop', appEnvTypes: ['production'] }, allowed: true, via: ['administrator'] },
  // environment roles override app roles, upward
  { name: 'Viewer on the app, Deployer on staging: deploys staging', grants: [app('Viewer'), env('Deployer')], action: 'env.deploy', facts: staging('production'), allowed: true, via: ['direct'] },
  { name: 'Viewer on the app, Deployer on staging: not another env', grants: [app('Viewer'), env('Deployer')], action: 'env.deploy', facts: { appId: 'shop', envId: 'prod', envTypeId: 'production' }, allowed: false },
  { name: 'Owner on staging deletes it without an app role', grants: [env('Owner')], action: 'env.delete', facts: staging('production'), allowed: true },
  { name: 'an env role shows its app (app.read) and nothing more on it', grants: [env('Viewer')], action: 'app.update', facts: { appId: 'shop' }, allowed: false },
  { name: 'an env role shows its app', grants: [env('Viewer')], action: 'app.read', facts: { appId: 'shop' }, allowed: true },
  // and downward
  { name: 'Owner on the app, Viewer on staging: may not deploy staging', grants: [app('Owner'), envType('production'), env('Viewer')], action: 'env.deploy', facts: staging('production'), allowed: false },
  { name: 'Owner on the app, Viewer on staging: still deploys another env', grants: [app('Owner'), envType('production'), env('Viewer')], action: 'env.deploy', facts: { appId: 'shop', envId: 'prod', envTypeId: 'production' }, allowed: true },
  { name: 'Owner on the app, Viewer on staging: may not manage its members', grants: [app('Owner'), env('Viewer')], action: 'env.manageMembers', facts: staging('production'), allowed: false },
  { name: 'Owner on the app, Viewer on staging: still deletes the app', grants: [app('Owner'), env('Viewer')], action: 'app.delete', facts: { appId: 'shop', appEnvTypes: [] }, allowed: true },
  { name: 'default Developer, Viewer on staging: reads but does not update it', grants: [env('Viewer')], defaults: INITIAL_DEFAULT_ROLES, action: 'env.update', facts: staging('development'), allowed: false },
  // teams
  { name: 'a team role counts like a direct one', grants: [app('Developer', 'shop', team('web')), envType('production')], action: 'env.deploy', facts: staging('production'), allowed: true, via: ['team:web', 'direct'] },
  { name: 'the highest of direct and team roles: team Owner over direct Viewer', grants: [app('Viewer'), app('Owner', 'shop', team('leads'))], action: 'app.manageMembers', facts: { appId: 'shop' }, allowed: true, via: ['team:leads'] },
  { name: 'a team env role overrides the app role on that env', grants: [app('Developer'), envType('production'), env('Viewer', 'shop/staging', team('auditors'))], action: 'env.deploy', facts: staging('production'), allowed: false },
  { name: 'a team role on another app does not help', grants: [app('Owner', 'blog', team('web'))], action: 'app.read', facts: { appId: 'shop' }, allowed: false },
  // defaults
  { name: 'default app role covers every app, also new ones', grants: [], defaults: INITIAL_DEFAULT_ROLES, action: 'app.update', facts: { appId: 'created-later' }, allowed: true, via: ['default'] },
  { name: 'no default app role: nothing on apps', grants: [], action: 'app.read', facts: { appId: 'shop' }, allowed: false },
  { name: 'default Deployer on development only', grants: [app('Developer')], defaults: INITIAL_DEFAULT_ROLES, action: 'env.create', facts: { appId: 'shop', envTypeId: 'production' }, allowed: false },
  { name: 'the highest of direct and default roles: direct Owner over default Developer', grants: [app('Owner')], defaults: INITIAL_DEFAULT_ROLES, action: 'app.manageMembers', facts: { appId: 'shop' }, allowed: true, via: ['direct'] },
  // custom roles
  {
    name: 'a custom app role allows exactly its permissions',
    grants: [{ scope: 'app', target: 'shop', role: 'release-manager', permissions: ['app.read', 'env.read', 'env.deploy'], via: { kind: 'direct' } }, envType('production')],
    action: 'env.deploy',
    facts: staging('production'),
    allowed: true,
  },
  {
    name: 'a custom app role without app.update does not update',
    grants: [{ scope: 'app', target: 'shop', role: 'release-manager', permissions: ['app.read', 'env.read', 'env.deploy'], via: { kind: 'direct' } }],
    action: 'app.update',
    facts: { appId: 'shop' },
    allowed: false,
  },
  {
    name: 'a custom org role via a team',
    grants: [{ scope: 'org', target: '', role: 'token-issuer', permissions: ['tokens.issue'], via: { kind: 'team', teamId: 'ci' } }],
    action: 'tokens.issue',
    facts: {},
    allowed: true,
    via: ['team:ci'],
  },
  {
    name: 'a custom env role that deploys stands for the type',
    grants: [{ scope: 'env', target: 'shop/staging', role: 'shipper', permissions: ['env.read', 'env.deploy'], via: { kind: 'direct' } }],
    action: 'env.deploy',
    facts: staging('production'),
    allowed: true,
  },
  // administrators
  { name: 'a team role at org scope passes on its permissions (the grant policy never lets a team hold Administrator)', grants: [{ ...grant('org', '', 'Administrator'), via: team('admins') }], action: 'org.delete', facts: {}, allowed: true, via: ['team:admins'] },
];

describe('compound rules', () => {
  it.each(COMPOUND.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const decision = decide(subject(c.grants, c.orgRole ?? 'Member', c.defaults ?? NO_DEFAULTS), c.action, c.facts);
    expect(decision.allowed).toBe(c.allowed);
    if (c.allowed) expect(decision.missing).toEqual([]);
    else expect(decision.missing.length).toBeGreaterThan(0);
    for (const via of c.via ?? []) {
      expect(decision.reasons.map((r) => (r.via === 'team' ? `team:${r.teamId}` : r.via))).toContain(via);
    }
  });

  it('a team holding the Administrator org role grants its permissions but not Administrator status', () => {
    const grants = subject([{ ...grant('org', '', 'Administrator'), via: team('admins') }]);
    // org permissions pass through like any role; the Administrator shortcut (everything everywhere) does not
    expect(decide(grants, 'app.delete', { appId: 'shop', appEnvTypes: [] }).allowed).toBe(false);
  });
});

describe('decisions', () => {
  it('names what is missing', () => {
    const d = decide(subject([app('Developer')]), 'env.deploy', staging('production'));
    expect(d.missing).toEqual(['envType.deploy on environment type production']);
  });

  it('describes reasons in words', () => {
    const d = decide(subject([app('Developer', 'shop', team('web'))], 'Member', INITIAL_DEFAULT_ROLES), 'app.update', { appId: 'shop' });
    expect(d.reasons.map(describeReason).sort()).toEqual(['default: Developer on every app', 'team web: Developer on app shop']);
    const admin = decide(subject([], 'Administrator'), 'org.delete');
    expect(admin.reasons.map(describeReason)).toEqual(['administrator: Administrator on the organization']);
  });

  it('rejects unknown actions and missing facts', () => {
    expect(() => decide(subject([]), 'app.fly', {})).toThrow(/unknown action/);
    expect(() => decide(subject([]), 'env.deploy', { appId: 'shop', envId: 'staging' })).toThrow(/needs envTypeId/);
  });

  it('holds nothing for a non-member, and nothing across organizations', () => {
    expect(decide(subjectGrants({ orgId: 'o1', userId: 'u', orgRole: null, grants: [app('Owner')] }, INITIAL_DEFAULT_ROLES), 'app.read', { appId: 'shop' }).allowed).toBe(false);
    const admin = { orgId: 'o1', userId: 'u', orgRole: 'Administrator', grants: [] };
    expect(decideIn('o1', admin, INITIAL_DEFAULT_ROLES, 'org.delete').allowed).toBe(true);
    expect(decideIn('o2', admin, INITIAL_DEFAULT_ROLES, 'org.delete').allowed).toBe(false);
  });
});

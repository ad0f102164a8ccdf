// Permissions and built-in roles. A role is a named set of permissions at one scope; built-in roles
// and custom roles are the same kind of object, so one evaluator serves both.

export const SCOPES = ['org', 'app', 'envType', 'env'] as const;
export type Scope = (typeof SCOPES)[number];

/** Every permission, by the scope at which a role can hold it. */
export const PERMISSIONS = {
  org: [
    'org.read',
    'org.update',
    'org.delete',
    'members.read',
    'members.invite',
    'members.remove',
    'members.setRole',
    'artifacts.read',
    'artifacts.write',
    'registry.readCredentials',
    'tokens.issue',
    'apps.create',
    'apps.grantRoles',
    'envTypes.manage',
    'teams.manage',
    'roles.manage',
    'defaultRoles.update',
    'resources.update',
  ],
  app: ['app.read', 'app.update', 'app.delete', 'app.manageMembers', 'env.create', 'env.read', 'env.update', 'env.deploy', 'env.delete', 'env.manageMembers'],
  envType: ['envType.deploy'],
  env: ['env.read', 'env.update', 'env.deploy', 'env.delete', 'env.manageMembers'],
} as const satisfies Record<Scope, readonly string[]>;

export type Permission = (typeof PERMISSIONS)[Scope][number];
export const ALL_PERMISSIONS: ReadonlySet<string> = new Set(Object.values(PERMISSIONS).flat());

/**
 * What only the Administrator role may do (the design: update Resources, change others' org roles,
 * edit default roles). No custom role, and so no team or default, can hold these.
 */
export const ADMINISTRATOR_ONLY: readonly Permission[] = ['members.setRole', 'defaultRoles.update', 'resources.update'];

/** Permissions that manage who holds roles on an app or an environment (the Owner's, at either scope). */
export const MEMBER_MANAGEMENT: readonly Permission[] = ['app.manageMembers', 'env.manageMembers'];

export interface RoleDefinition {
  id: string;
  name: string;
  scope: Scope;
  permissions: readonly Permission[];
  builtIn: boolean;
  /** Built-in roles of one scope are ordered; a higher rank holds every permission of a lower one. */
  rank?: number;
}

const role = (scope: Scope, id: string, rank: number, permissions: readonly Permission[]): RoleDefinition => ({
  id,
  name: id.replace(/([a-z])([A-Z])/g, '$1 $2'),
  scope,
  permissions,
  builtIn: true,
  rank,
});

const MEMBER: Permission[] = ['org.read', 'members.read'];
const ARTIFACT_CONTRIBUTOR: Permission[] = [...MEMBER, 'artifacts.read', 'artifacts.write', 'registry.readCredentials'];
const MANAGER: Permission[] = [
  ...ARTIFACT_CONTRIBUTOR,
  'members.invite',
  'members.remove',
  'tokens.issue',
  'apps.create',
  'apps.grantRoles',
];
const APP_VIEWER: Permission[] = ['app.read', 'env.read'];
const APP_DEVELOPER: Permission[] = [...APP_VIEWER, 'app.update', 'env.create', 'env.update', 'env.deploy', 'env.delete'];
const APP_OWNER: Permission[] = [...APP_DEVELOPER, 'app.delete', 'app.manageMembers', 'env.manageMembers'];
const ENV_VIEWER: Permission[] = ['env.read'];
const ENV_DEVELOPER: Permission[] = [...ENV_VIEWER, 'env.update'];
const ENV_DEPLOYER: Permission[] = [...ENV_DEVELOPER, 'env.deploy'];
const ENV_OWNER: Permission[] = [...ENV_DEPLOYER, 'env.delete', 'env.manageMembers'];

export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  role('org', 'Member', 1, MEMBER),
  role('org', 'ArtifactContributor', 2, ARTIFACT_CONTRIBUTOR),
  role('org', 'Manager', 3, MANAGER),
  role('org', 'Administrator', 4, PERMISSIONS.org),
  role('app', 'Viewer', 1, APP_VIEWER),
  role('app', 'Developer', 2, APP_DEVELOPER),
  role('app', 'Owner', 3, APP_OWNER),
  role('envType', 'Deployer', 1, PERMISSIONS.envType),
  role('env', 'Viewer', 1, ENV_VIEWER),
  role('env', 'Developer', 2, ENV_DEVELOPER),
  role('env', 'Deployer', 3, ENV_DEPLOYER),
  role('env', 'Owner', 4, ENV_OWNER),
];

export const ORG_ROLES = ['Member', 'ArtifactContributor', 'Manager', 'Administrator'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];
export const APP_ROLES = ['Viewer', 'Developer', 'Owner'] as const;
export const ENV_TYPE_ROLES = ['Deployer'] as const;
export const ENV_ROLES = ['Viewer', 'Developer', 'Deployer', 'Owner'] as const;
export const ADMINISTRATOR: OrgRole = 'Administrator';

const builtInByKey = new Map(BUILT_IN_ROLES.map((r) => [`${r.scope}:${r.id}`, r]));

export function builtInRole(scope: Scope, id: string): RoleDefinition | undefined {
  return builtInByKey.get(`${scope}:${id}`);
}

export function isBuiltInRoleId(scope: Scope, id: string): boolean {
  return builtInByKey.has(`${scope}:${id}`);
}

/** The built-in environment type every organization has and everyone deploys to. */
export const DEVELOPMENT_ENV_TYPE = 'development';

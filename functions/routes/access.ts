// Routes: apps, environment types, environments, the roles held on them, teams, default and custom
// roles, and the authorize decision (issue 4). Every route declares the permission it needs; with
// check 'operation' the operation decides it because it needs facts only it reads (an environment's
// type) or a grant ceiling (functions/domain/grant-policy.ts).

import { z } from 'zod';
import { displayName, id, slug } from '../domain/ids';
import { ACTIONS } from '../domain/evaluator';
import { SCOPES } from '../domain/permissions';
import { defineRoute } from '../http/route';
import { orgParams, pageQuery } from './schemas';

const appParams = orgParams.extend({ appId: slug('appId') });
const envParams = appParams.extend({ envId: slug('envId') });
const typeParams = orgParams.extend({ typeId: slug('typeId') });
const teamParams = orgParams.extend({ teamId: slug('teamId') });
const roleParams = orgParams.extend({ roleId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a role id') });
const userId = id('userId');
/** A role id: built-in (Viewer, Developer, Owner, Deployer, ...) or a custom role's slug. */
const roleId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a role id such as Viewer, Developer, Owner, Deployer or a custom role id');
const roleBody = z.strictObject({ role: roleId });
const description = z.string().trim().max(500, 'description must be at most 500 characters').optional();
const scopeIds = {
  appId: slug('appId').optional(),
  envId: slug('envId').optional(),
  envTypeId: slug('envTypeId').optional(),
};

// ---- apps ----

export const createApp = defineRoute({
  method: 'POST',
  path: '/v1/orgs/{orgId}/apps',
  group: 'apps',
  operationId: 'createApp',
  summary: 'Create an app; the caller becomes its Owner (Managers and Administrators).',
  auth: 'user',
  permission: { action: 'apps.create', check: 'route' },
  params: orgParams,
  body: z.strictObject({ id: slug('id'), name: displayName('name') }),
  status: 201,
});

export const listApps = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/apps',
  group: 'apps',
  operationId: 'listApps',
  summary: 'The apps the caller may see (app.read), one page at a time.',
  auth: 'user',
  permission: { action: 'org.read', check: 'route' },
  params: orgParams,
  query: pageQuery,
});

export const getApp = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/apps/{appId}',
  group: 'apps',
  operationId: 'getApp',
  summary: 'An app with its environments.',
  auth: 'user',
  permission: { action: 'app.read', check: 'route' },
  params: appParams,
});

export const deleteApp = defineRoute({
  method: 'DELETE',
  path: '/v1/orgs/{orgId}/apps/{appId}',
  group: 'apps',
  operationId: 'deleteApp',
  summary: 'Delete an app with its environments and every role held on them: Owner and Deployer on every environment type the app uses.',
  auth: 'user',
  permission: { action: 'app.delete', check: 'operation' },
  params: appParams,
});

export const listAppMembers = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/apps/{appId}/members',
  group: 'apps',
  operationId: 'listAppMembers',
  summary: 'Users and teams holding a role on the app (defaults and Administrators apply besides).',
  auth: 'user',
  permission: { action: 'app.read', check: 'route' },
  params: appParams,
});

export const setAppMember = defineRoute({
  method: 'PUT',
  path: '/v1/orgs/{orgId}/apps/{appId}/members/{userId}',
  group: 'apps',
  operationId: 'setAppMember',
  summary: "Give a member an app role (Managers and Administrators: any; the app's Owners: up to Developer). No one raises their own access.",
  auth: 'user',
  permission: { action: 'app.manageMembers', check: 'operation' },
  params: appParams.extend({ userId }),
  body: roleBody,
});

export const removeAppMember = defineRoute({
  method: 'DELETE',
  path: '/v1/orgs/{orgId}/apps/{appId}/members/{userId}',
  group: 'apps',
  operationId: 'removeAppMember',
  summary: "Take a member's app role away (the same authority as giving it; anyone may drop their own).",
  auth: 'user',
  permission: { action: 'app.manageMembers', check: 'operation' },
  params: appParams.extend({ userId }),
});

// ---- environment types ----

export const createEnvType = defineRoute({
  method: 'POST',
  path: '/v1/orgs/{orgId}/env-types',
  group: 'apps',
  operationId: 'createEnvType',
  summary: 'Create an environment type (Administrators).',
  auth: 'user',
  permission: { action: 'envTypes.manage', check: 'route' },
  params: orgParams,
  body: z.strictObject({ id: slug('id'), description }),
  status: 201,
});

export const listEnvTypes = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/env-types',
  group: 'apps',
  operationId: 'listEnvTypes',
  summary: "The organization's environment types (development is built in).",
  auth: 'user',
  permission: { action: 'org.read', check: 'route' },
  params: orgParams,
});

export const listEnvTypeMembers = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/env-types/{typeId}/members',
  group: 'apps',
  operationId: 'listEnvTypeMembers',
  summary: 'Users and teams holding Deployer on the environment type (defaults and Administrators apply besides).',
  auth: 'user',
  permission: { action: 'org.read', check: 'route' },
  params: typeParams,
});

export const setEnvTypeMember = defineRoute({
  method: 'PUT',
  path: '/v1/orgs/{orgId}/env-types/{typeId}/members/{userId}',
  group: 'apps',
  operationId: 'setEnvTypeMember',
  summary: 'Make a member Deployer on an environment type (Administrators).',
  auth: 'user',
  permission: { action: 'envTypes.manage', check: 'route' },
  params: typeParams.extend({ userId }),
  body: roleBody,
});

export const removeEnvTypeMember = defineRoute({
  method: 'DELETE',
  path: '/v1/orgs/{orgId}/env-types/{typeId}/members/{userId}',
  group: 'apps',
  operationId: 'removeEnvTypeMember',
  summary: "Take a member's environment-type role away (Administrators; anyone may drop their own).",
  auth: 'user',
  permission: { action: 'envTypes.manage', check: 'operation' },
  params: typeParams.extend({ userId }),
});

// ---- environments ----

export const createEnv = defineRoute({
  method: 'POST',
  path: '/v1/orgs/{orgId}/apps/{appId}/envs',
  group: 'apps',
  operationId: 'createEnv',
  summary: 'Create an environment: Developer or Owner on the app and Deployer on its type.',
  auth: 'user',
  permission: { action: 'env.create', check: 'operation' },
  params: appParams,
  body: z.strictObject({ id: slug('id'), type: slug('type') }),
  status: 201,
});

export const listEnvs = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/apps/{appId}/envs',
  group: 'apps',
  operationId: 'listEnvs',
  summary: "The app's environments.",
  auth: 'user',
  permission: { action: 'app.read', check: 'route' },
  params: appParams,
});

export const getEnv = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/apps/{appId}/envs/{envId}',
  group: 'apps',
  operationId: 'getEnv',
  summary: 'One environment.',
  auth: 'user',
  permission: { action: 'env.read', check: 'route' },
  params: envParams,
});

export const deleteEnv = defineRoute({
  method: 'DELETE',
  path: '/v1/orgs/{orgId}/apps/{appId}/envs/{envId}',
  group: 'apps',
  operationId: 'deleteEnv',
  summary: 'Delete an environment and the roles held on it: Developer or Owner on the app and Deployer on its type, or an environment role that deletes.',
  auth: 'user',
  permission: { action: 'env.delete', check: 'operation' },
  params: envParams,
});

export const listEnvMembers = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/apps/{appId}/envs/{envId}/members',
  group: 'apps',
  operationId: 'listEnvMembers',
  summary: 'Users and teams holding a role on the environment.',
  auth: 'user',
  permission: { action: 'env.read', check: 'route' },
  params: envParams,
});

export const setEnvMember = defineRoute({
  method: 'PUT',
  path: '/v1/orgs/{orgId}/apps/{appId}/envs/{envId}/members/{userId}',
  group: 'apps',
  operationId: 'setEnvMember',
  summary:
    "Give a member a role on one environment (Viewer, Developer, Deployer, Owner), which replaces their app role there: Managers any (one that deploys or deletes needs their own Deployer on the type), the app's or environment's Owners up to Deployer and within their own. Taking permissions away from the member there needs the authority to give them.",
  auth: 'user',
  permission: { action: 'env.manageMembers', check: 'operation' },
  params: envParams.extend({ userId }),
  body: roleBody,
});

export const removeEnvMember = defineRoute({
  method: 'DELETE',
  path: '/v1/orgs/{orgId}/apps/{appId}/envs/{envId}/members/{userId}',
  group: 'apps',
  operationId: 'removeEnvMember',
  summary: "Take a member's environment role away (the same authority as giving it; anyone may drop their own unless it restricts them below their app role).",
  auth: 'user',
  permission: { action: 'env.manageMembers', check: 'operation' },
  params: envParams.extend({ userId }),
});

// ---- teams ----

const teamGrantBody = z.strictObject({ scope: z.enum(SCOPES), role: roleId, ...scopeIds });
const teamGrantQuery = z.strictObject({ scope: z.enum(SCOPES), ...scopeIds });

export const createTeam = defineRoute({
  method: 'POST',
  path: '/v1/orgs/{orgId}/teams',
  group: 'teams',
  operationId: 'createTeam',
  summary: 'Create a team (Administrators).',
  auth: 'user',
  permission: { action: 'teams.manage', check: 'route' },
  params: orgParams,
  body: z.strictObject({ id: slug('id'), name: displayName('name') }),
  status: 201,
});

export const listTeams = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/teams',
  group: 'teams',
  operationId: 'listTeams',
  summary: "The organization's teams.",
  auth: 'user',
  permission: { action: 'org.read', check: 'route' },
  params: orgParams,
});

export const getTeam = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/teams/{teamId}',
  group: 'teams',
  operationId: 'getTeam',
  summary: 'A team with its members and the roles it holds.',
  auth: 'user',
  permission: { action: 'org.read', check: 'route' },
  params: teamParams,
});

export const deleteTeam = defineRoute({
  method: 'DELETE',
  path: '/v1/orgs/{orgId}/teams/{teamId}',
  group: 'teams',
  operationId: 'deleteTeam',
  summary: 'Delete a team; its members lose the roles it held (Administrators). DELETE again continues a deletion that did not finish.',
  auth: 'user',
  permission: { action: 'teams.manage', check: 'route' },
  params: teamParams,
});

export const addTeamMember = defineRoute({
  method: 'PUT',
  path: '/v1/orgs/{orgId}/teams/{teamId}/members/{userId}',
  group: 'teams',
  operationId: 'addTeamMember',
  summary: 'Add a member to a team (at most 90; teams.manage, Administrators): needs the authority to give every role the team holds.',
  auth: 'user',
  permission: { action: 'teams.manage', check: 'operation' },
  params: teamParams.extend({ userId }),
});

export const removeTeamMember = defineRoute({
  method: 'DELETE',
  path: '/v1/orgs/{orgId}/teams/{teamId}/members/{userId}',
  group: 'teams',
  operationId: 'removeTeamMember',
  summary: "Remove a member from a team (the same authority as adding; anyone may leave, unless the team's environment role restricts them).",
  auth: 'user',
  permission: { action: 'teams.manage', check: 'operation' },
  params: teamParams.extend({ userId }),
});

export const putTeamGrant = defineRoute({
  method: 'PUT',
  path: '/v1/orgs/{orgId}/teams/{teamId}/grants',
  group: 'teams',
  operationId: 'putTeamGrant',
  summary: 'Give the team a role at a scope (org: no Administrator; app: appId; envType: envTypeId; env: appId and envId), copied to every member; at most 90 per team.',
  auth: 'user',
  permission: { action: 'teams.manage', check: 'operation' },
  params: teamParams,
  body: teamGrantBody,
});

export const deleteTeamGrant = defineRoute({
  method: 'DELETE',
  path: '/v1/orgs/{orgId}/teams/{teamId}/grants',
  group: 'teams',
  operationId: 'deleteTeamGrant',
  summary: 'Take a role away from the team (query: scope and its ids).',
  auth: 'user',
  permission: { action: 'teams.manage', check: 'operation' },
  params: teamParams,
  query: teamGrantQuery,
});

// ---- default and custom roles ----

const defaultRolesBody = z.strictObject({
  orgRole: roleId,
  appRole: roleId.nullable(),
  envTypeRoles: z.record(slug('environment type id'), roleId).refine((r) => Object.keys(r).length <= 50, 'at most 50 environment types'),
});

export const getDefaultRoles = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/default-roles',
  group: 'roles',
  operationId: 'getDefaultRoles',
  summary: 'Default roles (Administrators): orgRole applies when a user joins; appRole and envTypeRoles apply live to every member.',
  auth: 'user',
  permission: { action: 'defaultRoles.update', check: 'route' },
  params: orgParams,
});

export const setDefaultRoles = defineRoute({
  method: 'PUT',
  path: '/v1/orgs/{orgId}/default-roles',
  group: 'roles',
  operationId: 'setDefaultRoles',
  summary: 'Replace the default roles (Administrators; built-in roles).',
  auth: 'user',
  permission: { action: 'defaultRoles.update', check: 'route' },
  params: orgParams,
  body: defaultRolesBody,
});

export const listRoles = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/roles',
  group: 'roles',
  operationId: 'listRoles',
  summary: 'Built-in and custom roles, and every permission name by scope.',
  auth: 'user',
  permission: { action: 'org.read', check: 'route' },
  params: orgParams,
});

export const createRole = defineRoute({
  method: 'POST',
  path: '/v1/orgs/{orgId}/roles',
  group: 'roles',
  operationId: 'createRole',
  summary:
    'Define a custom role: a named set of permissions at one scope (Administrators). Its permissions never change; members.setRole, defaultRoles.update and resources.update stay the Administrator role\'s alone.',
  auth: 'user',
  permission: { action: 'roles.manage', check: 'route' },
  params: orgParams,
  body: z.strictObject({
    id: slug('id'),
    name: displayName('name'),
    description,
    scope: z.enum(SCOPES),
    permissions: z.array(z.string().max(64)).min(1, 'give at least one permission').max(64),
  }),
  status: 201,
});

export const getRole = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/roles/{roleId}',
  group: 'roles',
  operationId: 'getRole',
  summary: 'One role, with how many grants hold it (custom roles).',
  auth: 'user',
  permission: { action: 'org.read', check: 'route' },
  params: roleParams,
});

export const updateRole = defineRoute({
  method: 'PATCH',
  path: '/v1/orgs/{orgId}/roles/{roleId}',
  group: 'roles',
  operationId: 'updateRole',
  summary: 'Rename or describe a custom role (Administrators).',
  auth: 'user',
  permission: { action: 'roles.manage', check: 'route' },
  params: roleParams,
  body: z.strictObject({ name: displayName('name').optional(), description }).refine((b) => b.name !== undefined || b.description !== undefined, 'give name or description'),
});

export const deleteRole = defineRoute({
  method: 'DELETE',
  path: '/v1/orgs/{orgId}/roles/{roleId}',
  group: 'roles',
  operationId: 'deleteRole',
  summary: 'Delete a custom role; 409 while any grant holds it (Administrators).',
  auth: 'user',
  permission: { action: 'roles.manage', check: 'route' },
  params: roleParams,
});

// ---- authorize ----

export const authorize = defineRoute({
  method: 'POST',
  path: '/v1/orgs/{orgId}/authorize',
  group: 'authorize',
  operationId: 'authorize',
  summary:
    'May this user do this here? {allowed, reasons (each grant that allowed it), missing}. Without userId: the caller; another user: Administrators and Managers.',
  auth: 'user',
  permission: { action: 'org.read', check: 'operation' },
  params: orgParams,
  body: z.strictObject({
    userId: userId.optional(),
    action: z.enum(ACTIONS as [string, ...string[]]),
    ...scopeIds,
  }),
});

export const accessRoutes = [
  createApp,
  listApps,
  getApp,
  deleteApp,
  listAppMembers,
  setAppMember,
  removeAppMember,
  createEnvType,
  listEnvTypes,
  listEnvTypeMembers,
  setEnvTypeMember,
  removeEnvTypeMember,
  createEnv,
  listEnvs,
  getEnv,
  deleteEnv,
  listEnvMembers,
  setEnvMember,
  removeEnvMember,
  createTeam,
  listTeams,
  getTeam,
  deleteTeam,
  addTeamMember,
  removeTeamMember,
  putTeamGrant,
  deleteTeamGrant,
  getDefaultRoles,
  setDefaultRoles,
  listRoles,
  createRole,
  getRole,
  updateRole,
  deleteRole,
  authorize,
];

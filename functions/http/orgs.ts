// /v1/orgs and /v1/orgs/{orgId}
import * as orgs from '../operations/orgs';
import { createOrganization, deleteOrganization, getOrganization, updateOrganization } from '../routes/orgs';
import { apiHandler, bind } from './api';

export const handler = apiHandler([
  bind(createOrganization, async ({ identity, body }) => orgs.createOrganization(identity, body)),
  bind(getOrganization, async ({ access }) => access.org),
  bind(updateOrganization, async ({ access, body }) => orgs.updateOrganization(access, body)),
  bind(deleteOrganization, async ({ access }) => orgs.deleteOrganization(access)),
]);

// /v1/orgs/{orgId}/members
import * as orgs from '../operations/orgs';
import { listMembers, removeMember, setMemberRole } from '../routes/orgs';
import { apiHandler, bind } from './api';

export const handler = apiHandler([
  bind(listMembers, async ({ access, query }) => {
    const page = await orgs.listMembers(access, query.cursor);
    return { members: page.items.map((m) => ({ ...m, status: 'active' as const })), next: page.next };
  }),
  bind(setMemberRole, async ({ access, params, body }) => orgs.setMemberRole(access, params.userId, body.role)),
  bind(removeMember, async ({ access, params }) => orgs.removeMember(access, params.userId)),
]);

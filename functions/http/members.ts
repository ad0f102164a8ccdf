// /v1/orgs/{orgId}/members
import { invitedMembers } from '../operations/invitations';
import * as orgs from '../operations/orgs';
import { listMembers, removeMember, setMemberRole } from '../routes/orgs';
import { apiHandler, bind } from './api';

export const handler = apiHandler([
  bind(listMembers, async ({ access, query }) => {
    const page = await orgs.listMembers(access, query.cursor);
    const members = page.items.map((m) => ({ ...m, status: 'active' as const }));
    // Invited addresses follow the active members, on the last page.
    return { members: page.next ? members : [...members, ...(await invitedMembers(access))], next: page.next };
  }),
  bind(setMemberRole, async ({ access, params, body }) => orgs.setMemberRole(access, params.userId, body.role)),
  bind(removeMember, async ({ access, params }) => orgs.removeMember(access, params.userId)),
]);

// GET /v1/me
import { ensureUser, myOrganizations } from '../operations/orgs';
import { myInvitations } from '../operations/my-invitations';
import { getMe } from '../routes/orgs';
import { apiHandler, bind } from './api';

export const handler = apiHandler([
  bind(getMe, async ({ identity }) => {
    const user = await ensureUser(identity);
    const [organizations, invitations] = await Promise.all([myOrganizations(user.userId), myInvitations(identity.email)]);
    return { user, organizations, invitations };
  }),
]);

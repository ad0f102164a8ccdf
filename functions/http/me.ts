// GET, DELETE /v1/me
import { deleteAccount } from '../operations/account';
import { ensureUser, myOrganizations } from '../operations/orgs';
import { myInvitations } from '../operations/my-invitations';
import { deleteMe, getMe } from '../routes/orgs';
import { apiHandler, bind } from './api';

export const handler = apiHandler([
  bind(getMe, async ({ identity }) => {
    const user = await ensureUser(identity);
    const [organizations, invitations] = await Promise.all([myOrganizations(user.userId), myInvitations(identity.email)]);
    return { user, organizations, invitations };
  }),
  bind(deleteMe, async ({ identity }) => deleteAccount(identity)),
]);

// /v1/orgs/{orgId}/invitations… and /v1/invitations/{token}…
import * as invitations from '../operations/invitations';
import {
  acceptInvitation,
  createInvitation,
  listInvitations,
  previewInvitation,
  resendInvitation,
  revokeInvitation,
} from '../routes/invitations';
import { apiHandler, bind } from './api';

export const handler = apiHandler([
  bind(createInvitation, async ({ access, body }) => invitations.invite(access, body)),
  bind(listInvitations, async ({ access, query }) => invitations.list(access, query.status, query.cursor)),
  bind(resendInvitation, async ({ access, params }) => invitations.resend(access, params.invitationId)),
  bind(revokeInvitation, async ({ access, params }) => invitations.revoke(access, params.invitationId)),
  bind(previewInvitation, async ({ params }) => invitations.preview(params.token)),
  bind(acceptInvitation, async ({ identity, params }) => invitations.accept(identity, params.token)),
]);

// Routes: invitations, the invitation link (preview, accept) and the page the e-mail links to.

import { z } from 'zod';
import { email, id } from '../domain/ids';
import { INVITATION_STATUSES, MAX_APP_ROLES } from '../domain/invitations';
import { APP_ROLES } from '../domain/permissions';
import { defineRoute } from '../http/route';
import { orgParams, orgRole, pageQuery } from './schemas';

const invitationParams = orgParams.extend({ invitationId: id('invitationId') });
/** The token's shape is checked by the operation (anything else is a 404, never a 400 that echoes it). */
const tokenParams = z.object({ token: z.string() });

const appRoles = z
  .array(z.strictObject({ appId: id('appId'), role: z.enum(APP_ROLES) }))
  .max(MAX_APP_ROLES, `give at most ${MAX_APP_ROLES} app roles`)
  .refine((list) => new Set(list.map((a) => a.appId)).size === list.length, 'give each app once');

export const createInvitation = defineRoute({
  method: 'POST',
  path: '/v1/orgs/{orgId}/invitations',
  group: 'invitations',
  operationId: 'createInvitation',
  summary:
    'Invite an e-mail address (Administrators and Managers), optionally with the org role and app roles to grant. An address with a pending invitation gets it again (resent: true) with a new link. mail: sent, or unconfirmed when SES timed out after taking the mail (the invitation is kept: resend if it does not arrive). 409 already_member, 429 rate_limited, 502 mail_failed (SES refused it: nothing was changed).',
  auth: 'user',
  permission: { action: 'members.invite', check: 'route' },
  params: orgParams,
  body: z.strictObject({ email, role: orgRole.optional(), appRoles: appRoles.optional() }),
  status: 201,
});

export const listInvitations = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/invitations',
  group: 'invitations',
  operationId: 'listInvitations',
  summary: "The organization's invitations, newest first, optionally of one status (pending, accepted, expired, revoked), with expiresAt.",
  auth: 'user',
  permission: { action: 'members.read', check: 'route' },
  params: orgParams,
  query: pageQuery.extend({ status: z.enum(INVITATION_STATUSES).optional() }),
});

export const resendInvitation = defineRoute({
  method: 'POST',
  path: '/v1/orgs/{orgId}/invitations/{invitationId}/resend',
  group: 'invitations',
  operationId: 'resendInvitation',
  summary:
    'Send a pending or expired invitation again (the resender becomes the inviter): a new link valid for 24 hours; the old link is dead; mail as for an invite. A custom org role is copied again as defined now. 409 conflict if it was accepted, revoked or its custom role deleted; 409 already_member if the address has joined.',
  auth: 'user',
  permission: { action: 'members.invite', check: 'route' },
  params: invitationParams,
});

export const revokeInvitation = defineRoute({
  method: 'DELETE',
  path: '/v1/orgs/{orgId}/invitations/{invitationId}',
  group: 'invitations',
  operationId: 'revokeInvitation',
  summary: 'Revoke an invitation: its link answers 410 invitation_revoked and the address leaves the members list.',
  auth: 'user',
  permission: { action: 'members.invite', check: 'route' },
  params: invitationParams,
});

export const previewInvitation = defineRoute({
  method: 'GET',
  path: '/v1/invitations/{token}',
  group: 'invitations',
  operationId: 'previewInvitation',
  summary: 'What a live invitation link offers (no sign-in): organization, inviter, role, expiry. A dead link answers 410 invitation_expired / invitation_revoked / invitation_used.',
  auth: 'none',
  params: tokenParams,
});

export const acceptInvitation = defineRoute({
  method: 'POST',
  path: '/v1/invitations/{token}/accept',
  group: 'invitations',
  operationId: 'acceptInvitation',
  summary:
    "Accept an invitation as the signed-in user (whose verified e-mail must be the invited one, unless the organization allows any account): the invitation is used and the membership exists, atomically; an invitation pending for the caller's own address in the organization is revoked with it. 410 for a dead link, 409 already_member, 409 conflict if its custom role was deleted or re-created since.",
  auth: 'user',
  params: tokenParams,
});

export const invitePage = defineRoute({
  method: 'GET',
  path: '/invite/{token}',
  group: 'inviteLink',
  operationId: 'invitePage',
  summary: 'The page an invitation e-mail links to: the preview, sign-in, and accept. A dead link gets the same page saying why, with 410 (used, expired, revoked, replaced) or 404 (no such invitation).',
  auth: 'none',
  params: tokenParams,
  produces: 'text/html',
});

export const invitationRoutes = [
  createInvitation,
  listInvitations,
  resendInvitation,
  revokeInvitation,
  previewInvitation,
  acceptInvitation,
  invitePage,
];

// Routes: the caller, organizations, members.

import { z } from 'zod';
import { displayName } from '../domain/ids';
import { defineRoute } from '../http/route';
import { memberParams, orgParams, orgRole, pageQuery } from './schemas';

export const getMe = defineRoute({
  method: 'GET',
  path: '/v1/me',
  group: 'me',
  operationId: 'getMe',
  summary: 'The caller, their organizations with roles, and invitations pending for their e-mail. The first call creates the profile and a Default Organization.',
  auth: 'user',
});

export const deleteMe = defineRoute({
  method: 'DELETE',
  path: '/v1/me',
  group: 'me',
  operationId: 'deleteMe',
  summary:
    "Delete the caller's account: leave every organization, delete those the caller is the only member of, delete the profile and the sign-in user. 409 last_administrator (naming them) while the caller is the only Administrator of an organization with other members.",
  auth: 'user',
});

export const createOrganization = defineRoute({
  method: 'POST',
  path: '/v1/orgs',
  group: 'orgs',
  operationId: 'createOrganization',
  summary: 'Create an organization; the caller becomes its Administrator.',
  auth: 'user',
  body: z.strictObject({ name: displayName('name') }),
  status: 201,
});

export const getOrganization = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}',
  group: 'orgs',
  operationId: 'getOrganization',
  summary: 'An organization with its settings.',
  auth: 'user',
  permission: { action: 'org.read', check: 'route' },
  params: orgParams,
});

export const updateOrganization = defineRoute({
  method: 'PATCH',
  path: '/v1/orgs/{orgId}',
  group: 'orgs',
  operationId: 'updateOrganization',
  summary: 'Rename an organization or change its settings (Administrators).',
  auth: 'user',
  permission: { action: 'org.update', check: 'route' },
  params: orgParams,
  body: z
    .strictObject({
      name: displayName('name').optional(),
      settings: z.strictObject({ invitationsAllowAnyAccount: z.boolean().optional() }).optional(),
    })
    .refine((b) => b.name !== undefined || b.settings !== undefined, 'give name or settings'),
});

export const deleteOrganization = defineRoute({
  method: 'DELETE',
  path: '/v1/orgs/{orgId}',
  group: 'orgs',
  operationId: 'deleteOrganization',
  summary:
    'Delete an organization and everything in it (Administrators): it is gone at once for every read and decision; what it held is swept by the request and, if left over, by the scheduled job.',
  auth: 'user',
  permission: { action: 'org.delete', check: 'route' },
  params: orgParams,
});

export const listMembers = defineRoute({
  method: 'GET',
  path: '/v1/orgs/{orgId}/members',
  group: 'members',
  operationId: 'listMembers',
  summary: "The organization's users with their org role and status: active members, then invited addresses.",
  auth: 'user',
  permission: { action: 'members.read', check: 'route' },
  params: orgParams,
  query: pageQuery,
});

export const setMemberRole = defineRoute({
  method: 'PUT',
  path: '/v1/orgs/{orgId}/members/{userId}/role',
  group: 'members',
  operationId: 'setMemberRole',
  summary: "Change a member's org role (Administrators; anyone may lower their own). Never leaves the org without an Administrator.",
  auth: 'user',
  permission: { action: 'org.read', check: 'route' },
  params: memberParams,
  body: z.strictObject({ role: orgRole }),
});

export const removeMember = defineRoute({
  method: 'DELETE',
  path: '/v1/orgs/{orgId}/members/{userId}',
  group: 'members',
  operationId: 'removeMember',
  summary: 'Remove a member, or leave the organization. Never leaves it without an Administrator.',
  auth: 'user',
  permission: { action: 'org.read', check: 'route' },
  params: memberParams,
});

export const openApi = defineRoute({
  method: 'GET',
  path: '/v1/openapi.json',
  group: 'meta',
  operationId: 'getOpenApi',
  summary: 'This API as an OpenAPI 3.1 document, generated from the schemas that validate requests.',
  auth: 'none',
});

export const orgRoutes = [getMe, deleteMe, createOrganization, getOrganization, updateOrganization, deleteOrganization, listMembers, setMemberRole, removeMember, openApi];

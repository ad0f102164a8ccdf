// Use cases for users, organizations and their members.
// Primary adapter: functions/http/{me,orgs,members}.ts and the Cognito post-confirmation trigger.
// Secondary adapter: functions/store/orgs.ts.

import { conflict, forbidden, notFound, validationFailed } from '../domain/errors';
import type { Identity, Membership, Organization, UserProfile } from '../domain/model';
import {
  assertMayChangeOrgRole,
  assertMayGrantOrgRole,
  assertMayRemoveMember,
  assertSelfChangeIsDownward,
} from '../domain/org-roles';
import { clock } from '../lib/clock';
import * as store from '../store/orgs';
import { getSubjectCollection } from '../store/subjects';
import { getTeamState, removeTeamMember } from '../store/teams';
import { StaleRead, withFreshReads } from '../store/transact';
import type { Access } from './access';
import { newId } from './ids';
import { resolveRole } from './roles';

/**
 * Input: a verified identity. Output: the user's profile.
 * Primary course: on the first call for a user, create the profile and a Default Organization with
 * the user as its Administrator, all or nothing; concurrent first calls create one user, not two.
 */
export async function ensureUser(identity: Identity): Promise<UserProfile> {
  return withFreshReads(async () => {
    const existing = await store.getUser(identity.userId);
    if (existing) {
      if (identity.provider && !existing.providers.includes(identity.provider)) {
        await store.addUserProvider(identity.userId, identity.provider);
        return { ...existing, providers: [...existing.providers, identity.provider] };
      }
      return existing;
    }
    const owner = await store.getUserIdByEmail(identity.email);
    if (owner && owner !== identity.userId) {
      throw conflict('This e-mail address belongs to another account. Sign in with the provider you used first.');
    }
    // A concurrent first call that created the user makes this StaleRead: the retry reads it.
    await store.createUserWithDefaultOrganization({ identity, orgId: newId(), orgName: 'Default Organization', now: clock.iso() });
    const created = await store.getUser(identity.userId);
    if (!created) throw new StaleRead();
    return created;
  });
}

export interface MyOrganization {
  orgId: string;
  name: string;
  role: string;
}

/** The caller's organizations with their role in each. */
export async function myOrganizations(userId: string): Promise<MyOrganization[]> {
  const memberships = await store.listUserMemberships(userId);
  const orgs = await store.getOrganizations(memberships.map((m) => m.orgId));
  return memberships.flatMap((m) => {
    const org = orgs.get(m.orgId);
    return org ? [{ orgId: m.orgId, name: org.name, role: m.role }] : [];
  });
}

export async function createOrganization(identity: Identity, input: { name: string }): Promise<Organization> {
  await ensureUser(identity);
  const orgId = newId();
  await store.createOrganization({ orgId, name: input.name, creator: identity, now: clock.iso() });
  const org = await store.getOrganization(orgId);
  if (!org) throw notFound('The organization');
  return org;
}

export async function updateOrganization(
  access: Access,
  patch: { name?: string; settings?: { invitationsAllowAnyAccount?: boolean } },
): Promise<Organization> {
  if (patch.settings && !access.isAdministrator) throw forbidden('Only Administrators change organization settings.');
  return store.updateOrganization(access.org.orgId, patch);
}

/**
 * Delete the org (the commit point), then sweep what it held. The members are listed after the org
 * item is gone: no one can join from then on (joining is conditioned on the org item), so no
 * collection is left unswept by a join that came between the listing and the delete.
 */
export async function deleteOrganization(access: Access): Promise<void> {
  const orgId = access.org.orgId;
  await store.deleteOrganization(orgId);
  const userIds: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listMembers(orgId, cursor);
    userIds.push(...page.items.map((m) => m.userId));
    cursor = page.next;
  } while (cursor);
  await store.sweepOrganization(orgId, userIds);
}

export async function listMembers(access: Access, cursor?: string) {
  return store.listMembers(access.org.orgId, cursor);
}

/**
 * Input: the caller's access, a member, a new org role.
 * Primary course: check the role rules, then change the role in a transaction conditioned on the
 * role read and on the administrator count, retried with fresh reads if the member changed meanwhile.
 */
export async function setMemberRole(access: Access, userId: string, role: string): Promise<Membership> {
  const orgId = access.org.orgId;
  const def = await resolveRole(orgId, 'org', role);
  if (!def) throw validationFailed(`Unknown organization role ${role}.`);
  return withFreshReads(async () => {
    const target = await store.getMembership(orgId, userId);
    if (!target) throw notFound('The member');
    assertMayChangeOrgRole(access.grants, access.identity.userId, target);
    assertSelfChangeIsDownward(access.grants, access.identity.userId, target, def.permissions);
    assertMayGrantOrgRole(access.grants, def.id, def.permissions);
    if (target.role !== role) {
      await store.changeMemberRole(orgId, userId, target.role, role, def.builtIn ? undefined : [...def.permissions]);
    }
    return { ...target, role };
  });
}

/** Teams a member may be in for their removal to fit one transaction beside role counts and grants. */
const MAX_TEAMS_IN_REMOVAL = 20;

/** Remove a member (or leave the org), keeping at least one Administrator. */
export async function removeMember(access: Access, userId: string): Promise<void> {
  const orgId = access.org.orgId;
  await withFreshReads(async () => {
    const collection = await getSubjectCollection(orgId, userId);
    const target = collection.membership;
    if (!target) throw notFound('The member');
    assertMayRemoveMember(access.grants, access.identity.userId, target);
    // The removal is one transaction with two items per team the user is in: from a user in many teams,
    // take the teams beyond that room first, each as a team change under its own lock, then read again.
    const extraTeams = collection.teamIds.slice(MAX_TEAMS_IN_REMOVAL);
    if (extraTeams.length > 0) {
      for (const teamId of extraTeams) {
        const state = await getTeamState(orgId, teamId);
        if (state?.members.some((m) => m.userId === userId)) await removeTeamMember(state, userId);
      }
      throw new StaleRead();
    }
    await store.removeMember(orgId, target, collection);
  });
}

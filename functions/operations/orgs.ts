// Use cases for users, organizations and their members.
// Primary adapter: functions/http/{me,orgs,members}.ts and the Cognito post-confirmation trigger.
// Secondary adapter: functions/store/orgs.ts.

import { conflict, forbidden, lastAdministrator, notFound, unauthenticated, validationFailed } from '../domain/errors';
import type { Identity, Membership, Organization, UserProfile } from '../domain/model';
import {
  assertMayChangeOrgRole,
  assertMayGrantOrgRole,
  assertMayRemoveMember,
  assertSelfChangeIsDownward,
} from '../domain/org-roles';
import { ADMINISTRATOR } from '../domain/permissions';
import { logger } from '../http/logger';
import { clock } from '../lib/clock';
import * as store from '../store/orgs';
import { getSubjectCollection } from '../store/subjects';
import { getTeamState, removeTeamMember, sweepTeamOfDeletedOrganization } from '../store/teams';
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
    // A token issued before the account was deleted makes no new account (its holder deleted it).
    const tombstone = await store.getAccountTombstone(identity.userId);
    if (tombstone && identity.issuedAt !== undefined && identity.issuedAt <= tombstone.deletedAt) {
      throw unauthenticated('This account was deleted. Sign in again to start a new one.');
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

/** How long a DELETE request sweeps before it leaves the rest to the scheduled job (the API Lambda has 10 s). */
const REQUEST_SWEEP_MS = 5_000;
/**
 * The org item (the deletion's mark) goes only this long after the mark: a request that read the org
 * before the mark (a join, a team or app created) has committed or failed by then and its items are
 * listed, so the last listing sees them. The final delete also conditions on the member count.
 */
const SETTLE_SECONDS = 60;
/** Collections swept at once. */
const SWEEP_PARALLELISM = 8;

/**
 * Input: the caller's access (org.delete). Primary course: mark the org deleted (the commit point:
 * from then on it is not found, authorizes nothing and no one joins), then sweep what it held for at
 * most REQUEST_SWEEP_MS. Whatever is left the scheduled job finishes (sweepDeletedOrganizations): a
 * deletion that dies half-way is resumed, never orphaned.
 */
export async function deleteOrganization(access: Access, options: { onlyMember?: boolean; deadlineMs?: number } = {}): Promise<void> {
  const orgId = access.org.orgId;
  await store.markOrganizationDeleted(orgId, clock.iso(), { ...(options.onlyMember ? { onlyMember: true } : {}) });
  try {
    await sweepDeletedOrganization(orgId, options.deadlineMs ?? Date.now() + REQUEST_SWEEP_MS);
  } catch (err) {
    // The deletion is committed; the job retries the sweep.
    logger.warn('organization sweep left to the scheduled job', { orgId, error: err as Error });
  }
}

/**
 * Sweep a deleted org until `deadlineMs` (epoch ms): its own partition (apps, roles, invitations...),
 * its teams' partitions, every member's collection; then, once SETTLE_SECONDS have passed since the
 * mark and a last look finds nothing, the org item. Idempotent: any number of sweeps may run, in any
 * order, and each continues where the others stopped. Answers whether the org is gone.
 */
export async function sweepDeletedOrganization(orgId: string, deadlineMs: number): Promise<'done' | 'pending'> {
  const seen = await store.getDeletedOrganization(orgId);
  if (!seen) return 'done';
  const outOfTime = () => Date.now() >= deadlineMs;
  for (const teamId of await store.sweepOrganizationPartition(orgId)) {
    if (outOfTime()) return 'pending';
    await sweepTeamOfDeletedOrganization(orgId, teamId);
  }
  let cursor: string | undefined;
  do {
    if (outOfTime()) return 'pending';
    const page = await store.listMembers(orgId, cursor, 25);
    await inParallel(page.items, SWEEP_PARALLELISM, (m) => store.sweepMemberCollection(orgId, m.userId));
    cursor = page.next;
  } while (cursor);
  if (outOfTime() || clock.nowMs() - Date.parse(seen.deletedAt) < SETTLE_SECONDS * 1000) return 'pending';
  // The last look, after `seen` was read: a member listed or a team created since is swept next time.
  if ((await store.listMembers(orgId, undefined, 1)).items.length > 0) return 'pending';
  if ((await store.sweepOrganizationPartition(orgId)).length > 0) return 'pending';
  return (await store.deleteSweptOrganization(seen)) ? 'done' : 'pending';
}

export interface OrganizationSweepResult {
  /** Deleted organizations whose last item went in this run. */
  finished: number;
  /** Marked organizations still being swept (within their settle time, out of budget, or failed). */
  pending: number;
  /** False when more marked organizations are waiting than this run looked at. */
  complete: boolean;
}

const SWEEP_BATCH = 100;

/**
 * The scheduled job's part of deletions: every organization marked deleted (the sparse ORGSWEEP index,
 * oldest first; reads grow with deleted orgs and their items, never with the table) is swept until the
 * run's budget is spent. A failing org is logged and left for the next run.
 */
export async function sweepDeletedOrganizations(budgetMs = 120_000): Promise<OrganizationSweepResult> {
  const deadline = Date.now() + budgetMs;
  const marked = await store.organizationsToSweep(SWEEP_BATCH);
  const result: OrganizationSweepResult = { finished: 0, pending: 0, complete: marked.length < SWEEP_BATCH };
  for (const { orgId } of marked) {
    if (Date.now() >= deadline) {
      result.pending++;
      result.complete = false;
      continue;
    }
    try {
      if ((await sweepDeletedOrganization(orgId, deadline)) === 'done') result.finished++;
      else result.pending++;
    } catch (err) {
      result.pending++;
      logger.warn('organization sweep failed, retried next run', { orgId, error: err as Error });
    }
  }
  return result;
}

/** Run `work` over items with at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
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

/**
 * Remove a member (or leave the org), keeping at least one Administrator.
 * The removal is one transaction with two items per team the user is in: from a user in many teams,
 * the teams beyond that room are left first, each as a team change under its own lock, then the
 * collection is read again. Those steps commit before the removal, so whatever could refuse it is
 * checked before the first of them: the caller's authority, and for an Administrator that another one
 * remains (read consistently, and conditioned in each step, so a concurrent demotion stops the steps).
 */
export async function removeMember(access: Access, userId: string): Promise<void> {
  const orgId = access.org.orgId;
  await withFreshReads(async () => {
    const collection = await getSubjectCollection(orgId, userId);
    const target = collection.membership;
    if (!target) throw notFound('The member');
    assertMayRemoveMember(access.grants, access.identity.userId, target);
    const extraTeams = collection.teamIds.slice(MAX_TEAMS_IN_REMOVAL);
    if (extraTeams.length > 0) {
      const isAdministrator = target.role === ADMINISTRATOR;
      if (isAdministrator) {
        const org = await store.getOrganization(orgId);
        if (!org) throw notFound('The organization');
        if (org.adminCount <= 1) throw lastAdministrator();
      }
      const checks = isAdministrator ? [store.otherAdministratorCheck(orgId)] : [];
      for (const teamId of extraTeams) {
        const state = await getTeamState(orgId, teamId);
        if (state?.members.some((m) => m.userId === userId)) await removeTeamMember(state, userId, checks);
      }
      throw new StaleRead();
    }
    await store.removeMember(orgId, target, collection);
  });
}

// Use cases of deleting one's account: leave every organization (and take along those one is the
// only member of), delete the profile and the e-mail claim, and delete the user from the identity
// directory, never leaving an organization without an Administrator.
// Primary adapters: functions/http/me.ts (DELETE /v1/me), functions/jobs/cleanup.ts (the second look).
// Secondary adapters: functions/store/orgs.ts, functions/cognito/directory.ts.

import { DomainError, notFound } from '../domain/errors';
import type { Identity, Membership, Organization } from '../domain/model';
import { ADMINISTRATOR } from '../domain/permissions';
import { deleteFromDirectory } from '../cognito/directory';
import { logger } from '../http/logger';
import * as store from '../store/orgs';
import { accessFor } from './access';
import { deleteOrganization, removeMember } from './orgs';

/** What deleting the account does to each organization the user belongs to. */
type Plan = { leave: Organization[]; deleteWith: Organization[]; blocking: Organization[] };

function plan(memberships: Membership[], orgs: Map<string, Organization>): Plan {
  const result: Plan = { leave: [], deleteWith: [], blocking: [] };
  for (const m of memberships) {
    const org = orgs.get(m.orgId);
    if (!org) continue; // deleted meanwhile
    if (m.role !== ADMINISTRATOR || org.adminCount > 1) result.leave.push(org);
    else if (org.memberCount <= 1) result.deleteWith.push(org);
    else result.blocking.push(org);
  }
  return result;
}

const lastAdministratorOf = (orgs: Organization[]) =>
  new DomainError(
    'last_administrator',
    `You are the only Administrator of ${orgs.map((o) => `"${o.name}"`).join(', ')}: make someone else Administrator there, or delete ${orgs.length === 1 ? 'it' : 'them'}, first.`,
    { organizations: orgs.map((o) => ({ orgId: o.orgId, name: o.name })) },
  );

/** Leave (or delete, when the user is its only member) each organization; a removal already done is fine. */
async function leaveAll(identity: Identity, p: Plan): Promise<void> {
  for (const org of p.deleteWith) {
    try {
      await deleteOrganization(await accessFor(org.orgId, identity), { onlyMember: true });
    } catch (err) {
      if ((err as DomainError).code === 'conflict') throw lastAdministratorOf([org]); // someone joined meanwhile
      if ((err as DomainError).code !== 'not_found') throw err;
    }
  }
  for (const org of p.leave) {
    try {
      await removeMember(await accessFor(org.orgId, identity), identity.userId);
    } catch (err) {
      if ((err as DomainError).code !== 'not_found') throw err;
    }
  }
}

/**
 * Input: the caller. Primary course: refuse (409 last_administrator, naming the organizations) if the
 * caller is the only Administrator of an organization with other members; otherwise delete the
 * organizations they are the only member of, leave the others (each removal conditioned, as always,
 * on another Administrator remaining), delete the profile and the e-mail claim leaving a tombstone,
 * then the directory's user. Each step is complete on its own and the whole is idempotent: a refusal
 * half-way (a concurrent demotion, a join) leaves the account in fewer organizations, and the same
 * request again continues. The byPrincipal index is eventually consistent: the scheduled job looks
 * again a minute later (sweepDeletedAccounts).
 */
export async function deleteAccount(identity: Identity): Promise<void> {
  const user = await store.getUser(identity.userId);
  if (!user) throw notFound('The account');
  const memberships = await store.listUserMemberships(identity.userId);
  const p = plan(memberships, await store.getOrganizations(memberships.map((m) => m.orgId)));
  if (p.blocking.length > 0) throw lastAdministratorOf(p.blocking);
  await leaveAll(identity, p);
  await store.deleteUserAccount(user, Math.floor(Date.now() / 1000));
  try {
    await deleteFromDirectory(identity.username);
  } catch (err) {
    // The data is gone; a directory user left behind only lets its owner sign up afresh.
    logger.warn('account deleted, but its directory user was not', { error: err as Error });
  }
  logger.info('account deleted');
}

/** How long after a deletion the index is trusted to show every membership the account had. */
const SETTLE_SECONDS = 60;

/**
 * The second look: memberships of deleted accounts that the index had not yet shown when they were
 * deleted (a join just before). The account leaves them as it would have; an organization it is now
 * the last Administrator of keeps it (logged), since no one else may be made Administrator for it.
 */
export async function sweepDeletedAccounts(settleSeconds = SETTLE_SECONDS): Promise<{ swept: number }> {
  const due = await store.accountsToSweep(Math.floor(Date.now() / 1000) - settleSeconds);
  for (const t of due) {
    const identity: Identity = { userId: t.userId, email: t.email };
    const memberships = await store.listUserMemberships(t.userId);
    const p = plan(memberships, await store.getOrganizations(memberships.map((m) => m.orgId)));
    try {
      await leaveAll(identity, { ...p, blocking: [] });
      if (p.blocking.length > 0) logger.warn('deleted account is the last Administrator of organizations', { userId: t.userId, orgIds: p.blocking.map((o) => o.orgId) });
    } catch (err) {
      logger.warn('deleted account could not leave an organization: retried next run', { userId: t.userId, error: err as Error });
      continue;
    }
    await store.accountSwept(t.userId);
  }
  return { swept: due.length };
}

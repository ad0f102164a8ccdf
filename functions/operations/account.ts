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
import { StaleRead } from '../store/transact';
import { forgetInviter } from '../store/invitations';
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

/**
 * Leave each shared organization, then delete those the user is the only member of (last: they are
 * lost for good, so only once nothing else can refuse). A removal already done is fine; a refusal
 * names its organization.
 */
async function leaveAll(identity: Identity, p: Plan): Promise<void> {
  for (const org of p.leave) {
    try {
      await removeMember(await accessFor(org.orgId, identity), identity.userId);
    } catch (err) {
      const code = (err as DomainError).code;
      if (code === 'last_administrator') throw lastAdministratorOf([org]); // another one was demoted meanwhile
      if (code !== 'not_found') throw err;
    }
    // Invitations it sent stay valid; its name and address leave them.
    await forgetInviter(org.orgId, identity.userId);
  }
  const deadline = Date.now() + ORG_DELETION_BUDGET_MS;
  for (const org of p.deleteWith) {
    try {
      await deleteOrganization(await accessFor(org.orgId, identity), { onlyMember: true, deadlineMs: deadline });
    } catch (err) {
      const code = (err as DomainError).code;
      if (code === 'conflict') throw lastAdministratorOf([org]); // someone joined meanwhile
      if (code !== 'not_found') throw err;
    }
  }
}

/** How long one request sweeps the organizations it deletes, all of them together (the job finishes). */
const ORG_DELETION_BUDGET_MS = 3_000;

/**
 * Input: the caller. Primary course: refuse (409 last_administrator, naming the organizations) if the
 * caller is the only Administrator of an organization with other members; mark the account (from then
 * on it joins nothing: every join checks the profile) and decide again (a refusal now unmarks it);
 * leave the shared organizations (each removal conditioned, as always, on another Administrator
 * remaining), then delete those the caller is the only member of; delete the profile and the e-mail claim leaving a tombstone;
 * then the directory's user. A refusal half-way (a concurrent demotion, a join) unmarks the account,
 * which is then in fewer organizations; the same request again continues. Two deletions at once: both
 * answer 204. The byPrincipal index is eventually consistent: the scheduled job looks again a minute
 * later (sweepDeletedAccounts).
 */
export async function deleteAccount(identity: Identity): Promise<void> {
  const user = await store.getUser(identity.userId);
  if (!user) {
    if (await store.getAccountTombstone(identity.userId)) return; // deleted already (a concurrent request)
    throw notFound('The account');
  }
  const planNow = async () => {
    const memberships = await store.listUserMemberships(identity.userId);
    const p = plan(memberships, await store.getOrganizations(memberships.map((m) => m.orgId)));
    if (p.blocking.length > 0) throw lastAdministratorOf(p.blocking);
    return p;
  };
  await planNow(); // a refusal known now writes nothing
  await store.markAccountDeleting(identity.userId, new Date().toISOString());
  try {
    await leaveAll(identity, await planNow()); // again: a join may have landed before the mark
  } catch (err) {
    await store.unmarkAccountDeleting(identity.userId);
    throw err;
  }
  try {
    await store.deleteUserAccount(user, Math.floor(Date.now() / 1000));
  } catch (err) {
    if (err instanceof StaleRead && (await store.getAccountTombstone(identity.userId))) return; // the other request won
    throw err;
  }
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
    } catch (err) {
      logger.warn('deleted account could not leave an organization: retried next run', { userId: t.userId, error: err as Error });
      continue;
    }
    if (p.blocking.length > 0) {
      // Should not happen (the account joins nothing once marked); if it does, a person must decide.
      logger.error('deleted account is the only Administrator of organizations with members: kept for the next run', {
        userId: t.userId,
        orgIds: p.blocking.map((o) => o.orgId),
      });
      continue;
    }
    await store.accountSwept(t.userId);
  }
  return { swept: due.length };
}

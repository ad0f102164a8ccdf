// The scheduled cleanup Lambda (EventBridge, every 15 minutes): marks expired pending invitations
// `expired` through the sparse byExpiry index, and finishes deletions that their request left
// unfinished (organizations marked deleted, teams marked deleting: their sparse byExpiry entries).
// No Scan: the work grows with expired invitations and deleted items only. Needs TABLE_NAME only.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logger } from '../http/logger';
import { cleanupExpiredInvitations, type CleanupResult } from '../operations/invitations';
import { sweepDeletedOrganizations, type OrganizationSweepResult } from '../operations/orgs';
import { finishTeamDeletions } from '../operations/teams';
import { sweepDeletedAccounts } from '../operations/account';

export async function runCleanup(): Promise<CleanupResult> {
  const result = await cleanupExpiredInvitations();
  // Quiet when there was nothing to do (the local server runs this every minute).
  if (result.marked > 0 || result.skipped > 0 || !result.complete) logger.info('invitation cleanup', { ...result });
  else logger.debug('invitation cleanup', { ...result });
  return result;
}

export interface DeletionSweepResult {
  organizations: OrganizationSweepResult;
  teams: { finished: number; pending: number };
  /** Deleted accounts looked at again (memberships the index showed late). */
  accounts: { swept: number };
}

/** Finish deletions of organizations and teams (well inside the Lambda's 5 minutes). */
export async function runDeletionSweep(): Promise<DeletionSweepResult> {
  const organizations = await sweepDeletedOrganizations(120_000);
  const teams = await finishTeamDeletions(60_000);
  const accounts = await sweepDeletedAccounts();
  const result = { organizations, teams, accounts };
  if (organizations.finished + organizations.pending + teams.finished + teams.pending + accounts.swept > 0) logger.info('deletion sweep', { ...result });
  else logger.debug('deletion sweep', { ...result });
  return result;
}

export const handler = middy(async () => {
  // Each job runs even if the other failed; a failure still fails the run (retries, dead letters).
  const [invitationCleanup, deletionSweep] = await Promise.allSettled([runCleanup(), runDeletionSweep()]);
  if (invitationCleanup.status === 'rejected') throw invitationCleanup.reason;
  if (deletionSweep.status === 'rejected') throw deletionSweep.reason;
  return { invitationCleanup: invitationCleanup.value, deletionSweep: deletionSweep.value };
}).use(injectLambdaContext(logger, { resetKeys: true }));

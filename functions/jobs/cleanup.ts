// The scheduled cleanup Lambda (EventBridge, every 15 minutes): marks expired pending invitations
// `expired` through the sparse byExpiry index (no Scan). Needs TABLE_NAME only.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logger } from '../http/logger';
import { cleanupExpiredInvitations, type CleanupResult } from '../operations/invitations';

export async function runCleanup(): Promise<CleanupResult> {
  const result = await cleanupExpiredInvitations();
  // Quiet when there was nothing to do (the local server runs this every minute).
  if (result.marked > 0 || result.skipped > 0 || !result.complete) logger.info('invitation cleanup', { ...result });
  else logger.debug('invitation cleanup', { ...result });
  return result;
}

export const handler = middy(async (): Promise<CleanupResult> => runCleanup()).use(injectLambdaContext(logger, { resetKeys: true }));

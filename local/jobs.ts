// Scheduled jobs on a timer, as EventBridge runs them in AWS: the invitation cleanup and the sweep that
// finishes deletions of organizations and teams, every 60 s (in AWS every 15 minutes), and on demand
// through POST /_local/jobs/run (npm run cleanup).

import type { CleanupResult } from '../functions/operations/invitations';

const INTERVAL_MS = 60_000;
let running: Promise<Record<string, unknown>> | undefined;

/** Run every scheduled job once (POST /_local/jobs/run, npm run cleanup). Overlapping calls share one run. */
export async function runJobsOnce(): Promise<Record<string, unknown>> {
  running ??= (async () => {
    try {
      const { runCleanup, runDeletionSweep } = await import('../functions/jobs/cleanup');
      const invitationCleanup: CleanupResult = await runCleanup();
      const deletionSweep = await runDeletionSweep();
      return { invitationCleanup, deletionSweep };
    } finally {
      running = undefined;
    }
  })();
  return running;
}

/** Start the jobs' timers; returns the function that stops them. */
export function startLocalJobs(): () => Promise<void> {
  const timers: NodeJS.Timeout[] = [];
  const timer = setInterval(() => {
    runJobsOnce().catch((err: Error) => console.error(`local jobs: ${err.name}: ${err.message}`));
  }, INTERVAL_MS);
  timer.unref();
  timers.push(timer);
  return async () => {
    timers.forEach(clearInterval);
    await running?.catch(() => undefined);
  };
}

// Scheduled jobs on a timer, as EventBridge runs them in AWS (issue 3 fills these in).

/** Run every scheduled job once (POST /_local/jobs/run, npm run cleanup). */
export async function runJobsOnce(): Promise<Record<string, unknown>> {
  return {};
}

/** Start the jobs' timers; returns the function that stops them. */
export function startLocalJobs(): () => Promise<void> {
  const timers: NodeJS.Timeout[] = [];
  return async () => timers.forEach(clearInterval);
}

// Scheduled jobs on a timer, as EventBridge runs them in AWS. Returns the function that stops them.
export function startLocalJobs(): () => Promise<void> {
  const timers: NodeJS.Timeout[] = [];
  return async () => timers.forEach(clearInterval);
}

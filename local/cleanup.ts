// `npm run cleanup [-- --port <n>]`: run the scheduled jobs of the running local server once (the
// invitation cleanup and the deletion sweep) and print what they did. Start the server first with `npm start`; the port is
// --port, else $PORT, else 3000 (npm start's default).

import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, json: { type: 'boolean', default: false } } });
const port = values.port ?? process.env.PORT ?? '3000';
if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
  console.error(`--port must be a port number, not "${port}".`);
  process.exit(2);
}
const url = `http://localhost:${port}/_local/jobs/run`;

interface CleanupResult {
  buckets: number;
  itemsRead: number;
  marked: number;
  skipped: number;
  complete: boolean;
  cursor: string;
}

let res: Response;
try {
  res = await fetch(url, { method: 'POST' });
} catch (err) {
  console.error(`Could not reach the local server at ${url} (${(err as Error).message}). Is \`npm start\` running on port ${port}? Give its port with --port.`);
  process.exit(1);
}
interface SweepCounts {
  finished: number;
  pending: number;
}
const body = (await res.json().catch(() => undefined)) as
  | { invitationCleanup?: CleanupResult; deletionSweep?: { organizations: SweepCounts; teams: SweepCounts } }
  | undefined;
if (!res.ok) {
  console.error(`The cleanup on port ${port} failed: HTTP ${res.status} ${JSON.stringify(body)}`);
  process.exit(1);
}
if (values.json) {
  console.log(JSON.stringify(body, null, 2));
} else {
  const c = body?.invitationCleanup;
  console.log(`Ran the scheduled jobs of the local server on port ${port}.`);
  if (c) {
    console.log(
      `Invitation cleanup: ${c.marked} invitation${c.marked === 1 ? '' : 's'} marked expired` +
        `${c.skipped ? `, ${c.skipped} skipped (changed meanwhile)` : ''}; ` +
        `${c.itemsRead} item${c.itemsRead === 1 ? '' : 's'} read in ${c.buckets} hourly bucket${c.buckets === 1 ? '' : 's'}` +
        `${c.complete ? '' : '; stopped at its limit, the next run continues'} (cursor ${c.cursor}).`,
    );
  } else {
    console.log(JSON.stringify(body, null, 2));
  }
  const d = body?.deletionSweep;
  if (d) {
    console.log(
      `Deletion sweep: ${d.organizations.finished} organization(s) and ${d.teams.finished} team(s) finished; ` +
        `${d.organizations.pending} organization(s) and ${d.teams.pending} team(s) still being deleted.`,
    );
  }
}

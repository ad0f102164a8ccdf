// `npm start` on a port that is taken: it exits non-zero with a message that says so, and leaves no
// DynamoDB Local (Java) behind, whether the port is taken at start-up (checked before Java starts) or
// taken later, between that check and the listen (Java already running: stop() must end it).
// Processes of one run are found by a marker in their environment, which Java inherits.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer } from '../../local/server';
import { createLocalSigner } from '../../local/sign-in';

const ROOT = resolve(import.meta.dirname, '../..');
const MARK = 'ORG_ACCESS_TEST_MARK';

/** Pids of live processes whose environment carries `mark` (readable for our own processes). */
function processesMarked(mark: string): { pid: number; java: boolean }[] {
  const found: { pid: number; java: boolean }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`${MARK}=${mark}`)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (/\) Z /.test(stat)) continue; // a zombie has ended; only its parent has not reaped it yet
      found.push({ pid: Number(entry), java: readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes('DynamoDBLocal') });
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
};

/** Runs `npm start`'s entry point on `port`; resolves when it exits, with every Java pid seen meanwhile. */
async function startOn(port: number, extra: { preload?: string; env?: Record<string, string> } = {}) {
  const mark = randomUUID();
  const child = spawn(process.execPath, [...(extra.preload ? ['--import', extra.preload] : []), '--import', 'tsx', 'local/main.ts', '--in-memory', '--port', String(port)], {
    cwd: ROOT,
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN', [MARK]: mark, ...extra.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const javaSeen = new Set<number>();
  const watch = setInterval(() => processesMarked(mark).filter((p) => p.java).forEach((p) => javaSeen.add(p.pid)), 100);
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearInterval(watch);
  clearTimeout(killer);
  // The Java process gets SIGTERM from stop() before exit, SIGKILL from the exit handler at the latest.
  const deadline = Date.now() + 5000;
  while (processesMarked(mark).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return { code, output, javaSeen: [...javaSeen], survivors: processesMarked(mark) };
}

let holder: Server;
let port: number;
beforeAll(async () => {
  holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  port = (holder.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((r) => holder.close(() => r()));
});

describe('npm start on a port in use', () => {
  it('exits non-zero at once, says the port is in use, and never starts Java', async () => {
    const run = await startOn(port);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`org-access failed to start: Port ${port} on 127.0.0.1 is already in use.`);
    expect(run.output).toContain('npm start -- --port <number>');
    expect(run.javaSeen).toEqual([]);
    expect(run.survivors).toEqual([]);
  }, 120_000);

  it('taken after the check, with Java running: exits non-zero with the message, and Java is gone', async () => {
    const free = await new Promise<number>((r) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => r(p));
      });
    });
    const run = await startOn(free, { preload: resolve(import.meta.dirname, 'port-taken.mjs'), env: { ORG_ACCESS_TEST_TAKEN_PORT: String(free) } });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`org-access failed to start: Port ${free} on 127.0.0.1 is already in use.`);
    expect(run.javaSeen.length).toBeGreaterThan(0); // DynamoDB Local had started
    for (const pid of run.javaSeen) expect(alive(pid), `java pid ${pid}`).toBe(false);
    expect(run.survivors).toEqual([]);
  }, 120_000);
});

describe('startLocalServer', () => {
  it('rejects with the port in words when the port is taken (so its caller can stop what it started)', async () => {
    const signer = await createLocalSigner({ issuer: 'http://localhost/_local', audience: 'org-access-local' });
    await expect(startLocalServer({ port, signer, sesEndpoint: 'http://127.0.0.1:9' })).rejects.toThrow(`Port ${port} on 127.0.0.1 is already in use.`);
  }, 60_000);
});

// Browser test support: the real local server as `npm start` runs it (in memory, random port), Debian's
// Chromium driven by playwright-core, a fresh browser context per scenario, and a screenshot in
// test-results/ when a scenario fails.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '../..');
export const RESULTS = join(ROOT, 'test-results');

export interface LocalServer {
  url: string;
  stop: () => Promise<void>;
}

/** Spawns `npx tsx local/main.ts --in-memory --port 0` in its own process group; resolves with its URL. */
export async function startServer(): Promise<LocalServer> {
  const child: ChildProcess = spawn('npx', ['tsx', 'local/main.ts', '--in-memory', '--port', '0'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /org-access listening on (http:\/\/\S+)/.exec(output);
      if (m?.[1]) resolveUrl(m[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`the local server exited (${code}) before listening:\n${output}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  return { url, stop };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const fileName = (name: string) => name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();

/**
 * Runs a scenario in fresh browser contexts (one per person); on failure saves a screenshot of every
 * open page to test-results/<scenario>[-n].png, then rethrows.
 */
export async function scenario(browser: Browser, name: string, run: (person: (options?: BrowserContextOptions) => Promise<Page>) => Promise<void>) {
  const contexts: BrowserContext[] = [];
  const violations: string[] = [];
  const person = async (options: BrowserContextOptions = {}) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    // The pages must work under their CSP (no inline script or style): any violation fails the scenario.
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) violations.push(`${page.url()}: ${msg.text()}`);
    });
    return page;
  };
  try {
    await run(person);
    if (violations.length) throw new Error(`Content Security Policy violations:\n${violations.join('\n')}`);
  } catch (err) {
    mkdirSync(RESULTS, { recursive: true });
    const pages = contexts.flatMap((c) => c.pages());
    await Promise.all(pages.map((p, i) => p.screenshot({ path: join(RESULTS, `${fileName(name)}${i ? `-${i}` : ''}.png`), fullPage: true }).catch(() => undefined)));
    throw err;
  } finally {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  }
}

let counter = 0;
/** A fresh address per call, so scenarios sharing one server never collide. */
export const uniqueEmail = (who: string) => `${who}-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}@example.com`;

/** Signs in through the console: the sign-in view, then the local sign-in page, and back. */
export async function signIn(page: Page, base: string, email: string, startAt = '/') {
  await page.goto(`${base}${startAt}`);
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL(/\/_local\/sign-in/);
  await signInOnLocalPage(page, email);
}

/** On the local sign-in page: e-mail, then "Continue with Google". */
export async function signInOnLocalPage(page: Page, email: string) {
  await page.getByLabel('E-mail').fill(email);
  await page.getByRole('button', { name: 'Continue with Google' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/_local/'));
}

interface Mail {
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
  at: number;
}

/** The invitation link in the newest mail to `email` (from the local mailbox over HTTP). */
export async function invitationLink(base: string, email: string): Promise<string> {
  const res = await fetch(`${base}/_local/mail`);
  const { emails } = (await res.json()) as { emails: Mail[] };
  const mail = [...emails].reverse().find((m) => m.destination.to.some((to) => to.toLowerCase().includes(email)));
  if (!mail) throw new Error(`no mail to ${email} in the local mailbox`);
  const link = /(https?:\/\/[^\s"'<>]+\/invite\/[^\s"'<>]+)/.exec(`${mail.body.text ?? ''} ${mail.body.html ?? ''}`)?.[1];
  if (!link) throw new Error(`no invitation link in the mail to ${email}: ${mail.body.text}`);
  return link;
}

/** The console's Members table row for an e-mail address. */
export const memberRow = (page: Page, email: string) => page.locator(`tr[data-email="${email}"]`);

/** A token for `email` from the local sign-in (the same user the browser signs in as). */
export async function localToken(base: string, email: string, provider: 'Google' | 'GitHub' = 'Google'): Promise<string> {
  const res = await fetch(`${base}/_local/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, provider }) });
  if (!res.ok) throw new Error(`local sign-in of ${email} failed: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

/** One API call as the holder of `token`; throws on a status it did not expect. */
export async function apiAs<T = any>(base: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Moves the local server's test clock (POST /_local/clock). */
export async function advanceClock(base: string, seconds: number): Promise<void> {
  const res = await fetch(`${base}/_local/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: seconds }) });
  if (!res.ok) throw new Error(`the test clock did not move: ${res.status}`);
}

/** How far the page is wider than its viewport (0 when nothing overflows sideways). */
export const sidewaysOverflow = (page: Page) =>
  page.evaluate(() => {
    const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
    return d.documentElement.scrollWidth - d.documentElement.clientWidth;
  });

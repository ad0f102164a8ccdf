// The console in a real browser (Debian's Chromium via playwright-core) against the real local server,
// started once for the file as `npm start` would (it takes ~15 s, so every scenario shares it):
// - Members: invite → local mailbox → sign in → accept → active; revoke; the last-administrator rule.
// - Sign-in: the local sign-in, a 401 back to sign-in, sign-out, and the Cognito hosted UI flow
//   (authorization code + PKCE) with its one automatic retry of "Already found an entry for username".

import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULTS, invitationLink, launchBrowser, memberRow, scenario, signIn, signInOnLocalPage, startServer, uniqueEmail, type LocalServer } from './support';

/** Waits for the page to get there (the API and DynamoDB Local answer in their own time). */
const POLL = { timeout: 10_000 };

let server: LocalServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Signs an administrator in and waits for the Members page of their Default Organization. */
async function adminOnMembers(page: Page, email: string) {
  await signIn(page, server.url, email);
  await page.waitForURL(/\/orgs\/[^/]+\/members$/);
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('Members');
  await memberRow(page, email).waitFor();
}

async function invite(page: Page, email: string, role: string) {
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Organization role').selectOption({ label: role });
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect.poll(() => page.getByRole('status').textContent(), POLL).toBe(`Invitation sent to ${email}.`);
  await memberRow(page, email).waitFor();
}

const statusOf = (page: Page, email: string) => memberRow(page, email).getAttribute('data-status');

describe('members and invitations in the console', () => {
  it('an administrator invites a user; the invitee opens the mailed link, signs in, accepts and appears as active', async () => {
    await scenario(browser, 'invite and accept', async (person) => {
      const admin = await person();
      const adminEmail = uniqueEmail('admin');
      const inviteeEmail = uniqueEmail('invitee');
      await adminOnMembers(admin, adminEmail);
      await expect.poll(() => memberRow(admin, adminEmail).textContent(), POLL).toContain('Administrator');

      await invite(admin, inviteeEmail, 'Member');
      expect(await statusOf(admin, inviteeEmail)).toBe('invited');
      await expect.poll(() => memberRow(admin, inviteeEmail).textContent(), POLL).toMatch(/Invited/);

      // The Members page at phone width, kept for a look at the layout.
      await admin.setViewportSize({ width: 390, height: 844 });
      mkdirSync(RESULTS, { recursive: true });
      await admin.screenshot({ path: join(RESULTS, 'members-390.png'), fullPage: true });
      await admin.setViewportSize({ width: 1280, height: 900 });

      // The invitee follows the link from the local mailbox in their own browser.
      const link = await invitationLink(server.url, inviteeEmail);
      const invitee = await person();
      await invitee.goto(link);
      await expect.poll(() => invitee.getByRole('heading', { level: 1 }).textContent(), POLL).toMatch(/^Join /);
      await invitee.getByRole('link', { name: 'Sign in to accept' }).click();
      await invitee.waitForURL(/\/_local\/sign-in\?returnTo=%2Finvite%2F/);
      await signInOnLocalPage(invitee, inviteeEmail);
      await invitee.waitForURL(link);
      await invitee.getByRole('button', { name: 'Accept the invitation' }).click();
      await expect.poll(() => invitee.locator('#status').textContent(), POLL).toMatch(/^You joined .+ as Member\.$/);

      // The invitee's console now lists the organization they joined.
      await invitee.getByRole('link', { name: 'Continue to org-access' }).click();
      await invitee.goto(`${server.url}/orgs`);
      await expect.poll(() => invitee.locator('main table').textContent(), POLL).toMatch(/Member/);

      await admin.reload();
      await memberRow(admin, inviteeEmail).waitFor();
      expect(await statusOf(admin, inviteeEmail)).toBe('active');
      await expect.poll(() => memberRow(admin, inviteeEmail).textContent(), POLL).toMatch(/Active/);
      await expect.poll(() => memberRow(admin, inviteeEmail).textContent(), POLL).toMatch(/Member/);
    });
  });

  it('revoking an invitation removes its row and the link answers that it was revoked', async () => {
    await scenario(browser, 'revoke', async (person) => {
      const admin = await person();
      const adminEmail = uniqueEmail('admin');
      const inviteeEmail = uniqueEmail('revoked');
      await adminOnMembers(admin, adminEmail);
      await invite(admin, inviteeEmail, 'Manager');
      const link = await invitationLink(server.url, inviteeEmail);

      admin.once('dialog', (dialog) => void dialog.accept());
      await memberRow(admin, inviteeEmail).getByRole('button', { name: 'Revoke' }).click();
      await expect.poll(() => admin.getByRole('status').textContent(), POLL).toBe(`The invitation for ${inviteeEmail} was revoked.`);
      await expect.poll(() => memberRow(admin, inviteeEmail).count(), POLL).toBe(0);
      await admin.reload();
      await memberRow(admin, adminEmail).waitFor();
      expect(await memberRow(admin, inviteeEmail).count()).toBe(0);

      // The mailed link now answers as revoked: the page says so and offers no Accept; the API answers 410.
      const visitor = await person();
      await visitor.goto(link);
      await expect.poll(() => visitor.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('This invitation was withdrawn');
      expect(await visitor.getByRole('button', { name: /accept/i }).count()).toBe(0);
      const token = new URL(link).pathname.split('/').pop()!;
      const preview = await fetch(`${server.url}/v1/invitations/${token}`);
      expect(preview.status).toBe(410);
      expect(((await preview.json()) as { error: { code: string } }).error.code).toBe('invitation_revoked');
    });
  });

  it('resending an invitation mails a new link and kills the old one', async () => {
    await scenario(browser, 'resend', async (person) => {
      const admin = await person();
      const inviteeEmail = uniqueEmail('resent');
      await adminOnMembers(admin, uniqueEmail('admin'));
      await invite(admin, inviteeEmail, 'Member');
      const first = await invitationLink(server.url, inviteeEmail);

      await memberRow(admin, inviteeEmail).getByRole('button', { name: 'Resend' }).click();
      await expect.poll(() => admin.getByRole('status').textContent(), POLL).toBe(`A new invitation link was sent to ${inviteeEmail}. The old link no longer works.`);
      expect(await statusOf(admin, inviteeEmail)).toBe('invited');
      const second = await invitationLink(server.url, inviteeEmail);
      expect(second).not.toBe(first);

      const visitor = await person();
      await visitor.goto(first);
      await expect.poll(() => visitor.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('This invitation has expired');
      await visitor.goto(second);
      await expect.poll(() => visitor.getByRole('heading', { level: 1 }).textContent(), POLL).toMatch(/^Join /);
    });
  });

  it('demoting the only Administrator shows the last-administrator rule in words', async () => {
    await scenario(browser, 'last administrator', async (person) => {
      const admin = await person();
      const adminEmail = uniqueEmail('sole-admin');
      await adminOnMembers(admin, adminEmail);
      const row = memberRow(admin, adminEmail);
      await row.getByLabel(`Role of ${adminEmail}`).selectOption('Member');
      await row.getByRole('button', { name: 'Change role' }).click();
      await expect.poll(() => admin.getByRole('status').textContent(), POLL).toBe(
        'An organization must keep at least one Administrator. Make someone else an Administrator first, then try again.',
      );
      expect(await admin.getByRole('status').getAttribute('data-kind')).toBe('error');
      expect(await row.getByLabel(`Role of ${adminEmail}`).inputValue()).toBe('Administrator');
      await admin.reload();
      await expect.poll(() => memberRow(admin, adminEmail).textContent(), POLL).toContain('Administrator');
    });
  });
});

describe('apps and check access', () => {
  it('an administrator creates an app (becoming its Owner) and checks who may delete it, with the reasons', async () => {
    await scenario(browser, 'apps and check access', async (person) => {
      const admin = await person();
      const adminEmail = uniqueEmail('app-admin');
      await adminOnMembers(admin, adminEmail);

      await admin.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Apps' }).click();
      await expect.poll(() => admin.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('Apps');
      await admin.getByLabel('App id').fill('web-shop');
      await admin.getByLabel('Name (optional)').fill('Web shop');
      await admin.getByRole('button', { name: 'Create app' }).click();
      await expect.poll(() => admin.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('App Web shop');
      await expect.poll(() => admin.getByRole('status').textContent(), POLL).toBe('App web-shop was created. You are its Owner.');
      await expect.poll(async () => (await admin.getByRole('region', { name: 'Members and their app roles' }).textContent()) ?? '', POLL).toContain('Owner');

      await admin.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Check access' }).click();
      await admin.getByLabel('User').selectOption({ label: adminEmail });
      await admin.getByLabel('Action').selectOption('app.delete');
      await admin.getByLabel('App id (optional)').fill('web-shop');
      await admin.getByRole('button', { name: 'Check' }).click();
      await expect.poll(() => admin.locator('.verdict').textContent(), POLL).toBe(`Allowed: ${adminEmail} may app.delete.`);
      await expect.poll(async () => (await admin.getByRole('region', { name: 'Decision' }).textContent()) ?? '', POLL).toMatch(/Because of/);

      await admin.getByLabel('App id (optional)').fill('no-such-app');
      await admin.getByRole('button', { name: 'Check' }).click();
      await expect.poll(() => admin.locator('.verdict').textContent(), POLL).toBe(`Denied: ${adminEmail} may not app.delete.`);
      await expect.poll(async () => (await admin.getByRole('region', { name: 'Decision' }).textContent()) ?? '', POLL).toMatch(/Missing/);
    });
  });
});

const COGNITO = 'auth.example.test';

const token = (page: Page) => page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('org-access.token'));

/** A stand-in for Cognito's hosted UI: /oauth2/authorize answers with the given redirects, /oauth2/token with an id token. */
async function fakeHostedUi(page: Page, outcomes: ('already-found' | 'code')[], idToken: string) {
  const authorize: URLSearchParams[] = [];
  const exchanges: URLSearchParams[] = [];
  await page.route(`${server.url}/config.json`, (route) =>
    route.fulfill({ json: { mode: 'cognito', apiUrl: '', cognitoDomain: COGNITO, clientId: 'client-123', region: 'us-east-1', signInUrl: '/sign-in' } }),
  );
  await page.route(`https://${COGNITO}/**`, async (route: Route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/oauth2/authorize') {
      authorize.push(url.searchParams);
      const outcome = outcomes[authorize.length - 1] ?? 'code';
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('state', url.searchParams.get('state')!);
      if (outcome === 'code') back.searchParams.set('code', `code-${authorize.length}`);
      else {
        back.searchParams.set('error', 'invalid_request');
        back.searchParams.set('error_description', 'Already found an entry for username github_1234 ');
      }
      return route.fulfill({ status: 302, headers: { location: back.toString() } });
    }
    if (url.pathname === '/oauth2/token' && route.request().method() === 'POST') {
      exchanges.push(new URLSearchParams(route.request().postData() ?? ''));
      return route.fulfill({ headers: { 'access-control-allow-origin': server.url }, json: { id_token: idToken, access_token: 'unused', token_type: 'Bearer', expires_in: 3600 } });
    }
    return route.fulfill({ status: 404, body: 'not found' });
  });
  return { authorize, exchanges };
}

async function localToken(email: string, provider: 'Google' | 'GitHub') {
  const res = await fetch(`${server.url}/_local/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, provider }) });
  return ((await res.json()) as { token: string }).token;
}

describe('sign-in', () => {
  it('local mode: signs in through the local page, returns to the page asked for, and signs out', async () => {
    await scenario(browser, 'local sign-in and sign-out', async (person) => {
      const page = await person();
      const email = uniqueEmail('local');
      await signIn(page, server.url, email, '/orgs');
      await page.waitForURL(`${server.url}/orgs`);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('Your organizations');
      await page.getByRole('link', { name: 'Default Organization' }).click();
      await memberRow(page, email).waitFor();

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${server.url}/signed-out`);
      expect(await token(page)).toBeNull();
      await page.goto(`${server.url}/orgs`);
      await page.waitForURL(/\/sign-in\?returnTo=%2Forgs$/);
    });
  });

  it('a token the API refuses (401) sends the user to sign in and back to where they were', async () => {
    await scenario(browser, 'unauthenticated', async (person) => {
      const page = await person();
      // A well-formed token that the API does not accept (signed by nobody it trusts).
      const claims = Buffer.from(JSON.stringify({ sub: 'x', exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
      await page.goto(`${server.url}/signed-out`);
      await page.evaluate((t) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('org-access.token', t), `e30.${claims}.c2ln`);
      await page.goto(`${server.url}/orgs`);
      await page.waitForURL(/\/sign-in\?returnTo=%2Forgs$/);
      expect(await token(page)).toBeNull();
      await page.getByRole('link', { name: 'Sign in' }).click();
      await page.waitForURL(/\/_local\/sign-in\?returnTo=%2Forgs$/);
    });
  });

  // The local server's CSP only allows connections to itself; in AWS the deployment's CSP lists the
  // Cognito domain in connect-src. bypassCSP lets this page reach the stand-in hosted UI.
  it('cognito mode: GitHub through the hosted UI with PKCE; "Already found an entry for username" is retried once, automatically', async () => {
    await scenario(browser, 'cognito sign-in retry', async (person) => {
      const page = await person({ bypassCSP: true });
      const email = uniqueEmail('federated');
      const hosted = await fakeHostedUi(page, ['already-found', 'code'], await localToken(email, 'GitHub'));
      await page.goto(`${server.url}/orgs`);
      await page.waitForURL(/\/sign-in\?returnTo=%2Forgs$/);
      await page.getByRole('button', { name: 'Continue with Google' }).waitFor();
      await page.getByRole('button', { name: 'Continue with GitHub' }).click();

      await page.waitForURL(`${server.url}/orgs`);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('Your organizations');
      expect(hosted.authorize).toHaveLength(2);
      for (const q of hosted.authorize) {
        expect(Object.fromEntries(q)).toMatchObject({ response_type: 'code', client_id: 'client-123', identity_provider: 'GitHub', code_challenge_method: 'S256', redirect_uri: `${server.url}/auth/callback` });
      }
      expect(hosted.exchanges).toHaveLength(1);
      const exchange = hosted.exchanges[0]!;
      expect(exchange.get('grant_type')).toBe('authorization_code');
      expect(exchange.get('code')).toBe('code-2');
      const challenge = createHash('sha256').update(exchange.get('code_verifier')!).digest('base64url');
      expect(challenge).toBe(hosted.authorize[1]!.get('code_challenge'));
      expect(await token(page)).toMatch(/^ey/);
    });
  });

  it('cognito mode: the same error a second time is shown, not retried again', async () => {
    await scenario(browser, 'cognito sign-in fails twice', async (person) => {
      const page = await person({ bypassCSP: true });
      const hosted = await fakeHostedUi(page, ['already-found', 'already-found'], 'unused');
      await page.goto(`${server.url}/sign-in`);
      await page.getByRole('button', { name: 'Continue with Google' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('Sign-in failed');
      await expect.poll(() => page.getByRole('status').textContent(), POLL).toMatch(/^Sign-in failed: Already found an entry for username/);
      expect(hosted.authorize).toHaveLength(2);
      expect(await token(page)).toBeNull();
    });
  });
});

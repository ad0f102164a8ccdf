// The console in a real browser (Debian's Chromium via playwright-core) against the real local server,
// started once for the file as `npm start` would (it takes ~15 s, so every scenario shares it):
// - Members: invite → local mailbox → sign in → accept → active; revoke; the last-administrator rule.
// - Sign-in: the local sign-in, a 401 back to sign-in, sign-out, and the Cognito hosted UI flow
//   (authorization code + PKCE) with its one automatic retry of "Already found an entry for username".
// - What the review found: expired invitations shown and resent, id patterns valid under the `v` flag,
//   errors in words next to their field, controls by the caller's roles, Check access never showing an
//   old decision, 390 px without sideways scrolling, the skip link, the org switcher's labels, the
//   local sign-in's returnTo rule, messages that survive a full load. The test clock moves last.

import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULTS, advanceClock, apiAs, invitationLink, launchBrowser, localToken, memberRow, scenario, sidewaysOverflow, signIn, signInOnLocalPage, startServer, uniqueEmail, type LocalServer } from './support';

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

  it('deleting one’s account asks for the e-mail address, then signs out and says so', async () => {
    await scenario(browser, 'delete account', async (person) => {
      const page = await person();
      const email = uniqueEmail('leaver');
      await signIn(page, server.url, email, '/orgs');
      await page.waitForURL(`${server.url}/orgs`);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('Your organizations');
      await page.getByLabel(`Type ${email} to confirm`).fill('someone-else@example.com');
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), POLL).toContain('to confirm');
      const before = await localToken(server.url, email);
      expect((await apiAs(server.url, before, 'GET', '/v1/me')).user.email).toBe(email);

      await page.getByLabel(`Type ${email} to confirm`).fill(email);
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await page.waitForURL(`${server.url}/signed-out`);
      await expect.poll(() => page.getByRole('status').textContent(), POLL).toContain('Your account was deleted');
      expect(await token(page)).toBeNull();
      const stale = await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${before}` } });
      expect(stale.status).toBe(401);
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
      // The reason survives the redirect (it was set before the sign-in page had a status region).
      await expect.poll(() => page.getByRole('status').textContent(), POLL).toBe('Your session has ended. Sign in again.');
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
      const hosted = await fakeHostedUi(page, ['already-found', 'code'], await localToken(server.url, email, 'GitHub'));
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

// ---- What the review found ----

const html = (page: Page, expression: string) => page.evaluate(expression) as Promise<unknown>;

/** The caller's Default Organization (the first of GET /v1/me). */
async function defaultOrgOf(token: string): Promise<string> {
  const me = await apiAs<{ organizations: { orgId: string }[] }>(server.url, token, 'GET', '/v1/me');
  return me.organizations[0]!.orgId;
}

/** Invites `email` into the org as `role` and accepts it as them, over the API; returns their token. */
async function joinAs(adminToken: string, orgId: string, email: string, role: string): Promise<string> {
  await apiAs(server.url, adminToken, 'POST', `/v1/orgs/${orgId}/invitations`, { email, role });
  const secret = new URL(await invitationLink(server.url, email)).pathname.split('/').pop()!;
  const token = await localToken(server.url, email);
  await apiAs(server.url, token, 'GET', '/v1/me'); // their profile and their own Default Organization
  await apiAs(server.url, token, 'POST', `/v1/invitations/${secret}/accept`);
  return token;
}

const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();

describe('the console shows each person what they may do', () => {
  it('a Member sees no invite, role or delete controls, no Default roles, and can tell two Default Organizations apart', async () => {
    await scenario(browser, 'member controls', async (person) => {
      const adminEmail = uniqueEmail('owner');
      const memberEmail = uniqueEmail('member');
      const adminToken = await localToken(server.url, adminEmail);
      const orgId = await defaultOrgOf(adminToken);
      await apiAs(server.url, adminToken, 'POST', `/v1/orgs/${orgId}/apps`, { id: 'member-view', name: 'Member view' });
      await apiAs(server.url, adminToken, 'POST', `/v1/orgs/${orgId}/apps/member-view/envs`, { id: 'dev1', type: 'development' });
      await joinAs(adminToken, orgId, memberEmail, 'Member');

      const page = await person();
      await signIn(page, server.url, memberEmail, `/orgs/${orgId}/members`);
      await page.waitForURL(`${server.url}/orgs/${orgId}/members`);
      await memberRow(page, adminEmail).waitFor();
      await memberRow(page, memberEmail).waitFor();
      expect(await page.getByRole('button', { name: 'Send invitation' }).count()).toBe(0);
      expect(await memberRow(page, adminEmail).getByRole('button').count()).toBe(0);
      expect(await memberRow(page, adminEmail).getByRole('combobox').count()).toBe(0);
      // Their own row: leave, and only roles within their own.
      expect(await memberRow(page, memberEmail).getByRole('button', { name: 'Leave organization' }).count()).toBe(1);
      const ownRoles = await memberRow(page, memberEmail).getByLabel(`Role of ${memberEmail}`).locator('option').allTextContents();
      expect(ownRoles).toEqual(['Member']);

      const nav = page.getByRole('navigation', { name: 'Sections' });
      expect(await nav.getByRole('link').allTextContents()).not.toContain('Default roles');
      // Two organizations called "Default Organization": the switcher says which is which.
      const options = await page.getByLabel('Organization', { exact: true }).locator('option').allTextContents();
      expect(options).toHaveLength(2);
      expect(options.find((o) => o.includes('· Member'))).toMatch(/^Default Organization · Member · id …[0-9A-Z]{6}$/);
      expect(options.find((o) => o.includes('· Administrator'))).toMatch(/^Default Organization · Administrator · id …[0-9A-Z]{6}$/);
      expect(new Set(options).size).toBe(2);

      await nav.getByRole('link', { name: 'Apps' }).click();
      await expect.poll(() => heading(page), POLL).toBe('Apps');
      await page.getByRole('link', { name: 'Member view' }).waitFor();
      expect(await page.getByRole('button', { name: 'Create app' }).count()).toBe(0);

      await page.getByRole('link', { name: 'Member view' }).click();
      await expect.poll(() => heading(page), POLL).toBe('App Member view');
      const appRoles = page.getByRole('region', { name: 'Members and their app roles' });
      await expect.poll(async () => (await appRoles.textContent()) ?? '', POLL).toContain('Administrators act as Owner of every app');
      await expect.poll(async () => (await appRoles.textContent()) ?? '', POLL).toContain(adminEmail);
      expect(await page.getByRole('button', { name: 'Grant role' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Remove role' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /^Delete app/ }).count()).toBe(0);
      // Developer on every app (the initial default role): environments are theirs to create.
      expect(await page.getByRole('button', { name: 'Create environment' }).count()).toBe(1);
      expect(await page.getByRole('status').getAttribute('data-kind')).not.toBe('error');

      // Typed straight in: the page says why instead of failing on a 403.
      await page.goto(`${server.url}/orgs/${orgId}/default-roles`);
      await expect.poll(() => page.locator('main .notice').textContent(), POLL).toBe('Only Administrators can see and change default roles.');
      expect(await page.getByRole('status').textContent()).toBe('');

      // Check access: a Member asks about themselves only.
      await page.goto(`${server.url}/orgs/${orgId}/check-access`);
      await expect.poll(() => page.getByLabel('User').locator('option').allTextContents(), POLL).toEqual([memberEmail]);
    });
  });
});

describe('forms', () => {
  it('id patterns work under the v flag: Bad_Id is refused in the browser', async () => {
    await scenario(browser, 'id patterns', async (person) => {
      const page = await person();
      await adminOnMembers(page, uniqueEmail('patterns'));
      for (const section of ['Apps', 'Environment types', 'Teams', 'Custom roles']) {
        await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: section }).click();
        await expect.poll(() => heading(page), POLL).toBe(section);
        const input = page.locator('input[pattern]').first();
        await input.waitFor();
        // Chromium compiles `pattern` with the v flag; an invalid one turns validation off silently.
        const pattern = await input.getAttribute('pattern');
        expect(() => new RegExp(`^(?:${pattern})$`, 'v')).not.toThrow();
        await input.fill('Bad_Id');
        expect(await input.evaluate((el) => (el as unknown as { checkValidity(): boolean }).checkValidity())).toBe(false);
        await input.fill('good-id-1');
        expect(await input.evaluate((el) => (el as unknown as { checkValidity(): boolean }).checkValidity())).toBe(true);
        await input.fill('-dash-first');
        expect(await input.evaluate((el) => (el as unknown as { checkValidity(): boolean }).checkValidity())).toBe(false);
      }
    });
  });

  it("the API's refusal of a field is shown next to that field, in words", async () => {
    await scenario(browser, 'field errors', async (person) => {
      const page = await person();
      await adminOnMembers(page, uniqueEmail('fields'));
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Custom roles' }).click();
      await expect.poll(() => heading(page), POLL).toBe('Custom roles');
      await page.getByLabel('Role id').fill('no-permissions');
      await page.getByRole('button', { name: 'Create role' }).click(); // no permission ticked: the API refuses
      const fieldset = page.locator('fieldset[data-field="permissions"]');
      await expect.poll(() => fieldset.getAttribute('aria-invalid'), POLL).toBe('true');
      expect(await fieldset.locator('.field-error').textContent()).toBe('Give at least one permission.');
      const message = (await page.getByRole('status').textContent()) ?? '';
      expect(message).toBe('Please check what you entered. Permissions: Give at least one permission.');
      expect(message).not.toMatch(/body\.|permissions:/);
      // The first refused control has the focus; ticking a box clears the mark.
      expect(await html(page, 'document.activeElement.type')).toBe('checkbox');
      await fieldset.getByRole('checkbox').first().check();
      await expect.poll(() => fieldset.getAttribute('aria-invalid'), POLL).toBeNull();
    });
  });

  it('check access clears the previous decision and names the missing ids in words', async () => {
    await scenario(browser, 'check access errors', async (person) => {
      const page = await person();
      const email = uniqueEmail('checker');
      await adminOnMembers(page, email);
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Check access' }).click();
      await page.getByLabel('Action').selectOption('org.read');
      await page.getByRole('button', { name: 'Check' }).click();
      await expect.poll(() => page.locator('.verdict').textContent(), POLL).toBe(`Allowed: ${email} may org.read.`);

      await page.getByLabel('Action').selectOption('env.deploy');
      await page.getByRole('button', { name: 'Check' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), POLL).toBe('To check whether someone may deploy, give app id and environment id.');
      expect(await page.locator('.verdict').count()).toBe(0);
      expect(await page.getByLabel('App id (optional)').getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByLabel('Environment id (optional)').getAttribute('aria-invalid')).toBe('true');
    });
  });
});

describe('layout and navigation', () => {
  it('at 390 px nothing scrolls sideways: Members, an app with a long id, the mailbox', async () => {
    await scenario(browser, 'narrow layout', async (person) => {
      const page = await person({ viewport: { width: 390, height: 844 } });
      const email = `a-person-with-a-rather-long-address-${Date.now()}@subdomain.example.com`;
      await signIn(page, server.url, email);
      await page.waitForURL(/\/orgs\/[^/]+\/members$/);
      await memberRow(page, email).waitFor();
      const token = await localToken(server.url, email);
      const orgId = await defaultOrgOf(token);
      const appId = 'a-rather-long-application-identifier-for-layout';
      await apiAs(server.url, token, 'POST', `/v1/orgs/${orgId}/apps`, { id: appId, name: appId });
      await apiAs(server.url, token, 'POST', `/v1/orgs/${orgId}/apps/${appId}/envs`, { id: 'staging-environment-number-one', type: 'development' });
      await apiAs(server.url, token, 'POST', `/v1/orgs/${orgId}/invitations`, { email: `someone-invited-with-a-long-address-${Date.now()}@example.com` });
      mkdirSync(RESULTS, { recursive: true });

      await page.reload();
      await memberRow(page, email).waitFor();
      await expect.poll(() => page.locator('tr[data-status="invited"]').count(), POLL).toBe(1);
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(RESULTS, 'review-members-390.png'), fullPage: true });

      await page.goto(`${server.url}/orgs/${orgId}/apps/${appId}`);
      await page.getByRole('button', { name: `Delete app ${appId}` }).waitFor();
      await page.getByRole('button', { name: 'Delete environment staging-environment-number-one' }).waitFor();
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(RESULTS, 'review-app-390.png'), fullPage: true });

      await page.goto(`${server.url}/_local/mailbox`);
      await page.getByRole('heading', { name: 'Local mailbox' }).waitFor();
      expect(await page.locator('article').count()).toBeGreaterThan(0);
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(RESULTS, 'review-mailbox-390.png'), fullPage: true });

      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${server.url}/orgs/${orgId}/apps/${appId}`);
      await page.getByRole('button', { name: `Delete app ${appId}` }).waitFor();
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(RESULTS, 'review-app-1280.png'), fullPage: true });
    });
  });

  it('the skip link moves focus to the content without re-rendering the page', async () => {
    await scenario(browser, 'skip link', async (person) => {
      const page = await person();
      await adminOnMembers(page, uniqueEmail('keyboard'));
      const url = page.url();
      await html(page, "document.querySelector('main h1').dataset.marker = 'same page'");
      await page.keyboard.press('Tab');
      expect(await html(page, 'document.activeElement.textContent')).toBe('Skip to content');
      await page.keyboard.press('Enter');
      expect(await html(page, 'document.activeElement.id')).toBe('main');
      expect(await html(page, "document.querySelector('main h1').dataset.marker")).toBe('same page');
      expect(page.url()).toBe(url);
      // A hash change (a bookmark with #main, back after one) is not a new page either.
      await html(page, "location.hash = 'main'");
      await html(page, 'history.back()');
      await page.waitForTimeout(300);
      expect(await html(page, "document.querySelector('main h1').dataset.marker")).toBe('same page');
    });
  });

  it('the local sign-in follows returnTo only to a path of this origin', async () => {
    await scenario(browser, 'returnTo', async (person) => {
      const origin = new URL(server.url).origin;
      const email = uniqueEmail('redirect');
      for (const returnTo of ['/\\evil.example/x', '//evil.example/x', '/\t/evil.example/x', 'https://evil.example/x', 'javascript:alert(1)', '/\\\\evil.example']) {
        const page = await person();
        await page.goto(`${server.url}/_local/sign-in?returnTo=${encodeURIComponent(returnTo)}`);
        await signInOnLocalPage(page, email);
        const landed = new URL(page.url());
        expect(landed.origin, `returnTo ${JSON.stringify(returnTo)}`).toBe(origin);
        expect(landed.href).not.toContain('evil');
      }
      const page = await person();
      await page.goto(`${server.url}/_local/sign-in?returnTo=${encodeURIComponent('/orgs?from=test')}`);
      await signInOnLocalPage(page, email);
      expect(page.url()).toBe(`${server.url}/orgs?from=test`);
    });
  });

  it('a message given before the page has a status region is shown after the full load', async () => {
    await scenario(browser, 'status across load', async (person) => {
      const page = await person();
      const email = uniqueEmail('lost');
      await adminOnMembers(page, email);
      await page.goto(`${server.url}/orgs/01NOSUCHORGANIZATION000000/members`);
      await page.waitForURL(/\/orgs\/[^/]+\/members$/);
      await expect.poll(() => page.getByRole('status').textContent(), POLL).toBe('That organization does not exist or you are not a member of it.');
      expect(page.url()).not.toContain('01NOSUCHORGANIZATION');
    });
  });
});

// Last in the file: it moves the shared server's test clock (and moves it back).
describe('expired invitations', () => {
  it('after 24 hours the invitation shows as Expired in Members; Resend mails a link that works', async () => {
    await scenario(browser, 'expired invitation', async (person) => {
      const admin = await person();
      const inviteeEmail = uniqueEmail('late');
      await adminOnMembers(admin, uniqueEmail('admin'));
      await invite(admin, inviteeEmail, 'Member');
      const first = await invitationLink(server.url, inviteeEmail);
      await advanceClock(server.url, 25 * 3600);
      try {
        await admin.reload();
        await memberRow(admin, inviteeEmail).waitFor();
        expect(await statusOf(admin, inviteeEmail)).toBe('expired');
        await expect.poll(() => memberRow(admin, inviteeEmail).textContent(), POLL).toMatch(/Expired/);
        expect(await memberRow(admin, inviteeEmail).getByRole('button', { name: 'Revoke' }).count()).toBe(1);

        await memberRow(admin, inviteeEmail).getByRole('button', { name: 'Resend' }).click();
        await expect.poll(() => admin.getByRole('status').textContent(), POLL).toBe(`A new invitation link was sent to ${inviteeEmail}. The old link no longer works.`);
        await expect.poll(() => statusOf(admin, inviteeEmail), POLL).toBe('invited');
        expect(await memberRow(admin, inviteeEmail).count()).toBe(1);

        const second = await invitationLink(server.url, inviteeEmail);
        expect(second).not.toBe(first);
        const visitor = await person();
        await visitor.goto(second);
        await expect.poll(() => heading(visitor), POLL).toMatch(/^Join /);
      } finally {
        await advanceClock(server.url, -25 * 3600);
      }
    });
  });
});

// The org-access console: a small single-page app in plain TypeScript and DOM. It routes on the path
// (the server falls back to index.html for extension-less paths), keeps the id token in localStorage,
// and talks to the API with it.

import { api, ApiError, setUnauthenticatedHandler } from './api';
import { CALLBACK_PATH, TOKEN_KEY, completeCognitoSignIn, currentClaims, currentToken, localSignInUrl, safeReturnTo, signOut, startCognitoSignIn, type Provider } from './auth';
import { callerIn, type Caller } from './caller';
import { config, loadConfig } from './config';
import { ORG_PREF_KEY, orgLabels, type Me, type MyOrganization, type PageContext } from './context';
import { h, replace, select } from './dom';
import { mountStatus, status } from './status';
import { membersPage } from './pages/members';
import { orgsPage } from './pages/orgs';
import { appPage, appsPage } from './pages/apps';
import { envTypesPage } from './pages/env-types';
import { teamsPage } from './pages/teams';
import { defaultRolesPage } from './pages/default-roles';
import { customRolesPage } from './pages/custom-roles';
import { checkAccessPage } from './pages/check-access';

type OrgPage = (ctx: PageContext) => Promise<void>;

interface Section {
  path: string;
  label: string;
  page: OrgPage;
  /** Shown only to callers who may use it; otherwise `refusal` explains why it is missing. */
  visible?: (caller: Caller) => boolean;
  refusal?: string;
}

/** The sections of an organization, in navigation order. */
const SECTIONS: Section[] = [
  { path: 'members', label: 'Members', page: membersPage },
  { path: 'apps', label: 'Apps', page: (ctx) => (ctx.rest[0] ? appPage(ctx, ctx.rest[0]) : appsPage(ctx)) },
  { path: 'env-types', label: 'Environment types', page: envTypesPage },
  { path: 'teams', label: 'Teams', page: teamsPage },
  // Reading default roles needs defaultRoles.update too: only Administrators see the section.
  { path: 'default-roles', label: 'Default roles', page: defaultRolesPage, visible: (c) => c.can('defaultRoles.update'), refusal: 'Only Administrators can see and change default roles.' },
  { path: 'roles', label: 'Custom roles', page: customRolesPage },
  { path: 'check-access', label: 'Check access', page: checkAccessPage },
];

const SESSION_ENDED = 'Your session has ended. Sign in again.';
/** Pages outside an organization (the list of them) have no org role to go by. */
const NO_ORG_CALLER: Caller = { isAdministrator: false, permissions: new Set(), can: () => false, may: async () => false };

const app = document.getElementById('app')!;
let me: Me | undefined;
let renderSeq = 0;
/** The path and query last routed: a popstate that changes only the hash (the skip link, #main) is not a new page. */
let routed = '';

function go(path: string, replaceState = false) {
  if (replaceState) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  void route();
}

function toSignIn() {
  const returnTo = location.pathname + location.search;
  if (location.pathname !== '/sign-in') go(`/sign-in?returnTo=${encodeURIComponent(returnTo)}`, true);
}

async function route() {
  const seq = ++renderSeq;
  const path = location.pathname;
  const params = new URLSearchParams(location.search);
  routed = path + location.search;

  if (path === CALLBACK_PATH) return callbackPage(params);
  if (path === '/sign-in') return signInPage(safeReturnTo(params.get('returnTo')));
  if (path === '/signed-out') return signedOutPage();
  const hadToken = localStorage.getItem(TOKEN_KEY) !== null;
  if (!currentToken()) {
    // A token that was there and has run out: say so on the sign-in page (it survives the redirect).
    if (hadToken) status.carry(SESSION_ENDED, 'error');
    return toSignIn();
  }

  if (!me) {
    try {
      me = await api<Me>('GET', '/v1/me');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      return fatal(err);
    }
  }
  if (seq !== renderSeq) return;

  const [, first, orgId, sectionPath = 'members', ...rest] = path.split('/').map((p) => decodeURIComponent(p));
  if (first === 'orgs' && !orgId) return shell(undefined, undefined, 'orgs', (ctx) => orgsPage(ctx));
  const org = me.organizations.find((o) => o.orgId === orgId);
  if (first !== 'orgs' || !org) {
    const remembered = localStorage.getItem(ORG_PREF_KEY);
    const target = me.organizations.find((o) => o.orgId === remembered) ?? me.organizations[0];
    if (first === 'orgs' && orgId && !org) status.error(new Error('That organization does not exist or you are not a member of it.'));
    return target ? go(`/orgs/${encodeURIComponent(target.orgId)}/members`, true) : go('/orgs', true);
  }
  localStorage.setItem(ORG_PREF_KEY, org.orgId);
  const caller = await callerIn(org);
  if (seq !== renderSeq) return;
  if (org.status === 'deleting') return shell(org, caller, sectionPath, async (ctx) => {
    ctx.title(org.name);
    ctx.root.append(h('p', { class: 'notice' }, 'This organization is being deleted. It will disappear from your list when that has finished.'));
  }, rest);
  const section = SECTIONS.find((s) => s.path === sectionPath);
  if (!section) return shell(org, caller, '', async (ctx) => {
    ctx.title('Page not found');
    ctx.root.append(h('p', {}, 'There is no such page. Choose a section from the menu.'));
  }, rest);
  if (section.visible && !section.visible(caller)) return shell(org, caller, section.path, async (ctx) => {
    ctx.title(section.label);
    ctx.root.append(h('p', { class: 'notice' }, section.refusal ?? "You don't have access to this page."));
  }, rest);
  return shell(org, caller, section.path, section.page, rest);
}

/** The frame around every signed-in page: header with org switcher and sign-out, navigation, main. */
async function shell(org: MyOrganization | undefined, caller: Caller | undefined, active: string, page: OrgPage, rest: string[] = []) {
  const seq = renderSeq;
  const heading = h('h1', { tabindex: '-1' });
  const statusEl = h('p', { id: 'status', role: 'status', 'aria-live': 'polite', class: 'status' });
  const root = h('div', { class: 'page' });
  const claims = currentClaims();
  const previousStatus = document.getElementById('status');

  const switcher = org ? orgSwitcher(org, active) : null;
  const nav = org
    ? h(
        'nav',
        { 'aria-label': 'Sections', class: 'sections' },
        h('ul', {}, SECTIONS.filter((s) => !s.visible || (caller && s.visible(caller))).map((s) => h('li', {}, link(`/orgs/${encodeURIComponent(org.orgId)}/${s.path}`, s.label, s.path === active)))),
      )
    : null;
  replace(
    app,
    h(
      'header',
      { class: 'top' },
      h('a', { href: '/orgs', class: 'brand', on: { click: navigate } }, 'org-access'),
      switcher,
      h(
        'div',
        { class: 'user' },
        h('span', { class: 'who', title: claims?.email ?? '' }, me?.user.name ?? me?.user.email ?? claims?.email ?? ''),
        h('button', { type: 'button', class: 'secondary', on: { click: () => signOut() } }, 'Sign out'),
      ),
    ),
    nav,
    h('main', { id: 'main', tabindex: '-1' }, heading, statusEl, root),
  );
  // A message set just before navigating (e.g. "you left the org") survives the re-render.
  if (previousStatus?.textContent) {
    statusEl.textContent = previousStatus.textContent;
    if (previousStatus.dataset.kind) statusEl.dataset.kind = previousStatus.dataset.kind;
  }
  mountStatus(statusEl);
  const ctx: PageContext = {
    me: me!,
    org: org ?? { orgId: '', name: '', role: '' },
    caller: caller ?? NO_ORG_CALLER,
    rest,
    root,
    title: (text) => {
      heading.textContent = text;
      document.title = `${text}${org ? ` · ${org.name}` : ''} · org-access`;
    },
    go: (path, options) => {
      if (options?.reloadMe) me = undefined; // memberships changed: read them again
      go(path);
    },
    refresh: (options) => {
      if (options?.reloadMe) me = undefined;
      void route();
    },
  };
  // Keep the current section visible in the sideways-scrolling menu on a phone.
  nav?.querySelector('[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  if (!firstRender) heading.focus();
  firstRender = false;
  try {
    await page(ctx);
  } catch (err) {
    if (seq === renderSeq) status.error(err);
  }
}
let firstRender = true;

function orgSwitcher(org: MyOrganization, active: string) {
  const orgs = me?.organizations ?? [];
  const labels = orgLabels(orgs);
  const picker = select('org', orgs.map((o) => ({ value: o.orgId, label: labels.get(o.orgId) ?? o.name })), org.orgId, { id: 'org-switcher' });
  const form = h(
    'form',
    { class: 'switcher' },
    h('label', { for: 'org-switcher' }, 'Organization'),
    picker,
    h('button', { type: 'submit', class: 'secondary' }, 'Switch'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (picker.value === org.orgId) return;
    localStorage.setItem(ORG_PREF_KEY, picker.value);
    go(`/orgs/${encodeURIComponent(picker.value)}/${active || 'members'}`);
  });
  return form;
}

function navigate(e: Event) {
  const a = e.currentTarget as HTMLAnchorElement;
  const mouse = e as MouseEvent;
  if (mouse.ctrlKey || mouse.metaKey || mouse.shiftKey || mouse.button > 0) return;
  e.preventDefault();
  go(a.getAttribute('href')!);
}

export function link(href: string, text: string, current = false) {
  return h('a', { href, 'aria-current': current ? 'page' : undefined, on: { click: navigate } }, text);
}

/** Pages without the signed-in frame. */
function plain(title: string, ...children: Node[]) {
  document.title = `${title} · org-access`;
  const statusEl = h('p', { id: 'status', role: 'status', 'aria-live': 'polite', class: 'status' });
  replace(app, h('main', { id: 'main', class: 'narrow', tabindex: '-1' }, h('h1', {}, title), statusEl, ...children));
  mountStatus(statusEl);
}

function signInPage(returnTo: string) {
  const cfg = config();
  if (cfg.mode === 'local') {
    plain(
      'Sign in',
      h('p', {}, 'Sign in to manage your organizations, their members and who may do what.'),
      h('p', {}, h('a', { class: 'button', href: localSignInUrl(returnTo) }, 'Sign in')),
      h('p', { class: 'hint' }, 'Local mode: the sign-in page stands in for Google and GitHub; any e-mail address signs in.'),
    );
    return;
  }
  const button = (provider: Provider, label: string) =>
    h('button', { type: 'button', class: `provider ${provider.toLowerCase()}`, on: { click: () => void startCognitoSignIn(provider, returnTo).catch((err) => status.error(err)) } }, label);
  plain(
    'Sign in',
    h('p', {}, 'Sign in to manage your organizations, their members and who may do what.'),
    h('div', { class: 'providers' }, button('Google', 'Continue with Google'), button('GitHub', 'Continue with GitHub')),
    h('p', { class: 'hint' }, 'The same e-mail address through Google or GitHub is one account.'),
  );
}

function signedOutPage() {
  me = undefined;
  plain('Signed out', h('p', {}, 'You are signed out.'), h('p', {}, link('/sign-in', 'Sign in again')));
}

async function callbackPage(params: URLSearchParams) {
  plain('Signing in…');
  status.working('Completing sign-in…');
  try {
    const next = await completeCognitoSignIn(params);
    // A full load: returnTo may be a page the console does not render (the API's /invite/{token}).
    if (next !== 'redirected') location.replace(next);
  } catch (err) {
    plain('Sign-in failed', h('p', {}, link('/sign-in', 'Try again')));
    status.error(err);
  }
}

function fatal(err: unknown) {
  plain('Something went wrong', h('p', {}, 'The console could not start. Reload the page to try again.'));
  status.error(err);
}

setUnauthenticatedHandler(() => {
  me = undefined;
  status.carry(SESSION_ENDED, 'error');
  toSignIn();
});
window.addEventListener('popstate', () => {
  if (location.pathname + location.search === routed) return; // only the hash changed: same page
  void route();
});
// The skip link moves focus to the content without touching the URL (and so without re-rendering).
document.querySelector<HTMLAnchorElement>('a.skip-link')?.addEventListener('click', (e) => {
  const target = document.getElementById('main');
  if (!target) return;
  e.preventDefault();
  target.focus();
});

loadConfig()
  .then(() => route())
  .catch((err) => fatal(err));

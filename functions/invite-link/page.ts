// The invite page: small, self-contained HTML (no framework). The server renders the preview or the
// error; a static inline script (allowed by its hash in the page's CSP) swaps "Sign in to accept" for
// an Accept button when the browser holds a sign-in token, and posts the accept. Everything rendered is
// escaped; the script writes only textContent.

import { createHash } from 'node:crypto';
import { escapeHtml as e, formatExpiry } from '../mail/templates';

/** Where the browser keeps its sign-in token (the console and the local sign-in page use the same key). */
export const TOKEN_STORAGE_KEY = 'org-access.token';

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; color: #1a1a1a; }
h1 { font-size: 1.5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; }
.button { display: inline-block; padding: .6rem 1.2rem; font: inherit; border-radius: 6px; border: 1px solid #1d4ed8; background: #1d4ed8; color: #fff; text-decoration: none; cursor: pointer; }
.button:focus-visible { outline: 3px solid #93c5fd; outline-offset: 2px; }
.button[disabled] { opacity: .6; cursor: default; }
.note { color: #555; font-size: .9rem; }
[role=alert] { color: #b91c1c; }
[hidden] { display: none !important; }
`;

const SCRIPT = `
(function () {
  var actions = document.getElementById('actions');
  if (!actions) return;
  var signIn = document.getElementById('sign-in');
  var accept = document.getElementById('accept');
  var status = document.getElementById('status');
  var done = document.getElementById('done');
  var link = actions.getAttribute('data-token') || '';
  var bearer = null;
  try { bearer = localStorage.getItem('${TOKEN_STORAGE_KEY}'); } catch (err) { bearer = null; }
  if (!bearer) return;
  signIn.hidden = true;
  accept.hidden = false;
  accept.addEventListener('click', function () {
    accept.disabled = true;
    status.removeAttribute('role');
    status.textContent = 'Accepting…';
    fetch('/v1/invitations/' + encodeURIComponent(link) + '/accept', { method: 'POST', headers: { authorization: 'Bearer ' + bearer } })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) { return { res: res, body: body }; });
      })
      .then(function (r) {
        if (r.res.ok) {
          accept.hidden = true;
          status.textContent = 'You joined ' + r.body.orgName + ' as ' + r.body.role + '.';
          done.hidden = false;
          return;
        }
        status.setAttribute('role', 'alert');
        var message = (r.body && r.body.error && r.body.error.message) || 'The invitation could not be accepted.';
        if (r.res.status === 401) {
          status.textContent = 'Your sign-in has expired. Sign in again to accept.';
          accept.hidden = true;
          signIn.hidden = false;
        } else {
          status.textContent = message;
          accept.disabled = r.res.status >= 400 && r.res.status < 500;
          if (r.res.status === 403) signIn.hidden = false;
          if (r.res.status === 409) done.hidden = false;
        }
      })
      .catch(function () {
        status.setAttribute('role', 'alert');
        status.textContent = 'The service could not be reached. Try again.';
        accept.disabled = false;
      });
  });
})();
`;

const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** The page's policy: nothing but its own hashed style and script, and calls to its own origin. */
export const INVITE_PAGE_CSP: Record<string, string | undefined> = {
  'default-src': "'none'",
  'script-src': hash(SCRIPT),
  'style-src': hash(STYLE),
  'connect-src': "'self'",
  'img-src': "'self' data:",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
  'require-trusted-types-for': "'script'",
  'trusted-types': "'none'",
  // middy's defaults that would break the page: a sandbox (no script, no localStorage), forcing https
  // on a local http server, a reporting group that does not exist.
  sandbox: undefined,
  'upgrade-insecure-requests': undefined,
  'navigate-to': undefined,
  'report-to': undefined,
};

export type InvitePageView =
  | {
      kind: 'invitation';
      token: string;
      orgName: string;
      inviterName?: string;
      inviterEmail: string;
      email: string;
      role: string;
      expiresAt: number;
      signInUrl: string;
    }
  | { kind: 'error'; title: string; message: string };

function layout(title: string, main: string, withScript: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${e(title)} · org-access</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<main>
${main}
</main>
${withScript ? `<script>${SCRIPT}</script>` : ''}
</body>
</html>`;
}

export function renderInvitePage(view: InvitePageView): string {
  if (view.kind === 'error') {
    return layout(view.title, `<h1>${e(view.title)}</h1>\n<p role="alert">${e(view.message)}</p>\n<p><a href="/">Go to org-access</a></p>`, false);
  }
  const inviter = view.inviterName && view.inviterEmail ? `${view.inviterName} (${view.inviterEmail})` : view.inviterName || view.inviterEmail || 'Someone';
  const main = `<h1>Join ${e(view.orgName)}</h1>
<p>${e(inviter)} invited <strong>${e(view.email)}</strong> to the organization <strong>${e(view.orgName)}</strong>.</p>
<dl>
<dt>Organization</dt><dd>${e(view.orgName)}</dd>
<dt>Invited by</dt><dd>${e(inviter)}</dd>
<dt>Role</dt><dd>${e(view.role)}</dd>
<dt>Expires</dt><dd><time datetime="${e(new Date(view.expiresAt * 1000).toISOString())}">${e(formatExpiry(view.expiresAt))}</time></dd>
</dl>
<div id="actions" data-token="${e(view.token)}">
<p><a id="sign-in" class="button" href="${e(view.signInUrl)}">Sign in to accept</a></p>
<p><button id="accept" class="button" type="button" hidden>Accept the invitation</button></p>
<p id="status" aria-live="polite"></p>
<p id="done" hidden><a href="/">Continue to org-access</a></p>
</div>
<p class="note">Sign in with the e-mail address the invitation was sent to. The link works once.</p>`;
  return layout(`Join ${view.orgName}`, main, true);
}

// GET /invite/{token}: the page an invitation e-mail links to. It shows the invitation (or why the link
// is dead), sends the person to sign in and back (SIGN_IN_URL, ?returnTo=/invite/<token>), then accepts.
// A dead link gets the same human page with the status the API gives it: 410 (used, expired, revoked,
// replaced) or 404 (no such invitation), so nothing treats it as a live page.
import { DomainError, type ErrorCode } from '../domain/errors';
import { apiHandler, bind, type HtmlPage } from '../http/api';
import { config } from '../lib/config';
import { preview } from '../operations/invitations';
import { invitePage } from '../routes/invitations';
import { INVITE_PAGE_CSP, renderInvitePage, type InvitePageView } from './page';

const DEAD_LINKS: Partial<Record<ErrorCode, { title: string; statusCode: number }>> = {
  not_found: { title: 'Invitation not found', statusCode: 404 },
  invitation_expired: { title: 'This invitation has expired', statusCode: 410 },
  invitation_revoked: { title: 'This invitation was withdrawn', statusCode: 410 },
  invitation_used: { title: 'This invitation was already used', statusCode: 410 },
};

/** The sign-in page, told to come back here. SIGN_IN_URL may be absolute or relative to PUBLIC_URL. */
function signInUrl(token: string): string {
  const url = new URL(process.env.SIGN_IN_URL ?? '/sign-in', `${config.publicUrl}/`);
  url.searchParams.set('returnTo', `/invite/${token}`);
  return url.toString();
}

async function page(token: string): Promise<HtmlPage> {
  try {
    const p = await preview(token);
    const view: InvitePageView = {
      kind: 'invitation',
      token,
      orgName: p.orgName,
      ...(p.invitedBy.name ? { inviterName: p.invitedBy.name } : {}),
      inviterEmail: p.invitedBy.email,
      email: p.email,
      role: p.role,
      expiresAt: Date.parse(p.expiresAt) / 1000,
      signInUrl: signInUrl(token),
    };
    return { html: renderInvitePage(view) };
  } catch (err) {
    const dead = err instanceof DomainError ? DEAD_LINKS[err.code] : undefined;
    if (!dead || !(err instanceof DomainError)) throw err;
    const message = err.code === 'not_found' ? 'This link does not lead to an invitation. Check that you copied all of it.' : err.message;
    return { statusCode: dead.statusCode, html: renderInvitePage({ kind: 'error', title: dead.title, message }) };
  }
}

export const handler = apiHandler([bind(invitePage, async ({ params }) => page(params.token))], {
  contentSecurityPolicy: INVITE_PAGE_CSP,
});

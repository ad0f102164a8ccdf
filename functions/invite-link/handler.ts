// GET /invite/{token}: the page an invitation e-mail links to. It shows the invitation (or why the link
// is dead), sends the person to sign in and back (SIGN_IN_URL, ?returnTo=/invite/<token>), then accepts.
import { DomainError } from '../domain/errors';
import { apiHandler, bind } from '../http/api';
import { config } from '../lib/config';
import { preview } from '../operations/invitations';
import { invitePage } from '../routes/invitations';
import { INVITE_PAGE_CSP, renderInvitePage, type InvitePageView } from './page';

const TITLES: Partial<Record<DomainError['code'], string>> = {
  not_found: 'Invitation not found',
  invitation_expired: 'This invitation has expired',
  invitation_revoked: 'This invitation was withdrawn',
  invitation_used: 'This invitation was already used',
};

/** The sign-in page, told to come back here. SIGN_IN_URL may be absolute or relative to PUBLIC_URL. */
function signInUrl(token: string): string {
  const url = new URL(process.env.SIGN_IN_URL ?? '/sign-in', `${config.publicUrl}/`);
  url.searchParams.set('returnTo', `/invite/${token}`);
  return url.toString();
}

async function view(token: string): Promise<InvitePageView> {
  try {
    const p = await preview(token);
    return {
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
  } catch (err) {
    const title = err instanceof DomainError ? TITLES[err.code] : undefined;
    if (!title || !(err instanceof DomainError)) throw err;
    const message = err.code === 'not_found' ? 'This link does not lead to an invitation. Check that you copied all of it.' : err.message;
    return { kind: 'error', title, message };
  }
}

export const handler = apiHandler([bind(invitePage, async ({ params }) => renderInvitePage(await view(params.token)))], {
  contentSecurityPolicy: INVITE_PAGE_CSP,
});

// The invitation e-mail: a plain-text and an HTML part with the organization, who invited, the link and
// when it expires. Everything interpolated into the HTML part is escaped; the inviter's name (from
// sign-in claims) is made one short line in both parts, so it cannot add lines of its own to the text.

import { displayLine, inviterDisplayName } from '../domain/invitations';

export interface InvitationMailInput {
  orgName: string;
  inviterName?: string;
  inviterEmail: string;
  /** The org role the invitee will get (or undefined: the organization's default role). */
  role?: string;
  link: string;
  /** Epoch seconds. */
  expiresAt: number;
}

export interface Mail {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** "2026-11-05 14:00 UTC": unambiguous wherever the reader is. */
export function formatExpiry(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Subjects are one line: no control characters from names reach the header. */
const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

export function invitationMail(input: InvitationMailInput): Mail {
  const name = inviterDisplayName(input.inviterName);
  const email = oneLine(input.inviterEmail);
  const inviter = name && email ? `${name} (${email})` : name || email || 'Someone';
  // Organization names are validated on input; those stored before are made one line here too.
  const orgName = displayLine(input.orgName) ?? 'an organization';
  const expires = formatExpiry(input.expiresAt);
  const role = input.role ? ` as ${input.role}` : '';
  const subject = oneLine(`You are invited to join ${orgName}`).slice(0, 200);
  const text = [
    `${inviter} invited you to join the organization "${orgName}"${role}.`,
    '',
    'Accept the invitation here:',
    input.link,
    '',
    `The link works once and expires at ${expires} (24 hours after it was sent).`,
    'If you did not expect this invitation, ignore this e-mail.',
  ].join('\n');
  const e = escapeHtml;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(subject)}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a;">
<p>${e(inviter)} invited you to join the organization <strong>${e(orgName)}</strong>${e(role)}.</p>
<p><a href="${e(input.link)}" style="display: inline-block; padding: .6em 1.2em; background: #1d4ed8; color: #fff; text-decoration: none; border-radius: 6px;">Accept the invitation</a></p>
<p>Or open this link: <a href="${e(input.link)}">${e(input.link)}</a></p>
<p style="color: #555;">The link works once and expires at ${e(expires)} (24 hours after it was sent). If you did not expect this invitation, ignore this e-mail.</p>
</body></html>`;
  return { subject, text, html };
}

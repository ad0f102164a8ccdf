// Invitation rules without I/O: tokens, expiry, buckets, the mail and the page's escaping.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/domain/errors';
import {
  assertAcceptable,
  expirySortKey,
  formatToken,
  hashSecret,
  hourBucket,
  INVITATION_LIFETIME_SECONDS,
  inviterDisplayName,
  newSecret,
  nextHourBucket,
  parseToken,
  secretMatches,
  statusAt,
} from '../../functions/domain/invitations';
import { INVITE_PAGE_CSP, renderInvitePage } from '../../functions/invite-link/page';
import { invitationMail } from '../../functions/mail/templates';

const T0 = 1_800_000_000;

describe('tokens', () => {
  it('carry at least 128 bits, URL-safe, and parse back exactly', () => {
    const secret = newSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(newSecret()).not.toBe(secret);
    const token = formatToken({ orgId: '01ORG', invitationId: '01INV', secret });
    expect(encodeURIComponent(token)).toBe(token);
    expect(parseToken(token)).toEqual({ orgId: '01ORG', invitationId: '01INV', secret });
  });

  it('reject anything not shaped exactly like one', () => {
    const secret = newSecret();
    for (const bad of ['', 'a.b.c', `a.b.${secret}.d`, `a.${secret}`, `a#x.b.${secret}`, `.b.${secret}`, `a..${secret}`, `a.b.${secret}=`, `a.b.${secret.slice(1)}`, `${'a'.repeat(65)}.b.${secret}`]) {
      expect(parseToken(bad), bad).toBeUndefined();
    }
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => {
      const parsed = parseToken(s);
      if (parsed) expect(formatToken(parsed)).toBe(s);
    }));
  });

  it('are verified against the stored SHA-256 only', () => {
    const secret = newSecret();
    const stored = hashSecret(secret);
    expect(stored).toBe(createHash('sha256').update(secret).digest('base64url'));
    expect(stored).not.toContain(secret);
    expect(secretMatches(secret, stored)).toBe(true);
    expect(secretMatches(newSecret(), stored)).toBe(false);
    expect(secretMatches(secret, '')).toBe(false);
  });
});

describe('expiry', () => {
  const inv = { status: 'pending' as const, expiresAt: T0 + INVITATION_LIFETIME_SECONDS };

  it('is decided from expiresAt at the moment of reading', () => {
    expect(statusAt(inv, T0 + INVITATION_LIFETIME_SECONDS - 1)).toBe('pending');
    expect(statusAt(inv, T0 + INVITATION_LIFETIME_SECONDS)).toBe('expired');
    expect(statusAt({ ...inv, status: 'accepted' }, T0 + 10 * INVITATION_LIFETIME_SECONDS)).toBe('accepted');
    expect(() => assertAcceptable(inv, T0 + INVITATION_LIFETIME_SECONDS - 1)).not.toThrow();
  });

  it('makes each dead link answer its own 410 code', () => {
    const code = (f: () => void) => {
      try {
        f();
      } catch (err) {
        return (err as DomainError).code;
      }
      return undefined;
    };
    expect(code(() => assertAcceptable(inv, T0 + INVITATION_LIFETIME_SECONDS + 1))).toBe('invitation_expired');
    expect(code(() => assertAcceptable({ ...inv, status: 'revoked' }, T0))).toBe('invitation_revoked');
    expect(code(() => assertAcceptable({ ...inv, status: 'accepted' }, T0))).toBe('invitation_used');
    expect(code(() => assertAcceptable({ ...inv, status: 'expired' }, T0))).toBe('invitation_expired');
  });

  it('buckets by UTC hour, in an order that sorts as text', () => {
    expect(hourBucket(Date.UTC(2026, 10, 5, 23, 59, 59) / 1000)).toBe('2026-11-05T23');
    expect(nextHourBucket('2026-11-05T23')).toBe('2026-11-06T00');
    expect(nextHourBucket('2026-12-31T23')).toBe('2027-01-01T00');
    fc.assert(fc.property(fc.integer({ min: 0, max: 4e9 }), fc.integer({ min: 0, max: 4e9 }), (a, b) => {
      if (a < b) {
        expect(hourBucket(a) <= hourBucket(b)).toBe(true);
        expect(expirySortKey(a, 'o', 'i') < expirySortKey(b, 'o', 'i')).toBe(true);
      }
    }));
  });
});

describe('the mail', () => {
  it('has both parts with the org, the inviter, the link and the expiry, and escapes the HTML', () => {
    const mail = invitationMail({ orgName: 'Acme <script>', inviterName: 'Ann "A"', inviterEmail: 'ann@example.com', link: 'https://x.test/invite/a.b.c', expiresAt: T0, role: 'Member' });
    expect(mail.subject).toBe('You are invited to join Acme <script>');
    expect(mail.text).toContain('https://x.test/invite/a.b.c');
    expect(mail.text).toContain('Ann "A" (ann@example.com)');
    expect(mail.text).toContain('2027-01-15 08:00 UTC');
    expect(mail.html).toContain('Acme &#60;script&#62;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('href="https://x.test/invite/a.b.c"');
  });

  it('prints the inviter name as one short line, so it cannot write lines above the real link', () => {
    const name = 'Ann\n\nSECURITY NOTICE: your account is locked, sign in at https://evil.example/login\r\n\u2028\u0085\u202e\t';
    const mail = invitationMail({ orgName: 'Acme', inviterName: name, inviterEmail: 'ann@example.com', link: 'https://x.test/invite/a.b.c', expiresAt: T0 });
    const lines = mail.text.split('\n');
    expect(lines[0]).toBe('Ann SECURITY NOTICE: your account is locked, sign in at https://evil.example/login (ann@example.com) invited you to join the organization "Acme".');
    expect(lines.slice(1, 4)).toEqual(['', 'Accept the invitation here:', 'https://x.test/invite/a.b.c']);
    expect(lines).toHaveLength(7);
    // The HTML part gets the same one line, escaped.
    expect(mail.html).toContain('<p>Ann SECURITY NOTICE: your account is locked, sign in at https://evil.example/login (ann@example.com) invited you');
  });

  it('keeps the subject on one line', () => {
    const mail = invitationMail({ orgName: 'Evil\r\nBcc: x@y.z', inviterEmail: 'a@b.c', link: 'l', expiresAt: T0 });
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });
});

describe('inviter display names', () => {
  it('are one line without control characters, at most 100 characters, and absent when nothing is left', () => {
    expect(inviterDisplayName('  Ann \t Admin\r\n')).toBe('Ann Admin');
    expect(inviterDisplayName('a\u0000b\u001bc\u007fd\u0085e\u2029f\u202eg')).toBe('a b c d e f g');
    expect(inviterDisplayName('Zoë 👩‍💻 Müller')).toBe('Zoë 👩‍💻 Müller');
    expect(inviterDisplayName('x'.repeat(300))).toBe('x'.repeat(100));
    // Counted in characters, not UTF-16 units: a cut never splits one.
    expect(Array.from(inviterDisplayName('😀'.repeat(150))!)).toHaveLength(100);
    expect(inviterDisplayName('\n\r\t ')).toBeUndefined();
    expect(inviterDisplayName(undefined)).toBeUndefined();
    fc.assert(fc.property(fc.string({ maxLength: 400, unit: 'binary' }), (s) => {
      const out = inviterDisplayName(s);
      if (out === undefined) return;
      expect(out).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
      expect(Array.from(out).length).toBeLessThanOrEqual(100);
      expect(out).toBe(out.trim());
    }), { numRuns: 300 });
  });
});

describe('the invite page', () => {
  it('escapes what it renders and its CSP allows exactly its own script and style', () => {
    const html = renderInvitePage({
      kind: 'invitation',
      token: 'o.i.s',
      orgName: '<img src=x onerror=alert(1)>',
      inviterEmail: 'a@b.c',
      email: 'x@y.z',
      role: 'Member',
      expiresAt: T0,
      signInUrl: 'https://sign.in/?returnTo=%2Finvite%2Fo.i.s&x="y"',
    });
    expect(html).not.toContain('<img');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(html).toContain('&#34;y&#34;');
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    expect(INVITE_PAGE_CSP['script-src']).toBe(hash(script));
    expect(INVITE_PAGE_CSP['style-src']).toBe(hash(style));
    expect(script).not.toMatch(/innerHTML|eval|document\.write/);
  });

  it('renders errors without the script', () => {
    const html = renderInvitePage({ kind: 'error', title: 'This invitation has expired', message: 'Ask <again>.' });
    expect(html).toContain('Ask &#60;again&#62;.');
    expect(html).not.toContain('<script>');
  });
});

describe('what proves SES never took a mail', () => {
  it('a refusal (4xx) or a connection that never reached it; not a timeout or a server error', async () => {
    const { mailCertainlyNotSent } = await import('../../functions/mail/ses');
    expect(mailCertainlyNotSent({ name: 'MessageRejected', $metadata: { httpStatusCode: 400 } })).toBe(true);
    expect(mailCertainlyNotSent({ name: 'Throttling', $metadata: { httpStatusCode: 400 } })).toBe(true);
    expect(mailCertainlyNotSent(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(mailCertainlyNotSent({ name: 'TimeoutError' })).toBe(false);
    expect(mailCertainlyNotSent({ name: 'InternalFailure', $metadata: { httpStatusCode: 500 } })).toBe(false);
    expect(mailCertainlyNotSent(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(false);
  });
});

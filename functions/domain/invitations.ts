// Invitation rules, pure: the one-time token (selector/verifier), expiry decided from the stored
// expiresAt at every read, what a dead link answers, the expiry buckets of the cleanup index.
// No AWS imports; node:crypto only for the CSPRNG, SHA-256 and the constant-time comparison.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError } from './errors';
import { ID_PATTERN } from './ids';
import type { Permission } from './permissions';

/** A link dies 24 hours after it was (re)issued. */
export const INVITATION_LIFETIME_SECONDS = 24 * 3600;
/** How long closed and expired invitations stay listable (and expired ones resendable) before TTL removes them. */
export const INVITATION_GRACE_SECONDS = 7 * 24 * 3600;
/** Invitations (and resends) an organization may send per hour, unless INVITATION_HOURLY_LIMIT says otherwise. */
export const DEFAULT_INVITATIONS_PER_HOUR = 100;
/** At most this many app roles per invitation: accepting writes them in one transaction (2 items each). */
export const MAX_APP_ROLES = 25;

export const INVITATION_STATUSES = ['pending', 'accepted', 'expired', 'revoked'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export interface AppRoleGrant {
  appId: string;
  role: string;
}

export interface Inviter {
  userId: string;
  email: string;
  name?: string;
}

export interface Invitation {
  orgId: string;
  invitationId: string;
  /** Normalized (trimmed, lower-case). */
  email: string;
  /** The org role to give; absent: the organization's default org role, applied at accept. */
  role?: string;
  /** Permissions of a custom org role, copied when invited (custom role permissions are immutable). */
  rolePermissions?: Permission[];
  /**
   * The custom org role's identity when copied: its `createdAt`. A role deleted and re-created under the
   * same id has another one, so the accept (conditioned on it) cannot give the old copy of a new role.
   */
  roleCreatedAt?: string;
  appRoles: AppRoleGrant[];
  /** As stored. `pending` past expiresAt reads as `expired` (see statusAt). */
  status: InvitationStatus;
  /** Epoch seconds. The link is valid while now < expiresAt. */
  expiresAt: number;
  invitedBy: Inviter;
  createdAt: string;
  updatedAt: string;
  acceptedAt?: string;
  acceptedBy?: string;
  revokedAt?: string;
  revokedBy?: string;
}

/** The invitation with the SHA-256 of its link's secret: never leaves the operations layer. */
export interface StoredInvitation extends Invitation {
  secretHash: string;
}

/** The status at `now`: expiry is decided from expiresAt, never from TTL or the cleanup job. */
export function statusAt(invitation: Pick<Invitation, 'status' | 'expiresAt'>, now: number): InvitationStatus {
  if (invitation.status === 'pending' && now >= invitation.expiresAt) return 'expired';
  return invitation.status;
}

export const expiresAtFrom = (now: number) => now + INVITATION_LIFETIME_SECONDS;
/**
 * How far back the cleanup job's first run (no cursor yet) looks: an invitation still pending in the
 * index can have expired a lifetime before its TTL (the grace period) ran out, plus a day of TTL lag.
 */
export const CLEANUP_FIRST_RUN_LOOKBACK_SECONDS = INVITATION_LIFETIME_SECONDS + INVITATION_GRACE_SECONDS + 24 * 3600;
/** TTL of a pending invitation and its guard: the grace period after expiry. */
export const pendingTtl = (expiresAt: number) => expiresAt + INVITATION_GRACE_SECONDS;
/** TTL of an accepted or revoked invitation: listable for the grace period, then gone. */
export const closedTtl = (now: number) => now + INVITATION_GRACE_SECONDS;

/** Longest inviter name shown in a mail or on the invite page. */
export const MAX_INVITER_NAME_LENGTH = 100;

/**
 * A display name from the sign-in's claims, made safe to print in a plain-text mail: one line (control
 * characters, line and paragraph separators and bidi overrides become spaces, runs of spaces one), at most
 * 100 characters. A name could otherwise write lines of its own above the real link. Empty: undefined.
 */
export function inviterDisplayName(raw: string | undefined): string | undefined {
  return displayLine(raw, MAX_INVITER_NAME_LENGTH);
}

/** A name as one plain line: no control, line-separator or bidi-override characters, at most `max` characters. */
export function displayLine(raw: string | undefined, max = 100): string | undefined {
  if (!raw) return undefined;
  const line = raw
    .replace(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const capped = Array.from(line).slice(0, max).join('').trim();
  return capped || undefined;
}

/** What a link that can no longer be accepted answers (410). */
export function deadLinkError(status: Exclude<InvitationStatus, 'pending'> | 'replaced'): DomainError {
  switch (status) {
    case 'expired':
      return new DomainError('invitation_expired', 'This invitation has expired. Ask the person who invited you to send it again.', { status });
    case 'replaced':
      return new DomainError(
        'invitation_expired',
        'This invitation link is no longer valid: a newer invitation e-mail replaced it. Use the link in the newest e-mail.',
        { status: 'replaced' },
      );
    case 'revoked':
      return new DomainError('invitation_revoked', 'This invitation was withdrawn by the organization.', { status });
    case 'accepted':
      return new DomainError('invitation_used', 'This invitation has already been used.', { status });
  }
}

/** Only a live (pending, unexpired) invitation may be accepted; otherwise the precise 410. */
export function assertAcceptable(invitation: Pick<Invitation, 'status' | 'expiresAt'>, now: number): void {
  const status = statusAt(invitation, now);
  if (status !== 'pending') throw deadLinkError(status);
}

// --- The token: `<orgId>.<invitationId>.<secret>` -------------------------------------------------
// The ids select the invitation (one GetItem); the secret verifies it. Only SHA-256(secret) is stored.

export interface InvitationToken {
  orgId: string;
  invitationId: string;
  secret: string;
}

/** 32 random bytes, base64url: 43 characters. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const MAX_TOKEN_LENGTH = 2 * 64 + 43 + 2;

/** A new secret: 256 bits from the CSPRNG, URL-safe. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export const formatToken = (t: InvitationToken) => `${t.orgId}.${t.invitationId}.${t.secret}`;

/** The parts of a token, or undefined for anything not shaped exactly like one. */
export function parseToken(raw: string): InvitationToken | undefined {
  if (typeof raw !== 'string' || raw.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = raw.split('.');
  if (parts.length !== 3) return undefined;
  const [orgId = '', invitationId = '', secret = ''] = parts;
  if (!ID_PATTERN.test(orgId) || !ID_PATTERN.test(invitationId) || !SECRET_PATTERN.test(secret)) return undefined;
  return { orgId, invitationId, secret };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Does the secret hash to the stored hash? Constant time in the secret. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'utf8');
  const stored = Buffer.from(storedHash, 'utf8');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

// --- Expiry buckets of the byExpiry index ---------------------------------------------------------

/** The UTC hour of an epoch second, `yyyy-mm-ddThh`: a bucket of the byExpiry index. Sorts as text. */
export function hourBucket(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 13);
}

/** The bucket after `bucket`. */
export function nextHourBucket(bucket: string): string {
  return hourBucket(Date.parse(`${bucket}:00:00Z`) / 1000 + 3600);
}

/** The sort key inside a bucket: zero-padded expiresAt first, so `< now` is a key condition. */
export function expirySortKey(expiresAt: number, orgId: string, invitationId: string): string {
  return `${padSeconds(expiresAt)}#${orgId}#${invitationId}`;
}

export const padSeconds = (s: number) => String(Math.max(0, Math.floor(s))).padStart(12, '0');

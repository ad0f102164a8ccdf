// Use cases of invitations: invite (or resend to an address already invited), resend, revoke, list,
// preview and accept a link, the invited rows of the members list, and the scheduled cleanup.
// Primary adapters: functions/http/invitations.ts, functions/http/members.ts, functions/invite-link/,
// functions/jobs/cleanup.ts. Secondary adapters: functions/store/invitations.ts, functions/mail/.

import { DomainError, conflict, forbidden, notFound, validationFailed } from '../domain/errors';
import {
  DEFAULT_INVITATIONS_PER_HOUR,
  assertAcceptable,
  deadLinkError,
  expiresAtFrom,
  formatToken,
  hashSecret,
  hourBucket,
  INVITATION_LIFETIME_SECONDS,
  newSecret,
  nextHourBucket,
  parseToken,
  secretMatches,
  statusAt,
  type AppRoleGrant,
  type InvitationStatus,
  type Inviter,
  type StoredInvitation,
} from '../domain/invitations';
import type { Identity, Membership, Organization } from '../domain/model';
import { assertMayGrantOrgRole } from '../domain/org-roles';
import type { Permission } from '../domain/permissions';
import { logger } from '../http/logger';
import { config } from '../lib/config';
import { clock } from '../lib/clock';
import { sendMail } from '../mail/ses';
import { invitationMail } from '../mail/templates';
import * as store from '../store/invitations';
import { deleteItems, getMembership, getOrganization, getUserIdByEmail } from '../store/orgs';
import { getSubjectCollection } from '../store/subjects';
import { StaleRead, withFreshReads } from '../store/transact';
import type { Access } from './access';
import { newId } from './ids';
import { ensureUser } from './orgs';
import { resolveRole } from './roles';

/** What the API shows of an invitation: never the secret's hash. */
export interface InvitationView {
  invitationId: string;
  orgId: string;
  email: string;
  /** null: the organization's default org role, applied when accepted. */
  role: string | null;
  appRoles: AppRoleGrant[];
  status: InvitationStatus;
  expiresAt: string;
  invitedBy: Inviter;
  createdAt: string;
  acceptedAt?: string;
  acceptedBy?: string;
  revokedAt?: string;
  revokedBy?: string;
}

export function toView(inv: StoredInvitation, now: number): InvitationView {
  return {
    invitationId: inv.invitationId,
    orgId: inv.orgId,
    email: inv.email,
    role: inv.role ?? null,
    appRoles: inv.appRoles,
    status: statusAt(inv, now),
    expiresAt: isoOf(inv.expiresAt),
    invitedBy: inv.invitedBy,
    createdAt: inv.createdAt,
    ...(inv.acceptedAt ? { acceptedAt: inv.acceptedAt, acceptedBy: inv.acceptedBy } : {}),
    ...(inv.revokedAt ? { revokedAt: inv.revokedAt, revokedBy: inv.revokedBy } : {}),
  };
}

const isoOf = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

function hourlyLimit(): number {
  const raw = process.env.INVITATION_HOURLY_LIMIT;
  const n = raw ? Number(raw) : DEFAULT_INVITATIONS_PER_HOUR;
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_INVITATIONS_PER_HOUR;
}

const inviterOf = (identity: Identity): Inviter => ({
  userId: identity.userId,
  email: identity.email,
  ...(identity.name ? { name: identity.name } : {}),
});

/** The org role an invitation gives, checked against what the inviter may grant. */
async function checkedOrgRole(access: Access, role: string | undefined): Promise<{ role?: string; rolePermissions?: Permission[] }> {
  const roleId = role ?? access.org.defaultRoles.orgRole;
  const def = await resolveRole(access.org.orgId, 'org', roleId);
  if (!def) {
    if (role) throw validationFailed(`Unknown organization role ${role}.`);
    return {};
  }
  // A role left to the default is checked too: the invitation must not give more than the inviter holds.
  assertMayGrantOrgRole(access.grants, def.id, def.permissions);
  if (!role) return {};
  return { role: def.id, ...(def.builtIn ? {} : { rolePermissions: [...def.permissions] }) };
}

async function checkedAppRoles(access: Access, appRoles: AppRoleGrant[]): Promise<AppRoleGrant[]> {
  if (appRoles.length === 0) return [];
  access.require('apps.grantRoles');
  const ids = appRoles.map((a) => a.appId);
  if (new Set(ids).size !== ids.length) throw validationFailed('appRoles: give each app once.');
  const existing = await store.existingApps(access.org.orgId, ids);
  const missing = ids.filter((id) => !existing.has(id));
  if (missing.length > 0) throw notFound(`The app ${missing.join(', ')}`);
  return appRoles.map((a) => ({ appId: a.appId, role: a.role }));
}

/** Mail the link of a (re)issued invitation. */
async function mailInvitation(org: Organization, inv: StoredInvitation, secret: string): Promise<void> {
  const link = `${config.publicUrl}/invite/${formatToken({ orgId: inv.orgId, invitationId: inv.invitationId, secret })}`;
  await sendMail(
    inv.email,
    invitationMail({
      orgName: org.name,
      ...(inv.invitedBy.name ? { inviterName: inv.invitedBy.name } : {}),
      inviterEmail: inv.invitedBy.email,
      ...(inv.role ? { role: inv.role } : {}),
      link,
      expiresAt: inv.expiresAt,
    }),
  );
}

/** A new secret and 24 hours for an invitation (and, for an invite to the same address, its new roles). */
function reissued(current: StoredInvitation, secret: string, now: number, changes: Partial<StoredInvitation> = {}): StoredInvitation {
  const next: StoredInvitation = {
    ...current,
    ...changes,
    status: 'pending',
    secretHash: hashSecret(secret),
    expiresAt: expiresAtFrom(now),
    updatedAt: isoOf(now),
  };
  if (!changes.role) delete next.role;
  if (!changes.rolePermissions) delete next.rolePermissions;
  return next;
}

/**
 * Re-issue, then mail; if the mail fails, put the previous invitation back (if unchanged) and answer 502.
 * Accepted and revoked invitations are not re-issued.
 */
async function reissueAndMail(
  org: Organization,
  current: StoredInvitation,
  now: number,
  changes?: Partial<StoredInvitation>,
): Promise<StoredInvitation> {
  const status = statusAt(current, now);
  if (status === 'accepted') throw conflict('This invitation was accepted already: there is nothing to resend.');
  if (status === 'revoked') throw conflict('This invitation was revoked: invite the address again instead.');
  const secret = newSecret();
  const next = reissued(current, secret, now, changes ?? { role: current.role, rolePermissions: current.rolePermissions, invitedBy: current.invitedBy });
  await store.reissueInvitation(current, next, now, hourlyLimit());
  try {
    await mailInvitation(org, next, secret);
  } catch (err) {
    await store.restoreInvitation(current, next, now).catch((undo: Error) =>
      logger.warn('could not restore an invitation after a failed resend', { orgId: next.orgId, invitationId: next.invitationId, error: undo.name }),
    );
    throw err;
  }
  return next;
}

/**
 * Input: the inviter's access, {email, role?, appRoles?}.
 * Output: the invitation, and whether it was a resend of the address's pending one.
 * Primary course: check the roles the inviter may give and that the address is no member, then create
 * the invitation, its (org, e-mail) guard and the hourly count in one transaction, then mail the link.
 * Alternate: the guard exists (the address has a pending or expired invitation) → re-issue that one with
 * the new roles. The mail fails → undo the write, 502 mail_failed.
 */
export async function invite(
  access: Access,
  input: { email: string; role?: string | undefined; appRoles?: AppRoleGrant[] | undefined },
): Promise<InvitationView & { resent: boolean }> {
  const org = access.org;
  const orgId = org.orgId;
  const email = input.email;
  const roles = await checkedOrgRole(access, input.role);
  const appRoles = await checkedAppRoles(access, input.appRoles ?? []);
  const existingUser = await getUserIdByEmail(email);
  if (existingUser && (await getMembership(orgId, existingUser))) {
    throw new DomainError('already_member', `${email} is already a member of this organization.`);
  }
  const inviter = inviterOf(access.identity);

  return withFreshReads(async () => {
    const now = clock.nowSeconds();
    const secret = newSecret();
    const invitation: StoredInvitation = {
      orgId,
      invitationId: newId(),
      email,
      ...roles,
      appRoles,
      status: 'pending',
      expiresAt: expiresAtFrom(now),
      invitedBy: inviter,
      createdAt: isoOf(now),
      updatedAt: isoOf(now),
      secretHash: hashSecret(secret),
    };
    try {
      await store.createInvitation(invitation, now, hourlyLimit());
    } catch (err) {
      if (!(err instanceof store.PendingInvitationExists)) throw err;
      // One pending invitation per address: this invite re-issues it, with the roles asked for now.
      const pendingId = await store.getPendingInvitationId(orgId, email);
      const current = pendingId ? await store.getInvitation(orgId, pendingId) : undefined;
      if (!current || (current.status !== 'pending' && current.status !== 'expired')) throw new StaleRead();
      const next = await reissueAndMail(org, current, now, { ...roles, appRoles, invitedBy: inviter });
      logger.info('invitation resent', { orgId, invitationId: next.invitationId });
      return { ...toView(next, now), resent: true };
    }
    try {
      await mailInvitation(org, invitation, secret);
    } catch (err) {
      await store.deleteUnsentInvitation(invitation, now).catch((undo: Error) =>
        logger.warn('could not remove an invitation after a failed mail', { orgId, invitationId: invitation.invitationId, error: undo.name }),
      );
      throw err;
    }
    logger.info('invitation sent', { orgId, invitationId: invitation.invitationId });
    return { ...toView(invitation, now), resent: false };
  });
}

async function invitationOf(access: Access, invitationId: string): Promise<StoredInvitation> {
  const inv = await store.getInvitation(access.org.orgId, invitationId);
  if (!inv) throw notFound('The invitation');
  return inv;
}

/**
 * Resend: a new link and a new 24 hours for a pending or expired invitation; the old link is dead from
 * then on. The resender must be allowed to give the invitation's role.
 */
export async function resend(access: Access, invitationId: string): Promise<InvitationView> {
  return withFreshReads(async () => {
    const now = clock.nowSeconds();
    const current = await invitationOf(access, invitationId);
    await checkedOrgRole(access, current.role);
    const next = await reissueAndMail(access.org, current, now);
    logger.info('invitation resent', { orgId: next.orgId, invitationId });
    return toView(next, now);
  });
}

/** Revoke: the link is dead, the address leaves the members list. Revoking a revoked one is a no-op. */
export async function revoke(access: Access, invitationId: string): Promise<void> {
  await withFreshReads(async () => {
    const now = clock.nowSeconds();
    const current = await invitationOf(access, invitationId);
    if (current.status === 'revoked') return;
    if (current.status === 'accepted') throw conflict('This invitation was accepted already: remove the member instead.');
    await store.revokeInvitation(current, access.identity.userId, now, isoOf(now));
    logger.info('invitation revoked', { orgId: current.orgId, invitationId });
  });
}

/** An org's invitations, optionally of one status (expired decided at this moment), newest first. */
export async function list(access: Access, status: InvitationStatus | undefined, cursor?: string) {
  const now = clock.nowSeconds();
  const page = await store.listInvitations(access.org.orgId, status, now, cursor);
  return { invitations: page.items.map((i) => toView(i, now)), ...(page.next ? { next: page.next } : {}) };
}

/** The members list's invited rows: live pending invitations, with the role they will give. */
export async function invitedMembers(access: Access) {
  const now = clock.nowSeconds();
  const pending = await store.listPendingInvitations(access.org.orgId, now);
  return pending.map((p) => ({
    email: p.email,
    role: p.role ?? access.org.defaultRoles.orgRole,
    status: 'invited' as const,
    invitationId: p.invitationId,
    invitedBy: p.invitedBy,
    invitedAt: p.createdAt,
    expiresAt: isoOf(p.expiresAt),
  }));
}

/** The invitation a link names, verified: 404 for anything that is not one, 410 (replaced) for an old secret. */
async function invitationOfLink(rawToken: string): Promise<{ token: NonNullable<ReturnType<typeof parseToken>>; invitation: StoredInvitation }> {
  const token = parseToken(rawToken);
  if (!token) throw notFound('The invitation');
  const invitation = await store.getInvitation(token.orgId, token.invitationId);
  if (!invitation) throw notFound('The invitation');
  if (!secretMatches(token.secret, invitation.secretHash)) throw deadLinkError('replaced');
  return { token, invitation };
}

export interface InvitationPreview {
  orgId: string;
  orgName: string;
  email: string;
  role: string;
  appRoles: AppRoleGrant[];
  invitedBy: { name?: string; email: string };
  expiresAt: string;
  status: 'pending';
}

/**
 * Preview of a live link, for anyone holding it: the organization, who invited, the role, the expiry.
 * A dead link answers its 410 (expired, revoked, used, replaced).
 */
export async function preview(rawToken: string): Promise<InvitationPreview> {
  const { invitation } = await invitationOfLink(rawToken);
  assertAcceptable(invitation, clock.nowSeconds());
  const org = await getOrganization(invitation.orgId);
  if (!org) throw notFound('The invitation');
  return {
    orgId: org.orgId,
    orgName: org.name,
    email: invitation.email,
    role: invitation.role ?? org.defaultRoles.orgRole,
    appRoles: invitation.appRoles,
    invitedBy: { ...(invitation.invitedBy.name ? { name: invitation.invitedBy.name } : {}), email: invitation.invitedBy.email },
    expiresAt: isoOf(invitation.expiresAt),
    status: 'pending',
  };
}

/** The org role and its permissions an accepted invitation gives. */
async function roleAtAccept(org: Organization, inv: StoredInvitation): Promise<{ role: string; permissions?: Permission[] }> {
  if (inv.role) return { role: inv.role, ...(inv.rolePermissions ? { permissions: inv.rolePermissions } : {}) };
  const def = await resolveRole(org.orgId, 'org', org.defaultRoles.orgRole);
  if (!def) return { role: 'Member' };
  return { role: def.id, ...(def.builtIn ? {} : { permissions: [...def.permissions] }) };
}

/** Why an accept's transaction found the invitation changed: read it again and answer precisely. */
async function whyNotAcceptable(token: { orgId: string; invitationId: string; secret: string }, now: number): Promise<Error> {
  const current = await store.getInvitation(token.orgId, token.invitationId);
  if (!current) return notFound('The invitation');
  if (!secretMatches(token.secret, current.secretHash)) return deadLinkError('replaced');
  const status = statusAt(current, now);
  return status === 'pending' ? new StaleRead() : deadLinkError(status);
}

/**
 * Input: the signed-in identity and the link's token.
 * Output: the organization joined, with the role and app roles given.
 * Primary course: make sure the user exists, verify the link and that it was sent to the caller's
 * verified address (unless the org lets any account accept), then in one transaction consume the
 * invitation and create the membership with its app grants. Of concurrent accepts exactly one wins;
 * the others get 410 invitation_used (or 409 already_member).
 */
export async function accept(identity: Identity, rawToken: string) {
  await ensureUser(identity);
  return withFreshReads(async () => {
    const now = clock.nowSeconds();
    const { token, invitation } = await invitationOfLink(rawToken);
    assertAcceptable(invitation, now);
    const org = await getOrganization(invitation.orgId);
    if (!org) throw notFound('The invitation');
    if (invitation.email !== identity.email && !org.settings.invitationsAllowAnyAccount) {
      throw forbidden('This invitation was sent to another e-mail address. Sign in with the address it was sent to.');
    }
    const collection = await getSubjectCollection(org.orgId, identity.userId);
    if (collection.membership) throw new DomainError('already_member', 'You are already a member of this organization.');
    // Leftovers of an earlier removal that was not swept completely must not become grants again.
    if (collection.itemKeys.length > 0) await deleteItems(collection.itemKeys);

    const { role, permissions } = await roleAtAccept(org, invitation);
    // Apps deleted since the invitation are skipped; the transaction checks the rest still exist.
    const apps = await store.existingApps(org.orgId, invitation.appRoles.map((a) => a.appId));
    const appRoles = invitation.appRoles.filter((a) => apps.has(a.appId));
    const membership: Membership = {
      orgId: org.orgId,
      userId: identity.userId,
      email: identity.email,
      ...(identity.name ? { name: identity.name } : {}),
      role,
      ...(permissions ? { permissions } : {}),
      joinedAt: isoOf(now),
    };
    try {
      await store.acceptInvitation({ invitation, membership, appRoles, now, nowIso: isoOf(now) });
    } catch (err) {
      if (err instanceof store.InvitationChanged) throw await whyNotAcceptable(token, now);
      throw err;
    }
    logger.info('invitation accepted', { orgId: org.orgId, invitationId: invitation.invitationId });
    return { orgId: org.orgId, orgName: org.name, role, appRoles, membership };
  });
}

export interface CleanupResult {
  /** Expiry buckets (hours) queried. */
  buckets: number;
  /** Items read: the cursor plus every index entry returned. */
  itemsRead: number;
  /** Read capacity the index queries consumed, as DynamoDB reports it. */
  readCapacityUnits: number;
  marked: number;
  /** Entries that changed before they could be marked (resent, accepted, revoked meanwhile). */
  skipped: number;
  /** False when the run stopped at maxItems; the next run continues from the stored cursor. */
  complete: boolean;
  cursor: string;
}

/**
 * The scheduled cleanup: from the stored cursor up to the current hour, query each expiry bucket of the
 * sparse byExpiry index for entries that expired by now and store `expired` on each (which takes it out
 * of the index). Reads grow with the expired invitations, never with the table: no Scan.
 */
export async function cleanupExpiredInvitations(options: { maxItems?: number } = {}): Promise<CleanupResult> {
  const maxItems = options.maxItems ?? 10_000;
  const now = clock.nowSeconds();
  const nowIso = isoOf(now);
  const current = hourBucket(now);
  // First run: the oldest bucket a pending invitation issued a lifetime ago can sit in.
  let bucket = (await store.getCleanupCursor()) ?? hourBucket(now - INVITATION_LIFETIME_SECONDS);
  const startedAt = bucket;
  const result: CleanupResult = { buckets: 0, itemsRead: 1, readCapacityUnits: 0, marked: 0, skipped: 0, complete: true, cursor: bucket };
  while (bucket <= current) {
    result.buckets++;
    let start: Record<string, unknown> | undefined;
    let finished = false;
    while (!finished && result.itemsRead < maxItems) {
      const page = await store.expiredInBucket(bucket, now, start, Math.min(500, maxItems - result.itemsRead));
      result.itemsRead += page.entries.length;
      result.readCapacityUnits += page.capacity;
      for (let i = 0; i < page.entries.length; i += 10) {
        const marked = await Promise.all(page.entries.slice(i, i + 10).map((e) => store.markExpired(e, now, nowIso)));
        for (const m of marked) m ? result.marked++ : result.skipped++;
      }
      start = page.next;
      finished = !start;
    }
    if (!finished) {
      // Out of budget inside this bucket: the next run starts here again (marked entries have left the index).
      result.complete = false;
      break;
    }
    if (bucket === current) break;
    bucket = nextHourBucket(bucket);
  }
  // Buckets before the current hour are done; the current one fills until the hour is over.
  result.cursor = bucket;
  if (bucket !== startedAt) await store.setCleanupCursor(bucket, nowIso);
  return result;
}

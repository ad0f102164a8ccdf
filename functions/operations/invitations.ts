// Use cases of invitations: invite (or resend to an address already invited), resend, revoke, list,
// preview and accept a link, the invited rows of the members list, and the scheduled cleanup.
// Primary adapters: functions/http/invitations.ts, functions/http/members.ts, functions/invite-link/,
// functions/jobs/cleanup.ts. Secondary adapters: functions/store/invitations.ts, functions/mail/.

import { DomainError, conflict, forbidden, notFound, validationFailed } from '../domain/errors';
import {
  CLEANUP_FIRST_RUN_LOOKBACK_SECONDS,
  DEFAULT_INVITATIONS_PER_HOUR,
  assertAcceptable,
  deadLinkError,
  expiresAtFrom,
  formatToken,
  hashSecret,
  hourBucket,
  inviterDisplayName,
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
import { builtInRole, type Permission, type RoleDefinition } from '../domain/permissions';
import { logger } from '../http/logger';
import { config } from '../lib/config';
import { clock } from '../lib/clock';
import { MailUnconfirmed, sendMail } from '../mail/ses';
import { invitationMail } from '../mail/templates';
import * as store from '../store/invitations';
import { getMembership, getOrganization, getUserIdByEmail } from '../store/orgs';
import { getRole } from '../store/roles';
import { getSubjectCollection } from '../store/subjects';
import { StaleRead, withFreshReads } from '../store/transact';
import type { Access } from './access';
import { newId } from './ids';
import { ensureUser } from './orgs';

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

/** The inviter as the mail and the invite page show them: the name from the token's claims made one short line. */
function inviterOf(identity: Identity): Inviter {
  const name = inviterDisplayName(identity.name);
  return { userId: identity.userId, email: identity.email, ...(name ? { name } : {}) };
}

/** An org role by id: built-in, or the org's custom one with its identity (createdAt); undefined if none. */
async function orgRole(orgId: string, roleId: string): Promise<{ def: RoleDefinition; createdAt?: string } | undefined> {
  const builtIn = builtInRole('org', roleId);
  if (builtIn) return { def: builtIn };
  const custom = await getRole(orgId, roleId);
  if (!custom || custom.scope !== 'org') return undefined;
  return { def: { id: custom.roleId, name: custom.name, scope: 'org', permissions: custom.permissions, builtIn: false }, createdAt: custom.createdAt };
}

type InvitedRole = Pick<StoredInvitation, 'role' | 'rolePermissions' | 'roleCreatedAt'>;

/**
 * The org role an invitation gives, checked against what the inviter may grant. A custom role is copied
 * with its identity, which the accept checks. `missing`: the error for a named role that does not exist.
 */
async function checkedOrgRole(
  access: Access,
  role: string | undefined,
  missing: (roleId: string) => DomainError = (roleId) => validationFailed(`Unknown organization role ${roleId}.`),
): Promise<InvitedRole> {
  const roleId = role ?? access.org.defaultRoles.orgRole;
  const found = await orgRole(access.org.orgId, roleId);
  if (!found) {
    if (role) throw missing(role);
    return {};
  }
  const { def, createdAt } = found;
  // A role left to the default is checked too: the invitation must not give more than the inviter holds.
  assertMayGrantOrgRole(access.grants, def.id, def.permissions);
  if (!role) return {};
  return { role: def.id, ...(def.builtIn ? {} : { rolePermissions: [...def.permissions], roleCreatedAt: createdAt }) };
}

/** The account of an address about to be (re)invited, if it has one: 409 already_member if it is a member. */
async function nonMemberInvitee(orgId: string, email: string): Promise<string | undefined> {
  const userId = await getUserIdByEmail(email);
  if (userId && (await getMembership(orgId, userId))) {
    throw new DomainError('already_member', `${email} is already a member of this organization.`);
  }
  return userId;
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

/**
 * Whether the mail went: 'sent', or 'unconfirmed' when SES may have sent it (it timed out after taking
 * the request): then the invitation stays as written, since its link may be in the invitee's mailbox,
 * and the caller is told to resend if it does not arrive. A certain failure throws mail_failed.
 */
export type MailOutcome = 'sent' | 'unconfirmed';

/** Mail the link of a (re)issued invitation. */
async function mailInvitation(org: Organization, inv: StoredInvitation, secret: string): Promise<MailOutcome> {
  const link = `${config.publicUrl}/invite/${formatToken({ orgId: inv.orgId, invitationId: inv.invitationId, secret })}`;
  try {
    await sendInvitationMail(org, inv, link);
    return 'sent';
  } catch (err) {
    if (!(err instanceof MailUnconfirmed)) throw err;
    logger.warn('invitation mail not confirmed by SES: kept, resend if it does not arrive', { orgId: inv.orgId, invitationId: inv.invitationId, reason: err.reason });
    return 'unconfirmed';
  }
}

async function sendInvitationMail(org: Organization, inv: StoredInvitation, link: string): Promise<void> {
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
  if (!changes.roleCreatedAt) delete next.roleCreatedAt;
  return next;
}

/** Accepted and revoked invitations are not re-issued. */
function assertReissuable(current: StoredInvitation, now: number): void {
  const status = statusAt(current, now);
  if (status === 'accepted') throw conflict('This invitation was accepted already: there is nothing to resend.');
  if (status === 'revoked') throw conflict('This invitation was revoked: invite the address again instead.');
}

/**
 * Re-issue with the roles given (`changes`), then mail; if the mail fails, put the previous invitation
 * back (if unchanged) and answer 502. The write checks the invitee is still no member.
 */
async function reissueAndMail(
  org: Organization,
  current: StoredInvitation,
  now: number,
  changes: Partial<StoredInvitation>,
  inviteeUserId: string | undefined,
): Promise<{ invitation: StoredInvitation; mail: MailOutcome }> {
  assertReissuable(current, now);
  const secret = newSecret();
  const next = reissued(current, secret, now, changes);
  await store.reissueInvitation(current, next, now, hourlyLimit(), inviteeUserId);
  try {
    return { invitation: next, mail: await mailInvitation(org, next, secret) };
  } catch (err) {
    await store.restoreInvitation(current, next, now).catch((undo: Error) =>
      logger.warn('could not restore an invitation after a failed resend', { orgId: next.orgId, invitationId: next.invitationId, error: undo.name }),
    );
    throw err;
  }
}

/**
 * Input: the inviter's access, {email, role?, appRoles?}.
 * Output: the invitation, and whether it was a resend of the address's pending one.
 * Primary course: check the roles the inviter may give and that the address is no member, then create
 * the invitation, its (org, e-mail) guard and the hourly count in one transaction that also checks the
 * address is still no member (it may be joining right now), then mail the link.
 * Alternate: the guard exists (the address has a pending or expired invitation) → re-issue that one with
 * the new roles. The mail fails → undo the write, 502 mail_failed.
 */
export async function invite(
  access: Access,
  input: { email: string; role?: string | undefined; appRoles?: AppRoleGrant[] | undefined },
): Promise<InvitationView & { resent: boolean; mail: MailOutcome }> {
  const org = access.org;
  const orgId = org.orgId;
  const email = input.email;
  const roles = await checkedOrgRole(access, input.role);
  const appRoles = await checkedAppRoles(access, input.appRoles ?? []);
  const inviter = inviterOf(access.identity);

  return withFreshReads(async () => {
    const inviteeUserId = await nonMemberInvitee(orgId, email);
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
      await store.createInvitation(invitation, now, hourlyLimit(), inviteeUserId);
    } catch (err) {
      if (!(err instanceof store.PendingInvitationExists)) throw err;
      // One pending invitation per address: this invite re-issues it, with the roles asked for now.
      const pendingId = await store.getPendingInvitationId(orgId, email);
      const current = pendingId ? await store.getInvitation(orgId, pendingId) : undefined;
      if (!current || (current.status !== 'pending' && current.status !== 'expired')) throw new StaleRead();
      const { invitation: next, mail } = await reissueAndMail(org, current, now, { ...roles, appRoles, invitedBy: inviter }, inviteeUserId);
      logger.info('invitation resent', { orgId, invitationId: next.invitationId });
      return { ...toView(next, now), resent: true, mail };
    }
    let mail: MailOutcome;
    try {
      mail = await mailInvitation(org, invitation, secret);
    } catch (err) {
      await store.deleteUnsentInvitation(invitation, now).catch((undo: Error) =>
        logger.warn('could not remove an invitation after a failed mail', { orgId, invitationId: invitation.invitationId, error: undo.name }),
      );
      throw err;
    }
    logger.info('invitation sent', { orgId, invitationId: invitation.invitationId });
    return { ...toView(invitation, now), resent: false, mail };
  });
}

async function invitationOf(access: Access, invitationId: string): Promise<StoredInvitation> {
  const inv = await store.getInvitation(access.org.orgId, invitationId);
  if (!inv) throw notFound('The invitation');
  return inv;
}

/**
 * Resend: a new link and a new 24 hours for a pending or expired invitation; the old link is dead from
 * then on. The resender must be allowed to give the invitation's role. A custom role is copied again as
 * it is defined now (it may have been deleted and re-created under its id since); a deleted one: 409.
 */
export async function resend(access: Access, invitationId: string): Promise<InvitationView & { mail: MailOutcome }> {
  return withFreshReads(async () => {
    const now = clock.nowSeconds();
    const current = await invitationOf(access, invitationId);
    assertReissuable(current, now);
    const roles = await checkedOrgRole(access, current.role, (roleId) =>
      conflict(`The role ${roleId} of this invitation was deleted: revoke the invitation and invite again with another role.`),
    );
    const inviteeUserId = await nonMemberInvitee(current.orgId, current.email);
    // Whoever resends is who invites now (the first inviter may have left, or deleted their account).
    const { invitation: next, mail } = await reissueAndMail(access.org, current, now, { ...roles, invitedBy: inviterOf(access.identity) }, inviteeUserId);
    logger.info('invitation resent', { orgId: next.orgId, invitationId });
    return { ...toView(next, now), mail };
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
  const inviterName = inviterDisplayName(invitation.invitedBy.name);
  return {
    orgId: org.orgId,
    orgName: org.name,
    email: invitation.email,
    role: invitation.role ?? org.defaultRoles.orgRole,
    appRoles: invitation.appRoles,
    // Names are stored made safe since the invite (inviterOf); invitations written before were not.
    invitedBy: { ...(inviterName ? { name: inviterName } : {}), email: invitation.invitedBy.email },
    expiresAt: isoOf(invitation.expiresAt),
    status: 'pending',
  };
}

const roleChanged = (roleId: string) =>
  conflict(`The role ${roleId} was deleted or changed since the invitation was sent: ask for a new invitation.`);

/**
 * The org role an accepted invitation gives, its permissions (custom roles) and the identity of the
 * custom role they were copied from, which the accept's transaction checks.
 */
async function roleAtAccept(org: Organization, inv: StoredInvitation): Promise<{ role: string; permissions?: Permission[]; roleCreatedAt?: string }> {
  if (inv.role) {
    if (!inv.rolePermissions) return { role: inv.role };
    if (inv.roleCreatedAt) return { role: inv.role, permissions: inv.rolePermissions, roleCreatedAt: inv.roleCreatedAt };
    // Written before invitations kept the role's identity: only while the role still has the copied permissions.
    const current = await getRole(org.orgId, inv.role);
    const same = current && current.permissions.length === inv.rolePermissions.length && inv.rolePermissions.every((p) => current.permissions.includes(p));
    if (!current || !same) throw roleChanged(inv.role);
    return { role: inv.role, permissions: inv.rolePermissions, roleCreatedAt: current.createdAt };
  }
  const found = await orgRole(org.orgId, org.defaultRoles.orgRole);
  if (!found) return { role: 'Member' };
  const { def, createdAt } = found;
  return { role: def.id, ...(def.builtIn ? {} : { permissions: [...def.permissions], roleCreatedAt: createdAt }) };
}

/** The pending invitation of an address in an org, if its guard names one (with the invitation, if still there). */
async function pendingInvitationOf(orgId: string, email: string): Promise<store.OwnPendingInvitation | undefined> {
  const invitationId = await store.getPendingInvitationId(orgId, email);
  if (!invitationId) return undefined;
  const invitation = await store.getInvitation(orgId, invitationId);
  return { email, invitationId, ...(invitation ? { invitation } : {}) };
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
 * Alternate: the caller accepts an invitation sent to another address (the org lets any account accept)
 * while their own address has one pending here → the same transaction revokes theirs (revokedBy: the
 * caller) and deletes its guard, so no invited row is left for a member. A custom org role deleted or
 * re-created since the invitation → 409 conflict.
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
    // Leftovers of an earlier removal that was not swept completely must not become grants again. Deleted
    // only while there is still no membership, so a concurrent accept's fresh grants are never among them.
    if (collection.itemKeys.length > 0) await store.deleteLeftovers(org.orgId, identity.userId, collection.itemKeys);

    const { role, permissions, roleCreatedAt } = await roleAtAccept(org, invitation);
    const ownPending = identity.email !== invitation.email ? await pendingInvitationOf(org.orgId, identity.email) : undefined;
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
      await store.acceptInvitation({
        invitation,
        membership,
        ...(roleCreatedAt ? { roleCreatedAt } : {}),
        appRoles,
        ...(ownPending ? { ownPending } : {}),
        now,
        nowIso: isoOf(now),
      });
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
  // First run: every bucket an invitation still in the index can sit in (expired up to its TTL, and TTL lags).
  let bucket = (await store.getCleanupCursor()) ?? hourBucket(now - CLEANUP_FIRST_RUN_LOOKBACK_SECONDS);
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

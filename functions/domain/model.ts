// The product's entities as the domain sees them. The store maps items to these; no key leaves it.

import type { DefaultRoles } from './evaluator';
import type { Permission } from './permissions';

/** Who is calling, from verified token claims only. */
export interface Identity {
  userId: string;
  email: string;
  name?: string;
  provider?: string;
  /** When the token was issued (epoch seconds): a token from before the account's deletion makes no new one. */
  issuedAt?: number;
  /** The user's name in the identity directory (Cognito's `cognito:username`), to delete the account there. */
  username?: string;
}

export interface UserProfile {
  userId: string;
  email: string;
  name?: string;
  providers: string[];
  createdAt: string;
}

export interface OrganizationSettings {
  /** When true, an invitation link may be accepted by any signed-in account (the link is the capability). */
  invitationsAllowAnyAccount: boolean;
}

export interface Organization {
  orgId: string;
  name: string;
  createdAt: string;
  createdBy: string;
  adminCount: number;
  memberCount: number;
  defaultRoles: DefaultRoles;
  settings: OrganizationSettings;
}

export interface Membership {
  orgId: string;
  userId: string;
  email: string;
  name?: string;
  role: string;
  /** Permissions of a custom org role, copied when it was given (custom role permissions are immutable). */
  permissions?: Permission[];
  joinedAt: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page, absent on the last one. */
  next?: string;
}

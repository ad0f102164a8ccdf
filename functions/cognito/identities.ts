// What the Cognito triggers need to know about federated users, as pure functions (no AWS import):
// who a new sign-up is, and which existing user (if any) it should be linked to.

import { email as emailSchema } from '../domain/ids';

/** Cognito allows at most this many external identities linked to one user. */
export const MAX_LINKED_IDENTITIES = 5;

/** Identity provider names as configured in the user pool (the CDK names GitHub's OIDC provider 'GitHub'). */
export const KNOWN_PROVIDERS = ['Google', 'GitHub', 'Facebook', 'LoginWithAmazon', 'SignInWithApple'] as const;

export interface FederatedUserName {
  /** The provider name exactly as AdminLinkProviderForUser wants it ('Google', 'GitHub'). */
  providerName: string;
  /** The provider's id of the user (Cognito_Subject): Google's sub, GitHub's numeric id. */
  providerUserId: string;
}

/**
 * Split a federated user name (`<Provider>_<provider user id>`). Cognito may lower-case the prefix
 * (`google_123`), so it is matched case-insensitively against the configured provider names.
 */
export function parseFederatedUserName(userName: string, providers: readonly string[] = KNOWN_PROVIDERS): FederatedUserName | undefined {
  const lower = userName.toLowerCase();
  const providerName = providers.find((p) => lower.startsWith(`${p.toLowerCase()}_`));
  if (!providerName) return undefined;
  const providerUserId = userName.slice(providerName.length + 1);
  return providerUserId ? { providerName, providerUserId } : undefined;
}

/** A normalized e-mail address, or undefined if it is not one. */
export function normalizeEmail(value: string | undefined): string | undefined {
  // The API's own rule (functions/domain/ids.ts, as functions/http/auth.ts applies it to tokens): an
  // address the API would refuse in a token gets no profile here, and is never linked.
  const parsed = emailSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The most characters of a display name the service keeps (as functions/domain/ids.ts displayName). */
export const MAX_NAME_LENGTH = 100;

/**
 * A provider's display name as the service stores it: one line (runs of whitespace and control
 * characters become one space, lone surrogates are dropped), trimmed, at most MAX_NAME_LENGTH
 * characters; undefined if empty.
 */
export function oneLineName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const line = value
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '') // lone surrogates: not storable text
    .replace(/[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .trim();
  const name = Array.from(line).slice(0, MAX_NAME_LENGTH).join('').trim();
  return name || undefined;
}

/** Cognito sends attributes as strings: only the string 'true' (or true) means verified. */
export function isVerified(value: unknown): boolean {
  return value === 'true' || value === true;
}

export interface PoolUser {
  username: string;
  /** The pool user's `sub` (the service's user id). */
  sub?: string;
  /** The e-mail attribute as the pool stores it (the provider's casing). */
  email?: string;
  /** UserStatus: CONFIRMED, EXTERNAL_PROVIDER, UNCONFIRMED, ... */
  status?: string;
  enabled: boolean;
  emailVerified: boolean;
  /** External identities already linked to this user (its `identities` attribute). */
  linkedIdentities: number;
  createdAt?: Date;
}

export type LinkDecision =
  | { kind: 'none' }
  | { kind: 'link'; destination: PoolUser }
  | { kind: 'refuse'; message: string };

/**
 * The existing user a new federated identity with the same verified e-mail joins. Addresses are
 * compared normalized (the pool keeps each provider's casing). Only users whose own e-mail is
 * verified qualify (an unverified claim to an address must not capture it); a native (non-federated)
 * user is preferred, then the oldest.
 */
export function decideLink(newUserName: string, email: string, users: PoolUser[]): LinkDecision {
  const wanted = normalizeEmail(email);
  const candidates = users
    .filter((u) => wanted !== undefined && normalizeEmail(u.email) === wanted)
    .filter((u) => u.username.toLowerCase() !== newUserName.toLowerCase() && u.enabled && u.emailVerified)
    .sort((a, b) => rank(a) - rank(b) || (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
  const destination = candidates[0];
  if (!destination) return { kind: 'none' };
  if (destination.linkedIdentities >= MAX_LINKED_IDENTITIES) {
    return {
      kind: 'refuse',
      message: `Your account already has ${MAX_LINKED_IDENTITIES} linked sign-in providers, the most allowed. Sign in with one of them.`,
    };
  }
  return { kind: 'link', destination };
}

const rank = (u: PoolUser) => (u.status === 'EXTERNAL_PROVIDER' ? 1 : 0);

/** How many identities the `identities` attribute (a JSON array as a string) lists. */
export function countIdentities(attribute: string | undefined): number {
  if (!attribute) return 0;
  try {
    const parsed = JSON.parse(attribute) as unknown;
    return Array.isArray(parsed) ? parsed.length : 0;
  } catch {
    return 0;
  }
}

/** The provider of the identity Cognito recorded (`identities` attribute), if any. */
export function firstIdentityProvider(attribute: string | undefined): string | undefined {
  if (!attribute) return undefined;
  try {
    const parsed = JSON.parse(attribute) as unknown;
    const first = Array.isArray(parsed) ? (parsed[0] as { providerName?: unknown } | undefined) : undefined;
    return typeof first?.providerName === 'string' ? first.providerName : undefined;
  } catch {
    return undefined;
  }
}

// What the Cognito triggers need to know about federated users, as pure functions (no AWS import):
// who a new sign-up is, and which existing user (if any) it should be linked to.

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
  const email = value?.trim().toLowerCase();
  if (!email || email.length > 254 || !/^[^\s@"\\]+@[^\s@"\\]+\.[^\s@"\\]+$/.test(email)) return undefined;
  return email;
}

/** Cognito sends attributes as strings: only the string 'true' (or true) means verified. */
export function isVerified(value: unknown): boolean {
  return value === 'true' || value === true;
}

export interface PoolUser {
  username: string;
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
 * The existing user a new federated identity with the same verified e-mail joins. Only users whose
 * own e-mail is verified qualify (an unverified claim to an address must not capture it); a native
 * (non-federated) user is preferred, then the oldest.
 */
export function decideLink(newUserName: string, users: PoolUser[]): LinkDecision {
  const candidates = users
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

// Grant items: a role held on an app, an environment type or an environment, by a user (in their
// collection, listed under the scope through byScope) or by a team (in the team's partition).

import type { Scope } from '../domain/permissions';
import { keys } from './keys';
import { scopeKeyOf, type StoredGrant } from './subjects';

type Item = Record<string, unknown>;

/** A user's direct grant, listed under its scope (who holds a role on this app/env type/env). */
export function userGrantItem(orgId: string, userId: string, grant: StoredGrant, grantedAt: string): Item {
  const scopeKey = scopeKeyOf(grant.scope, grant.target);
  return {
    ...keys.userGrant(orgId, userId, scopeKey),
    type: 'Grant',
    orgId,
    userId,
    ...grant,
    grantedAt,
    GSI1PK: keys.scopeMembers(orgId, scopeKey),
    GSI1SK: keys.principalUser(userId),
  };
}

/** The key of a user's direct grant on one scope target. */
export function userGrantKey(orgId: string, userId: string, scope: Scope, target: string) {
  return keys.userGrant(orgId, userId, scopeKeyOf(scope, target));
}

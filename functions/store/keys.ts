// Key builders: the only place that knows key shapes. Every id reaching here has been validated
// (functions/domain/ids.ts: no '#', bounded length), so keys cannot collide across entities.

export const keys = {
  org: (orgId: string) => ({ PK: `ORG#${orgId}`, SK: 'ORG' }),
  /** One user's item collection in one org: membership, grants, team memberships, team grant copies. */
  subjectPK: (orgId: string, userId: string) => `ORG#${orgId}#USER#${userId}`,
  member: (orgId: string, userId: string) => ({ PK: keys.subjectPK(orgId, userId), SK: 'MEMBER' }),
  userGrant: (orgId: string, userId: string, scopeKey: string) => ({ PK: keys.subjectPK(orgId, userId), SK: `GRANT#${scopeKey}` }),
  userTeam: (orgId: string, userId: string, teamId: string) => ({ PK: keys.subjectPK(orgId, userId), SK: `TEAM#${teamId}` }),
  userTeamGrant: (orgId: string, userId: string, teamId: string, scopeKey: string) => ({
    PK: keys.subjectPK(orgId, userId),
    SK: `TEAMGRANT#${teamId}#${scopeKey}`,
  }),

  /** Scope keys, shared by grants and the byScope index. */
  scope: {
    org: () => 'ORG',
    app: (appId: string) => `APP#${appId}`,
    envType: (typeId: string) => `ENVTYPE#${typeId}`,
    env: (appId: string, envId: string) => `ENV#${appId}#${envId}`,
  },
  /** byScope partition: who holds a role on this scope of the org. */
  scopeMembers: (orgId: string, scopeKey: string) => `ORG#${orgId}#${scopeKey}`,
  principalUser: (userId: string) => `USER#${userId}`,
  principalTeam: (teamId: string) => `TEAM#${teamId}`,
  /** byPrincipal sort key: the org a membership or a pending invitation belongs to. */
  principalOrg: (orgId: string) => `ORG#${orgId}`,

  user: (userId: string) => ({ PK: `USER#${userId}`, SK: 'PROFILE' }),
  email: (email: string) => ({ PK: `EMAIL#${email}`, SK: 'USER' }),

  app: (orgId: string, appId: string) => ({ PK: `ORG#${orgId}`, SK: `APP#${appId}` }),
  env: (orgId: string, appId: string, envId: string) => ({ PK: `ORG#${orgId}`, SK: `ENV#${appId}#${envId}` }),
  envType: (orgId: string, typeId: string) => ({ PK: `ORG#${orgId}`, SK: `ENVTYPE#${typeId}` }),
  /** A team's own item (name, version: the lock of its fan-out) sits in the org partition, to list teams. */
  team: (orgId: string, teamId: string) => ({ PK: `ORG#${orgId}`, SK: `TEAM#${teamId}` }),
  /** A team's members and grants: its own partition, read consistently before each fan-out. */
  teamPK: (orgId: string, teamId: string) => `ORG#${orgId}#TEAM#${teamId}`,
  teamMember: (orgId: string, teamId: string, userId: string) => ({ PK: keys.teamPK(orgId, teamId), SK: `MEMBER#${userId}` }),
  teamGrant: (orgId: string, teamId: string, scopeKey: string) => ({ PK: keys.teamPK(orgId, teamId), SK: `GRANT#${scopeKey}` }),
  role: (orgId: string, roleId: string) => ({ PK: `ORG#${orgId}`, SK: `ROLE#${roleId}` }),

  invitation: (orgId: string, invitationId: string) => ({ PK: `ORG#${orgId}`, SK: `INV#${invitationId}` }),
  /** At most one pending invitation per (org, e-mail): a second invite to the address is a resend. */
  pendingInvitation: (orgId: string, email: string) => ({ PK: `ORG#${orgId}`, SK: `INVPENDING#${email}` }),
  invitationRate: (orgId: string, hour: string) => ({ PK: `ORG#${orgId}`, SK: `INVRATE#${hour}` }),
  principalEmail: (email: string) => `EMAIL#${email}`,
  expiryBucket: (hour: string) => `EXP#${hour}`,
  /**
   * Sparse byExpiry entries of deletions a scheduled job finishes: an org marked deleted (on its org
   * item) and a team being deleted (on its team item), sorted by the time of the mark. They share the
   * invitations' index because its keys are plain strings and these partitions never collide with
   * `EXP#<hour>`; each entry lives exactly as long as its deletion is unfinished.
   */
  orgSweep: () => 'ORGSWEEP',
  orgSweepSort: (deletedAt: string, orgId: string) => `${deletedAt}#${orgId}`,
  teamSweep: () => 'TEAMSWEEP',
  teamSweepSort: (markedAt: string, orgId: string, teamId: string) => `${markedAt}#${orgId}#${teamId}`,
  /**
   * A deleted account's tombstone, beside where its profile was: tokens issued before the deletion do
   * not make a new account (ttl: a day past the longest id token). While it is on the sparse
   * `ACCOUNTSWEEP` entry of byExpiry, the scheduled job looks for memberships the eventually
   * consistent byPrincipal index did not yet show when the account was deleted.
   */
  accountTombstone: (userId: string) => ({ PK: `USER#${userId}`, SK: 'DELETED' }),
  accountSweep: () => 'ACCOUNTSWEEP',
  accountSweepSort: (deletedAt: number, userId: string) => `${String(deletedAt).padStart(12, '0')}#${userId}`,
  job: (name: string) => ({ PK: `JOB#${name}`, SK: 'STATE' }),

  /** GitHub OIDC wrapper: a pending sign-in, by the hash of the short state sent to GitHub (TTL'd). */
  oidcState: (stateHash: string) => ({ PK: `OIDCSTATE#${stateHash}`, SK: 'OIDCSTATE' }),
  /** GitHub OIDC wrapper: an issued authorization code, by its hash, until Cognito redeems it (TTL'd). */
  oidcCode: (codeHash: string) => ({ PK: `OIDCCODE#${codeHash}`, SK: 'OIDCCODE' }),
  /** GitHub OIDC wrapper: the public half of a signing key, published by the token endpoint for the JWKS. */
  oidcPublicKey: (kid: string) => ({ PK: 'OIDCJWKS', SK: `KID#${kid}` }),
};

/**
 * Sort-key prefixes of the key shapes above, for begins_with queries, cursor checks and telling an
 * item's kind in a partition. Each is the constant part of one builder's sort key.
 */
export const prefixes = {
  app: 'APP#',
  envOf: (appId: string) => `ENV#${appId}#`,
  envType: 'ENVTYPE#',
  team: 'TEAM#',
  role: 'ROLE#',
  invitation: 'INV#',
  pendingInvitation: 'INVPENDING#',
  /** In a user's collection. */
  member: 'MEMBER',
  userGrant: 'GRANT#',
  userTeam: 'TEAM#',
  userTeamGrant: 'TEAMGRANT#',
  /** In a team's partition. */
  teamMember: 'MEMBER#',
  teamGrant: 'GRANT#',
  /** byScope sort keys and byPrincipal sort keys. */
  principalUser: 'USER#',
  principalTeam: 'TEAM#',
  principalOrg: 'ORG#',
  /** Every partition of the GitHub OIDC wrapper (OIDCSTATE#, OIDCCODE#, OIDCJWKS): what no other function writes. */
  oidcPartitions: 'OIDC',
  /** Every user collection of one org (a members-list cursor's PK). */
  subjectsOf: (orgId: string) => `ORG#${orgId}#USER#`,
} as const;

// A user's item collection in one org: everything the evaluator needs about them, in one Query.
//   MEMBER                         the membership (org role, version)
//   GRANT#<scopeKey>               a direct role on an app, env type or environment
//   TEAM#<teamId>                  membership of a team
//   TEAMGRANT#<teamId>#<scopeKey>  a copy of a team's role, written when the team is granted or joined
// Writes that add to a collection bump MEMBER.version (or the team's version, for team copies), so a
// removal that read the collection can condition on nothing having been added since.

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Grant, GrantSource } from '../domain/evaluator';
import type { Membership, Organization } from '../domain/model';
import { builtInRole, type Permission, type Scope } from '../domain/permissions';
import { dynamo, table } from './client';
import { keys, prefixes } from './keys';
import { liveOrganization, toMembership } from './orgs';
import { queryAll } from './paging';

type Item = Record<string, unknown>;

/** Scope and target of a grant from its scope key, and back. */
export function scopeKeyOf(scope: Scope, target: string): string {
  switch (scope) {
    case 'org':
      return keys.scope.org();
    case 'app':
      return keys.scope.app(target);
    case 'envType':
      return keys.scope.envType(target);
    case 'env': {
      const [appId = '', envId = ''] = target.split('/');
      return keys.scope.env(appId, envId);
    }
  }
}

/** The attributes a grant item carries, wherever it is stored (user collection, team partition). */
export interface StoredGrant {
  scope: Scope;
  target: string;
  role: string;
  /** Permissions of a custom role, copied at grant time (custom role permissions are immutable). */
  permissions?: Permission[];
}

export function grantFromItem(item: Item, via: GrantSource): Grant | undefined {
  const scope = item.scope as Scope;
  const role = item.role as string;
  const permissions = (item.permissions as Permission[] | undefined) ?? builtInRole(scope, role)?.permissions;
  if (!permissions) return undefined;
  return { scope, target: item.target as string, role, permissions, via };
}

export interface SubjectCollection {
  membership?: Membership & { version: number };
  grants: Grant[];
  teamIds: string[];
  /** Keys of every item in the collection, for removal. */
  itemKeys: { PK: string; SK: string }[];
}

/** All of one user's items in one org: one strongly consistent Query (paged only past 1 MB). */
export async function getSubjectCollection(orgId: string, userId: string): Promise<SubjectCollection> {
  const result: SubjectCollection = { grants: [], teamIds: [], itemKeys: [] };
  const items = await queryAll({
    TableName: table(),
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.subjectPK(orgId, userId) },
    ConsistentRead: true,
  });
  for (const item of items) {
    const sk = item.SK as string;
    result.itemKeys.push({ PK: item.PK as string, SK: sk });
    if (sk === prefixes.member) {
      result.membership = { ...toMembership(item), version: (item.version as number | undefined) ?? 0 };
    } else if (sk.startsWith(prefixes.userGrant)) {
      const grant = grantFromItem(item, { kind: 'direct' });
      if (grant) result.grants.push(grant);
    } else if (sk.startsWith(prefixes.userTeamGrant)) {
      const grant = grantFromItem(item, { kind: 'team', teamId: item.teamId as string });
      if (grant) result.grants.push(grant);
    } else if (sk.startsWith(prefixes.userTeam)) {
      result.teamIds.push(item.teamId as string);
    }
  }
  return result;
}

export interface AccessData {
  org?: Organization;
  collection: SubjectCollection;
}

/**
 * Everything needed to authorize one caller in one org: their collection (one Query) and the
 * organization item (its live defaults), read in parallel: one round trip.
 */
export async function loadAccess(orgId: string, userId: string): Promise<AccessData> {
  const [orgOut, collection] = await Promise.all([
    dynamo.send(new GetCommand({ TableName: table(), Key: keys.org(orgId), ConsistentRead: true })),
    getSubjectCollection(orgId, userId),
  ]);
  // An org marked deleted is no org: nothing authorizes from the mark on (liveOrganization).
  const org = liveOrganization(orgOut.Item);
  return { ...(org ? { org } : {}), collection };
}

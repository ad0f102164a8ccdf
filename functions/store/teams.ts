// Teams. The team item (org partition, SK TEAM#<t>: teamId, name, version) is the lock of its
// fan-out; members (MEMBER#<u>) and grants (GRANT#<scopeKey>, listed under their scope through
// byScope with GSI1SK TEAM#<t>) sit in the team's own partition, read consistently before each change.
// Team roles are copied into each member's collection (TEAMGRANT#<t>#<scopeKey>, and TEAM#<t> for the
// membership) so that authorizing stays one Query. Every change is one transaction that conditions on
// and bumps the team version, so two concurrent changes of one team cannot miss each other; adding a
// member also bumps their MEMBER.version (the collection protocol of store/subjects.ts).

import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError, conflict, notFound } from '../domain/errors';
import type { Scope } from '../domain/permissions';
import { dynamo, table } from './client';
import { isCustomGrant, memberVersionItem } from './grants';
import { keys, prefixes } from './keys';
import { deleteItems, partitionKeys } from './orgs';
import { queryAll } from './paging';
import { roleUseItem } from './roles';
import { scopeKeyOf, type StoredGrant } from './subjects';
import { StaleRead, transact, type TxItem } from './transact';

type Item = Record<string, unknown>;

/**
 * One change must fit one DynamoDB transaction (100 items): adding a member writes 4 items plus one
 * copy per team grant; granting a role writes 2-5 items plus one copy per member.
 */
export const MAX_TEAM_MEMBERS = 90;
export const MAX_TEAM_GRANTS = 90;

export interface Team {
  orgId: string;
  teamId: string;
  name: string;
  version: number;
  createdAt: string;
  deleting?: boolean;
}

/** A team grant, with the environment's type for environment grants (immutable; the ceiling needs it). */
export type TeamGrant = StoredGrant & { envTypeId?: string };

export interface TeamState {
  team: Team;
  members: { userId: string; addedAt: string }[];
  grants: TeamGrant[];
}

function toTeam(item: Item): Team {
  return {
    orgId: item.orgId as string,
    teamId: item.teamId as string,
    name: item.name as string,
    version: (item.version as number | undefined) ?? 0,
    createdAt: item.createdAt as string,
    ...(item.deleting ? { deleting: true } : {}),
  };
}

function toTeamGrant(item: Item): TeamGrant {
  return {
    scope: item.scope as Scope,
    target: item.target as string,
    role: item.role as string,
    ...(item.permissions ? { permissions: item.permissions as StoredGrant['permissions'] } : {}),
    ...(item.envTypeId ? { envTypeId: item.envTypeId as string } : {}),
  };
}

export async function createTeam(team: Omit<Team, 'version'>): Promise<void> {
  await transact([
    {
      op: { Put: { TableName: table(), Item: { ...keys.team(team.orgId, team.teamId), type: 'Team', ...team, version: 0 }, ConditionExpression: 'attribute_not_exists(PK)' } },
      onConditionFailed: () => conflict(`A team with id ${team.teamId} exists already.`),
    },
  ]);
}

/** The org's teams (org partition, SK begins_with TEAM#). */
export async function listTeams(orgId: string): Promise<Team[]> {
  const items = await queryAll({
    TableName: table(),
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :team)',
    ExpressionAttributeValues: { ':pk': keys.org(orgId).PK, ':team': prefixes.team },
  });
  return items.map(toTeam);
}

/**
 * A team with its members and grants, strongly consistent. The team item (its version) is read first,
 * then the partition: a change committed between the two reads has bumped the version, so a write
 * conditioned on the version read here fails instead of acting on members or grants newer than it.
 * (Read in parallel, the partition could predate the version and a removed grant be copied again.)
 */
export async function getTeamState(orgId: string, teamId: string): Promise<TeamState | undefined> {
  const teamOut = await dynamo.send(new GetCommand({ TableName: table(), Key: keys.team(orgId, teamId), ConsistentRead: true }));
  if (!teamOut.Item) return undefined;
  const partition: Item[] = await queryAll({
    TableName: table(),
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.teamPK(orgId, teamId) },
    ConsistentRead: true,
  });
  const state: TeamState = { team: toTeam(teamOut.Item), members: [], grants: [] };
  for (const item of partition) {
    const sk = item.SK as string;
    if (sk.startsWith(prefixes.teamMember)) state.members.push({ userId: item.userId as string, addedAt: item.addedAt as string });
    else if (sk.startsWith(prefixes.teamGrant)) state.grants.push(toTeamGrant(item));
  }
  return state;
}

/**
 * Condition on the version read with the state and bump it: the lock every team change takes.
 * Additions also require that the team is not being deleted; removals go on during a deletion.
 */
function versionItem(team: Team, kind: 'add' | 'remove' | { markDeletingAt: string }): TxItem {
  const mark = typeof kind === 'object' ? kind : undefined;
  return {
    op: {
      Update: {
        TableName: table(),
        Key: keys.team(team.orgId, team.teamId),
        // The mark also puts the team on the sweep's sparse index, so the job finishes a deletion
        // whose request died; the entry goes with the team item.
        UpdateExpression: mark ? 'SET version = :next, deleting = :true, GSI3PK = :sweep, GSI3SK = :sk' : 'SET version = :next',
        ConditionExpression: kind === 'remove' ? 'version = :version' : 'version = :version AND attribute_not_exists(deleting)',
        ExpressionAttributeValues: {
          ':version': team.version,
          ':next': team.version + 1,
          ...(mark
            ? { ':true': true, ':sweep': keys.teamSweep(), ':sk': keys.teamSweepSort(mark.markDeletingAt, team.orgId, team.teamId) }
            : {}),
        },
      },
    },
    onConditionFailed: () => new StaleRead(),
  };
}

function copyItem(orgId: string, teamId: string, userId: string, g: StoredGrant): Item {
  const scopeKey = scopeKeyOf(g.scope, g.target);
  return {
    ...keys.userTeamGrant(orgId, userId, teamId, scopeKey),
    type: 'TeamGrantCopy',
    orgId,
    userId,
    teamId,
    scope: g.scope,
    target: g.target,
    role: g.role,
    ...(g.permissions ? { permissions: g.permissions } : {}),
  };
}

const put = (Item: Item): TxItem => ({ op: { Put: { TableName: table(), Item } } });
const del = (Key: { PK: string; SK: string }): TxItem => ({ op: { Delete: { TableName: table(), Key } } });

/** Add a member: the team member item, their TEAM# item, a copy of every team grant, MEMBER.version bumped. */
export async function addTeamMember(state: TeamState, userId: string, now: string): Promise<void> {
  const { orgId, teamId } = state.team;
  await transact([
    versionItem(state.team, 'add'),
    memberVersionItem(orgId, userId),
    put({ ...keys.teamMember(orgId, teamId, userId), type: 'TeamMember', orgId, teamId, userId, addedAt: now }),
    put({ ...keys.userTeam(orgId, userId, teamId), type: 'TeamMembership', orgId, teamId, userId, addedAt: now }),
    ...state.grants.map((g) => put(copyItem(orgId, teamId, userId, g))),
  ]);
}

/**
 * Remove a member with their copies of the team's grants. `checks`: conditions of the larger change
 * this is a step of (an org removal's check that another Administrator remains), in the same transaction.
 */
export async function removeTeamMember(state: TeamState, userId: string, checks: TxItem[] = []): Promise<void> {
  const { orgId, teamId } = state.team;
  await transact([
    versionItem(state.team, 'remove'),
    del(keys.teamMember(orgId, teamId, userId)),
    del(keys.userTeam(orgId, userId, teamId)),
    ...state.grants.map((g) => del(keys.userTeamGrant(orgId, userId, teamId, scopeKeyOf(g.scope, g.target)))),
    ...checks,
  ]);
}

/** Give the team a role at a scope (replacing its previous one there), copied to every member. */
export async function putTeamGrant(state: TeamState, grant: TeamGrant, checks: TxItem[], now: string): Promise<void> {
  const { orgId, teamId } = state.team;
  const scopeKey = scopeKeyOf(grant.scope, grant.target);
  const previous = state.grants.find((g) => scopeKeyOf(g.scope, g.target) === scopeKey);
  const items: TxItem[] = [
    versionItem(state.team, 'add'),
    put({
      ...keys.teamGrant(orgId, teamId, scopeKey),
      type: 'TeamGrant',
      orgId,
      teamId,
      ...grant,
      grantedAt: now,
      GSI1PK: keys.scopeMembers(orgId, scopeKey),
      GSI1SK: keys.principalTeam(teamId),
    }),
    ...checks,
    ...state.members.map((m) => put(copyItem(orgId, teamId, m.userId, grant))),
  ];
  if (previous?.role !== grant.role) {
    if (isCustomGrant(grant)) items.push(roleUseItem(orgId, grant.role, 1));
    if (previous && isCustomGrant(previous)) items.push(roleUseItem(orgId, previous.role, -1));
  }
  await transact(items);
}

/** Take a role away from the team and from every member's copies. */
export async function deleteTeamGrant(state: TeamState, grant: StoredGrant): Promise<void> {
  const { orgId, teamId } = state.team;
  const scopeKey = scopeKeyOf(grant.scope, grant.target);
  const items: TxItem[] = [
    versionItem(state.team, 'remove'),
    del(keys.teamGrant(orgId, teamId, scopeKey)),
    ...state.members.map((m) => del(keys.userTeamGrant(orgId, m.userId, teamId, scopeKey))),
  ];
  if (isCustomGrant(grant)) items.push(roleUseItem(orgId, grant.role, -1));
  await transact(items);
}

/** Mark the team as being deleted (no member or grant can be added from now on), and due for the sweep. */
export async function markTeamDeleting(state: TeamState, markedAt: string): Promise<void> {
  await transact([versionItem(state.team, { markDeletingAt: markedAt })]);
}

/**
 * Take a role from a team being deleted, with every member's copy. Once the team is marked nothing is
 * added to it, so `memberIds` (read after the mark) holds everyone with a copy and copies only go away:
 * the copies are deleted in parallel batches (1 write unit each instead of a transaction's 2), and the
 * team's grant item last, in a transaction with the custom role's count. Until that item is gone a
 * later run finds the grant and deletes its copies again, so a deletion that dies half-way resumes.
 * No version lock (these removals commute with members leaving), so several grants go at once; the
 * grant's delete is conditioned on its existence, so two deleters never count a custom role out twice.
 * Returns false if the grant was already gone.
 */
export async function deleteGrantOfDeletedTeam(team: Team, grant: StoredGrant, memberIds: string[]): Promise<boolean> {
  const { orgId, teamId } = team;
  const scopeKey = scopeKeyOf(grant.scope, grant.target);
  await deleteItems(memberIds.map((userId) => keys.userTeamGrant(orgId, userId, teamId, scopeKey)), 4);
  const items: TxItem[] = [
    {
      op: { Delete: { TableName: table(), Key: keys.teamGrant(orgId, teamId, scopeKey), ConditionExpression: 'attribute_exists(PK)' } },
      onConditionFailed: () => new GrantGone(),
    },
  ];
  if (isCustomGrant(grant)) items.push(roleUseItem(orgId, grant.role, -1));
  try {
    await transact(items);
    return true;
  } catch (err) {
    if (err instanceof GrantGone) return false;
    throw err;
  }
}

class GrantGone extends Error {}

/** Members a transaction removes from a team being deleted: 1 + 2 per member (+ copies of grants left) items. */
export const MEMBERS_PER_REMOVAL = 45;

/** Remove several members (and their copies of any grant left) from a team, in one transaction under its lock. */
export async function removeTeamMembers(state: TeamState, userIds: string[]): Promise<void> {
  const { orgId, teamId } = state.team;
  const items: TxItem[] = [versionItem(state.team, 'remove')];
  for (const userId of userIds) {
    items.push(
      del(keys.teamMember(orgId, teamId, userId)),
      del(keys.userTeam(orgId, userId, teamId)),
      ...state.grants.map((g) => del(keys.userTeamGrant(orgId, userId, teamId, scopeKeyOf(g.scope, g.target)))),
    );
  }
  await transact(items);
}

/** Delete an emptied team's item (and with it its sweep entry). Its members and grants have been removed. */
export async function deleteTeamItem(orgId: string, teamId: string): Promise<void> {
  await transact([
    {
      op: { Delete: { TableName: table(), Key: keys.team(orgId, teamId), ConditionExpression: 'attribute_exists(PK)' } },
      onConditionFailed: () => notFound(`The team ${teamId}`),
    },
  ]);
}

/** Teams marked deleting before `markedBefore` (ISO), oldest first: the sparse TEAMSWEEP entries of byExpiry. */
export async function teamsToSweep(markedBefore: string, limit = 100): Promise<{ orgId: string; teamId: string }[]> {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: table(),
      IndexName: 'byExpiry',
      KeyConditionExpression: 'GSI3PK = :sweep AND GSI3SK < :before',
      ExpressionAttributeValues: { ':sweep': keys.teamSweep(), ':before': markedBefore },
      ProjectionExpression: 'orgId, teamId',
      Limit: limit,
    }),
  );
  return (out.Items ?? []).map((i) => ({ orgId: i.orgId as string, teamId: i.teamId as string }));
}

/**
 * Delete a team of an organization marked deleted: lock it first (bump its version and mark it, so a
 * team change still in flight fails instead of writing after the sweep), then its partition, then its
 * item. Members' copies are inert and go with their collections (store/orgs.ts sweepMemberCollection).
 */
export async function sweepTeamOfDeletedOrganization(orgId: string, teamId: string): Promise<void> {
  try {
    await dynamo.send(
      new UpdateCommand({
        TableName: table(),
        Key: keys.team(orgId, teamId),
        UpdateExpression: 'SET version = if_not_exists(version, :zero) + :one, deleting = :true',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':true': true },
      }),
    );
  } catch (err) {
    if ((err as Error).name === 'ConditionalCheckFailedException') return;
    throw err;
  }
  await deleteItems(await partitionKeys(keys.teamPK(orgId, teamId)));
  await deleteTeamItem(orgId, teamId).catch((err: unknown) => {
    if (!(err instanceof DomainError && err.code === 'not_found')) throw err;
  });
}

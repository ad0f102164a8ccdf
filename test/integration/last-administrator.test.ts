// The last-Administrator invariant under concurrent requests, over HTTP against DynamoDB Local.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgWithMembers } from '../support/fixtures';
import { harness, type Harness, type TestUser } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

async function adminState(caller: TestUser, orgId: string) {
  const org = await caller.api('GET', `/v1/orgs/${orgId}`);
  const members = await caller.api('GET', `/v1/orgs/${orgId}/members`);
  const admins = (members.body.members as { role: string }[]).filter((m) => m.role === 'Administrator').length;
  return { counted: org.body.adminCount as number, admins };
}

describe('at least one Administrator remains', () => {
  it('under 10 parallel demotions of 10 Administrators', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Administrator: 9 });
    const admins = [admin, ...members.Administrator!];
    expect(admins).toHaveLength(10);
    const results = await Promise.all(
      admins.map((a) => a.api('PUT', `/v1/orgs/${orgId}/members/${a.userId}/role`, { role: 'Member' })),
    );
    for (const r of results) {
      expect([200, 409]).toContain(r.status);
      if (r.status === 409) expect(r.body.error.code).toBe('last_administrator');
    }
    const succeeded = results.filter((r) => r.status === 200).length;
    expect(succeeded).toBe(9);
    const survivor = admins[results.findIndex((r) => r.status === 409)]!;
    expect(await adminState(survivor, orgId)).toEqual({ counted: 1, admins: 1 });
  });

  it('under parallel removals and demotions mixed', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Administrator: 5 });
    const admins = [admin, ...members.Administrator!];
    const results = await Promise.all(
      admins.map((a, i) =>
        i % 2 === 0
          ? a.api('DELETE', `/v1/orgs/${orgId}/members/${a.userId}`)
          : a.api('PUT', `/v1/orgs/${orgId}/members/${a.userId}/role`, { role: 'Manager' }),
      ),
    );
    for (const r of results) {
      expect([200, 204, 409]).toContain(r.status);
      if (r.status === 409) expect(r.body.error.code).toBe('last_administrator');
    }
    expect(results.filter((r) => r.status === 409)).toHaveLength(1);
    const survivor = admins[results.findIndex((r) => r.status === 409)]!;
    expect(await adminState(survivor, orgId)).toEqual({ counted: 1, admins: 1 });
  });

  it('when an Administrator demotes another while that one demotes the first', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Administrator: 1 });
    const other = members.Administrator![0]!;
    const results = await Promise.all([
      admin.api('PUT', `/v1/orgs/${orgId}/members/${other.userId}/role`, { role: 'Member' }),
      other.api('PUT', `/v1/orgs/${orgId}/members/${admin.userId}/role`, { role: 'Member' }),
    ]);
    // One wins; the other is refused as last administrator, or forbidden once its caller was demoted.
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expect(['last_administrator', 'forbidden']).toContain(r.body.error.code);
    const winner = results[0]!.status === 200 ? admin : other;
    expect(await adminState(winner, orgId)).toEqual({ counted: 1, admins: 1 });
  });
});

describe('role rules over HTTP', () => {
  it('a Manager may not make anyone Administrator, nor demote or remove an Administrator', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Manager: 1, Member: 1 });
    const manager = members.Manager![0]!;
    const member = members.Member![0]!;
    const promote = await manager.api('PUT', `/v1/orgs/${orgId}/members/${member.userId}/role`, { role: 'Administrator' });
    expect(promote.status).toBe(403);
    const demote = await manager.api('PUT', `/v1/orgs/${orgId}/members/${admin.userId}/role`, { role: 'Member' });
    expect(demote.status).toBe(403);
    const remove = await manager.api('DELETE', `/v1/orgs/${orgId}/members/${admin.userId}`);
    expect(remove.status).toBe(403);
    const removeMember = await manager.api('DELETE', `/v1/orgs/${orgId}/members/${member.userId}`);
    expect(removeMember.status).toBe(204);
  });

  it('an Administrator promotes and demotes, and the admin count follows', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 1 });
    const member = members.Member![0]!;
    expect((await admin.api('PUT', `/v1/orgs/${orgId}/members/${member.userId}/role`, { role: 'Administrator' })).status).toBe(200);
    expect(await adminState(admin, orgId)).toEqual({ counted: 2, admins: 2 });
    expect((await member.api('PUT', `/v1/orgs/${orgId}/members/${admin.userId}/role`, { role: 'Member' })).status).toBe(200);
    expect(await adminState(member, orgId)).toEqual({ counted: 1, admins: 1 });
    // The demoted one can no longer change roles.
    const back = await admin.api('PUT', `/v1/orgs/${orgId}/members/${admin.userId}/role`, { role: 'Administrator' });
    expect(back.status).toBe(403);
  });

  it('a removed member loses access at once', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 1 });
    const member = members.Member![0]!;
    expect((await member.api('GET', `/v1/orgs/${orgId}`)).status).toBe(200);
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/members/${member.userId}`)).status).toBe(204);
    expect((await member.api('GET', `/v1/orgs/${orgId}`)).status).toBe(404);
  });
});

describe('removing an Administrator who is in more teams than one transaction holds', () => {
  async function inTeams(reader: TestUser, orgId: string, teamIds: string[], userId: string) {
    const found: string[] = [];
    for (const id of teamIds) {
      const team = await reader.api('GET', `/v1/orgs/${orgId}/teams/${id}`);
      expect(team.status).toBe(200);
      if ((team.body.members as { userId: string }[]).some((m) => m.userId === userId)) found.push(id);
    }
    return found;
  }
  async function teamsWith(admin: TestUser, orgId: string, users: TestUser[], n: number) {
    const teamIds = Array.from({ length: n }, (_, i) => `many${i}`);
    for (const id of teamIds) {
      expect((await admin.api('POST', `/v1/orgs/${orgId}/teams`, { id, name: id })).status).toBe(201);
      for (const u of users) expect((await admin.api('PUT', `/v1/orgs/${orgId}/teams/${id}/members/${u.userId}`)).status).toBe(200);
    }
    return teamIds;
  }

  it('refuses the only Administrator leaving with 409 before any team is left: still in all 22 teams', async () => {
    const { orgId, admin } = await orgWithMembers(h);
    const teamIds = await teamsWith(admin, orgId, [admin], 22);
    const leave = await admin.api('DELETE', `/v1/orgs/${orgId}/members/${admin.userId}`);
    expect(leave.status).toBe(409);
    expect(leave.body.error.code).toBe('last_administrator');
    expect(await inTeams(admin, orgId, teamIds, admin.userId)).toEqual(teamIds);
    expect(await adminState(admin, orgId)).toEqual({ counted: 1, admins: 1 });
  });

  it('removes such an Administrator from the org and from all 22 teams while another one remains', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Administrator: 1 });
    const other = members.Administrator![0]!;
    const teamIds = await teamsWith(admin, orgId, [other], 22);
    expect((await admin.api('DELETE', `/v1/orgs/${orgId}/members/${other.userId}`)).status).toBe(204);
    expect(await inTeams(admin, orgId, teamIds, other.userId)).toEqual([]);
    expect(await adminState(admin, orgId)).toEqual({ counted: 1, admins: 1 });
  });

  it('keeps one Administrator when the last two, each in 22 teams, leave at once', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Administrator: 1 });
    const other = members.Administrator![0]!;
    const teamIds = await teamsWith(admin, orgId, [admin, other], 22);
    const results = await Promise.all([admin, other].map((a) => a.api('DELETE', `/v1/orgs/${orgId}/members/${a.userId}`)));
    expect(results.map((r) => r.status).sort()).toEqual([204, 409]);
    expect(results.find((r) => r.status === 409)!.body.error.code).toBe('last_administrator');
    const survivor = results[0]!.status === 409 ? admin : other;
    const leaver = survivor === admin ? other : admin;
    expect(await adminState(survivor, orgId)).toEqual({ counted: 1, admins: 1 });
    expect(await inTeams(survivor, orgId, teamIds, leaver.userId)).toEqual([]);
  });
});


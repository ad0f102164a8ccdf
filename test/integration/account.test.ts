// Deleting one's account (DELETE /v1/me) over HTTP against DynamoDB Local: never leaves an
// organization without an Administrator (also when two last Administrators delete at once), takes
// along the organizations one is the only member of, releases the e-mail, refuses tokens issued
// before the deletion, and the scheduled job's second look removes memberships the index showed late.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepDeletedAccounts } from '../../functions/operations/account';
import { getAccountTombstone, getDeletedOrganization, getMembership, getOrganization, getUserIdByEmail } from '../../functions/store/orgs';
import { addMember, orgWithMembers } from '../support/fixtures';
import { harness, type Harness, type TestUser } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => h.close());

const defaultOrgOf = async (u: TestUser) => ((await u.api('GET', '/v1/me')).body.organizations as { orgId: string; name: string }[]).find((o) => o.name === 'Default Organization')!.orgId;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('deleting one’s account', () => {
  it('is refused while the caller is the only Administrator of an organization with other members, and changes nothing', async () => {
    const { orgId, admin, members } = await orgWithMembers(h, { Member: 1 });
    const res = await admin.api('DELETE', '/v1/me');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('last_administrator');
    expect(res.body.error.details.organizations).toEqual([{ orgId, name: 'Fixture Org' }]);
    expect((await admin.api('GET', '/v1/me')).body.organizations).toHaveLength(2);
    expect(await getMembership(orgId, members.Member![0]!.userId)).toBeDefined();
    expect((await getOrganization(orgId))!.adminCount).toBe(1);
  });

  it('leaves every organization, deletes those it was the only member of, releases the e-mail, and refuses its old tokens', async () => {
    const { orgId: shared, admin, members } = await orgWithMembers(h, { Member: 1 });
    const [leaver] = members.Member!;
    const own = await defaultOrgOf(leaver!);
    // the leaver is also an Administrator of `shared` beside its creator
    expect((await admin.api('PUT', `/v1/orgs/${shared}/members/${leaver!.userId}/role`, { role: 'Administrator' })).status).toBe(200);

    // an invitation the leaver sent stays valid, without the leaver's name or address
    const guestEmail = `guest-${leaver!.userId.slice(0, 8)}@example.com`;
    expect((await leaver!.api('POST', `/v1/orgs/${shared}/invitations`, { email: guestEmail })).status).toBe(201);
    const guestToken = /\/invite\/([A-Za-z0-9_.-]+)/.exec((await h.mailTo(guestEmail)).at(-1)!.body.text ?? '')![1]!;

    expect((await leaver!.api('DELETE', '/v1/me')).status).toBe(204);
    const preview = (await fetch(`${h.url}/v1/invitations/${guestToken}`).then((r) => r.json())) as { invitedBy: unknown };
    expect(preview.invitedBy).toEqual({ name: 'A former member', email: '' });
    expect(JSON.stringify(await admin.api('GET', `/v1/orgs/${shared}/members`))).not.toContain(leaver!.email);
    expect(await getMembership(shared, leaver!.userId)).toBeUndefined();
    expect(await getOrganization(shared)).toMatchObject({ adminCount: 1, memberCount: 1 });
    expect(await getOrganization(own)).toBeUndefined();
    expect(await getDeletedOrganization(own)).toBeDefined(); // marked: the job finishes the sweep
    expect(await getUserIdByEmail(leaver!.email)).toBeUndefined();
    expect(await getAccountTombstone(leaver!.userId)).toMatchObject({ userId: leaver!.userId, email: leaver!.email });

    const stale = await leaver!.api('GET', '/v1/me');
    expect(stale.status).toBe(401);
    expect(stale.body.error.message).toMatch(/account was deleted/);
    expect((await leaver!.api('POST', '/v1/orgs', { name: 'Sneaky' })).status).toBe(401);
    expect((await leaver!.api('GET', `/v1/orgs/${shared}`)).status).toBe(404);
    expect((await leaver!.api('DELETE', '/v1/me')).status).toBe(204); // deleted already: idempotent

    // signing in again (a token issued after the deletion) starts a new account
    await sleep(1100);
    const again = await h.user({ email: leaver!.email });
    const me = await again.api('GET', '/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.organizations.map((o: { orgId: string }) => o.orgId)).not.toContain(shared);
    expect(me.body.organizations).toHaveLength(1);
  });

  it('of the last two Administrators at once: one goes, the other gets 409, and one Administrator remains', async () => {
    for (let round = 0; round < 3; round++) {
      const { orgId, admin } = await orgWithMembers(h);
      const second = await h.user();
      await addMember(orgId, second, 'Administrator');
      const answers = await Promise.all([admin.api('DELETE', '/v1/me'), second.api('DELETE', '/v1/me')]);
      expect(answers.map((a) => a.status).sort()).toEqual([204, 409]);
      const refused = answers.find((a) => a.status === 409)!;
      expect(refused.body.error.code).toBe('last_administrator');
      expect(refused.body.error.details.organizations).toEqual([{ orgId, name: 'Fixture Org' }]);
      expect(await getOrganization(orgId)).toMatchObject({ adminCount: 1, memberCount: 1 });
      // the refused one lost nothing it cannot get back: its own Default Organization is still there
      const loser = answers[0]!.status === 409 ? admin : second;
      const mine = await loser.api('GET', '/v1/me');
      expect(mine.status).toBe(200);
      expect(mine.body.organizations.map((o: { orgId: string }) => o.orgId)).toContain(orgId);
      if (loser === admin) expect(mine.body.organizations).toHaveLength(2);
    }
  });

  it('racing an invitation accept (even one making it Administrator), leaves the deleted account a member of nothing', async () => {
    for (let round = 0; round < 4; round++) {
      const { orgId, admin } = await orgWithMembers(h);
      const leaver = await h.user();
      const sent = await admin.api('POST', `/v1/orgs/${orgId}/invitations`, { email: leaver.email, role: 'Administrator' });
      expect(sent.status).toBe(201);
      const token = /\/invite\/([A-Za-z0-9_.-]+)/.exec((await h.mailTo(leaver.email)).at(-1)!.body.text ?? "")![1]!;
      const [deleted, accepted] = await Promise.all([leaver.api('DELETE', '/v1/me'), leaver.api('POST', `/v1/invitations/${token}/accept`)]);
      // Either the accept committed first (and the deletion left the org again) or the marked account joined nothing.
      expect([200, 401]).toContain(accepted.status);
      expect(deleted.status).toBe(204);
      await sweepDeletedAccounts(0);
      expect(await getMembership(orgId, leaver.userId)).toBeUndefined();
      expect(await getOrganization(orgId)).toMatchObject({ adminCount: 1, memberCount: 1 });
    }
  });

  it('the second look removes a membership the index had not shown yet, then leaves the tombstone off the index', async () => {
    const { orgId, members } = await orgWithMembers(h, { Member: 1 });
    const [leaver] = members.Member!;
    expect((await leaver!.api('DELETE', '/v1/me')).status).toBe(204);
    // as if the user had joined just before the deletion and the index showed it only later
    await addMember(orgId, leaver!, 'Member');
    expect(await getMembership(orgId, leaver!.userId)).toBeDefined();
    expect((await sweepDeletedAccounts(0)).swept).toBeGreaterThanOrEqual(1);
    expect(await getMembership(orgId, leaver!.userId)).toBeUndefined();
    expect(await getOrganization(orgId)).toMatchObject({ memberCount: 1 });
    const again = await sweepDeletedAccounts(0);
    expect(again.swept).toBe(0);
  });
});

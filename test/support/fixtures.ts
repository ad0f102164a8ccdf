// Fixture factories for arranging state directly through the store (the act step goes over HTTP).
import type { Membership } from '../../functions/domain/model';
import { joinItems } from '../../functions/store/orgs';
import { transact } from '../../functions/store/transact';
import type { Harness, TestUser } from './harness';

/** Make a signed-in user a member of an org with a role, as an accepted invitation would. */
export async function addMember(orgId: string, user: TestUser, role = 'Member', overrides: Partial<Membership> = {}) {
  await transact(joinItems({ orgId, userId: user.userId, email: user.email, role, joinedAt: new Date().toISOString(), ...overrides }));
}

/** An org created over HTTP by a fresh Administrator, with `n` more users in each given role. */
export async function orgWithMembers(h: Harness, roles: Partial<Record<string, number>> = {}) {
  const admin = await h.user();
  const created = await admin.api('POST', '/v1/orgs', { name: 'Fixture Org' });
  if (created.status !== 201) throw new Error(`org creation failed: ${created.status}`);
  const orgId = created.body.orgId as string;
  const members: Record<string, TestUser[]> = {};
  for (const [role, count] of Object.entries(roles)) {
    members[role] = [];
    for (let i = 0; i < (count ?? 0); i++) {
      const user = await h.user();
      await addMember(orgId, user, role);
      members[role].push(user);
    }
  }
  return { orgId, admin, members };
}

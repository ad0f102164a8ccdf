// The organization-role rules, without I/O.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/domain/errors';
import { INITIAL_DEFAULT_ROLES, subjectGrants, type Grant } from '../../functions/domain/evaluator';
import type { Membership } from '../../functions/domain/model';
import {
  assertMayChangeOrgRole,
  assertMayGrantOrgRole,
  assertMayRemoveMember,
  assertSelfChangeIsDownward,
  builtInOrgRole,
} from '../../functions/domain/org-roles';
import { ORG_ROLES, type OrgRole } from '../../functions/domain/permissions';

const grantsOf = (role: OrgRole): Grant[] =>
  subjectGrants({ orgId: 'o1', userId: 'actor', orgRole: role, grants: [] }, INITIAL_DEFAULT_ROLES);

const member = (overrides: Partial<Membership> = {}): Membership => ({
  orgId: 'o1',
  userId: 'target',
  email: 'target@example.com',
  role: 'Member',
  joinedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
}

describe('granting an org role (invitations, role changes)', () => {
  // [actor, role granted, allowed]
  const table: [OrgRole, OrgRole, boolean][] = ORG_ROLES.flatMap((actor) =>
    ORG_ROLES.map((granted): [OrgRole, OrgRole, boolean] => {
      const rank = (r: OrgRole) => ORG_ROLES.indexOf(r);
      const allowed = actor === 'Administrator' || (granted !== 'Administrator' && rank(granted) <= rank(actor));
      return [actor, granted, allowed];
    }),
  );
  it.each(table)('%s granting %s → allowed: %s', (actor, granted, allowed) => {
    const code = codeOf(() => assertMayGrantOrgRole(grantsOf(actor), granted, builtInOrgRole(granted)));
    expect(code).toBe(allowed ? undefined : 'forbidden');
  });

  it('refuses a custom role holding a permission the Manager lacks', () => {
    expect(codeOf(() => assertMayGrantOrgRole(grantsOf('Manager'), 'Billing', ['org.read', 'defaultRoles.update']))).toBe('forbidden');
    expect(codeOf(() => assertMayGrantOrgRole(grantsOf('Manager'), 'Reader', ['org.read']))).toBeUndefined();
  });

  it('rejects an unknown built-in role name', () => {
    expect(codeOf(() => builtInOrgRole('Overlord'))).toBe('validation_failed');
  });
});

describe('changing the org role of a member', () => {
  it.each(ORG_ROLES)('only an Administrator changes another member’s role (actor %s)', (actor) => {
    const code = codeOf(() => assertMayChangeOrgRole(grantsOf(actor), 'actor', member()));
    expect(code).toBe(actor === 'Administrator' ? undefined : 'forbidden');
  });

  it('lets anyone lower their own role but not raise it', () => {
    const self = member({ userId: 'actor', role: 'Manager' });
    expect(codeOf(() => assertMayChangeOrgRole(grantsOf('Manager'), 'actor', self))).toBeUndefined();
    expect(codeOf(() => assertSelfChangeIsDownward(grantsOf('Manager'), 'actor', self, builtInOrgRole('Member')))).toBeUndefined();
    expect(codeOf(() => assertSelfChangeIsDownward(grantsOf('Manager'), 'actor', self, builtInOrgRole('Administrator')))).toBe('forbidden');
  });

  it('does not let an org role held through a team become the member’s own', () => {
    const self = member({ userId: 'actor', role: 'Member' });
    const viaTeam = subjectGrants(
      { orgId: 'o1', userId: 'actor', orgRole: 'Member', grants: [{ scope: 'org', target: '', role: 'Manager', permissions: builtInOrgRole('Manager'), via: { kind: 'team', teamId: 'mgrs' } }] },
      INITIAL_DEFAULT_ROLES,
    );
    expect(codeOf(() => assertSelfChangeIsDownward(viaTeam, 'actor', self, builtInOrgRole('Manager')))).toBe('forbidden');
    expect(codeOf(() => assertSelfChangeIsDownward(viaTeam, 'actor', self, builtInOrgRole('Member')))).toBeUndefined();
  });
});

describe('removing a member', () => {
  const cases: [OrgRole, OrgRole, string | undefined][] = [
    ['Administrator', 'Administrator', undefined],
    ['Administrator', 'Member', undefined],
    ['Manager', 'Member', undefined],
    ['Manager', 'Manager', undefined],
    ['Manager', 'Administrator', 'forbidden'],
    ['ArtifactContributor', 'Member', 'forbidden'],
    ['Member', 'Member', 'forbidden'],
  ];
  it.each(cases)('%s removing a %s → %s', (actor, target, expected) => {
    expect(codeOf(() => assertMayRemoveMember(grantsOf(actor), 'actor', member({ role: target })))).toBe(expected);
  });

  it('lets every member leave (the last-Administrator rule is the store’s)', () => {
    for (const role of ORG_ROLES) {
      expect(codeOf(() => assertMayRemoveMember(grantsOf(role), 'actor', member({ userId: 'actor', role })))).toBeUndefined();
    }
  });
});

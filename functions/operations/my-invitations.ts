// Invitations pending for an e-mail address, shown on GET /v1/me: the guards listed for the address
// (byPrincipal, GSI2PK=EMAIL#<email>) that have not expired, with the organizations' names (BatchGet).
// No link in here: only the mail holds the secret.

import { clock } from '../lib/clock';
import { listInvitationsForEmail } from '../store/invitations';
import { getOrganizations } from '../store/orgs';

export interface MyInvitation {
  orgId: string;
  orgName: string;
  invitationId: string;
  role: string;
  invitedBy: { userId: string; email: string; name?: string };
  expiresAt: string;
}

export async function myInvitations(email: string): Promise<MyInvitation[]> {
  const pending = await listInvitationsForEmail(email, clock.nowSeconds());
  if (pending.length === 0) return [];
  const orgs = await getOrganizations([...new Set(pending.map((p) => p.orgId))]);
  return pending.flatMap((p) => {
    const org = orgs.get(p.orgId);
    if (!org) return [];
    return [
      {
        orgId: p.orgId,
        orgName: org.name,
        invitationId: p.invitationId,
        role: p.role ?? org.defaultRoles.orgRole,
        invitedBy: p.invitedBy,
        expiresAt: new Date(p.expiresAt * 1000).toISOString(),
      },
    ];
  });
}

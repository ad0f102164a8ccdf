// Invitations pending for an e-mail address, shown on GET /v1/me (filled in by the invitations slice).

export async function myInvitations(_email: string): Promise<unknown[]> {
  return [];
}

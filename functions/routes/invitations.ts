// Routes: invitations (issue 3).

export const invitationRoutes = [];

// Scheduled cleanup of expired invitations (issue 3). Placeholder entry point.
export const handler = async (): Promise<{ marked: number }> => ({ marked: 0 });

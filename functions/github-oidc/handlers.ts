// The GitHub OIDC wrapper (issue 5). Placeholder entry points.
const notYet = async () => ({ statusCode: 501, body: '' });
export const authorize = notYet;
export const token = notYet;
export const userinfo = notYet;
export const jwks = notYet;
export const openidConfiguration = notYet;

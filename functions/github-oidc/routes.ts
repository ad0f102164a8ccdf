// The GitHub OIDC wrapper's routes (issue 5): path, and the export of functions/github-oidc/handlers.ts
// that serves it. The CDK stack declares one Lambda per entry from this list.
//
// `callback` is where GitHub sends the browser back (the GitHub OAuth App's "Authorization callback
// URL" must be `${OIDC_ISSUER}/callback`): the wrapper swaps its short state for Cognito's long one
// there, because GitHub rejects Cognito's long state for users who pass 2FA.

export const GITHUB_OIDC_ENTRY = 'functions/github-oidc/handlers.ts';

export const githubOidcRoutes = [
  { method: 'GET', path: '/oidc/github/authorize', handler: 'authorize' },
  { method: 'GET', path: '/oidc/github/callback', handler: 'callback' },
  { method: 'POST', path: '/oidc/github/token', handler: 'token' },
  { method: 'GET', path: '/oidc/github/userinfo', handler: 'userinfo' },
  { method: 'GET', path: '/oidc/github/.well-known/jwks.json', handler: 'jwks' },
  { method: 'GET', path: '/oidc/github/.well-known/openid-configuration', handler: 'openidConfiguration' },
] as const;

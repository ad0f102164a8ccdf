// The GitHub OIDC wrapper's routes (issue 5): path, and the export of functions/github-oidc/handlers.ts
// that serves it. The CDK stack declares one Lambda per entry from this list.

export const GITHUB_OIDC_ENTRY = 'functions/github-oidc/handlers.ts';

export const githubOidcRoutes = [
  { method: 'GET', path: '/oidc/github/authorize', handler: 'authorize' },
  { method: 'POST', path: '/oidc/github/token', handler: 'token' },
  { method: 'GET', path: '/oidc/github/userinfo', handler: 'userinfo' },
  { method: 'GET', path: '/oidc/github/.well-known/jwks.json', handler: 'jwks' },
  { method: 'GET', path: '/oidc/github/.well-known/openid-configuration', handler: 'openidConfiguration' },
] as const;

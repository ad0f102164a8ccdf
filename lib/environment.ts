// The environment variable names the handlers read, in one place. Handlers read them in
// functions/lib/config.ts, functions/http/auth.ts, functions/github-oidc/config.ts and the store
// client; if one of those renames a variable, this is the only infrastructure line to change.

export const ENV = {
  // every function
  nodeOptions: 'NODE_OPTIONS',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  // the table (set by ServiceFunction.useTable)
  tableName: 'TABLE_NAME',
  // API handlers
  publicUrl: 'PUBLIC_URL',
  jwtIssuer: 'JWT_ISSUER',
  jwtAudience: 'JWT_AUDIENCE',
  corsOrigin: 'CORS_ORIGIN',
  signInUrl: 'SIGN_IN_URL',
  // the identity directory (functions/cognito/directory.ts: deleting an account deletes its user)
  userPoolId: 'USER_POOL_ID',
  // mail (set by ServiceFunction.sendMail)
  mailFrom: 'MAIL_FROM',
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  // the GitHub OIDC wrapper (functions/github-oidc/config.ts)
  oidcIssuer: 'OIDC_ISSUER',
  githubClientId: 'GITHUB_CLIENT_ID',
  githubClientSecretId: 'GITHUB_CLIENT_SECRET_ID',
  oidcSigningKeySecretId: 'OIDC_SIGNING_KEY_SECRET_ID',
  allowedRedirectUris: 'ALLOWED_REDIRECT_URIS',
} as const;

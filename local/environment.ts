// The environment the handlers read at load, for the local runtime and the tests. Set before any
// handler module is imported.

export function setLocalEnvironment(input: { dynamoEndpoint: string; sesEndpoint: string; publicUrl: string; tableName: string }) {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: input.dynamoEndpoint,
    AWS_ENDPOINT_URL_SES: input.sesEndpoint,
    TABLE_NAME: input.tableName,
    PUBLIC_URL: input.publicUrl,
    MAIL_FROM: process.env.MAIL_FROM ?? 'org-access <no-reply@org-access.local>',
    JWT_ISSUER: `${input.publicUrl}/_local`,
    JWT_AUDIENCE: 'org-access-local',
    // Never fetched: the local JWKS is handed to the verifier (cacheJwks). aws-jwt-verify insists on https.
    JWT_JWKS_URI: 'https://org-access.local/_local/jwks.json',
    SIGN_IN_URL: `${input.publicUrl}/_local/sign-in`,
    POWERTOOLS_SERVICE_NAME: 'org-access',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
  });
}

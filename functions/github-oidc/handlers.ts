// The GitHub OIDC wrapper's Lambda entry points (one Lambda per route of ./routes.ts). Thin: parse
// the API Gateway v2 event, call one use case of ./flow.ts. Configuration is read once, at load.

import { readConfig } from './config';
import { completeGitHubCallback, discovery, exchangeAuthorizationCode, publicKeys, startAuthorization, userInfo } from './flow';
import { endpoint, formBody, header, queryParams } from './oauth';

const config = readConfig();

/** GET /oidc/github/authorize: Cognito sends the browser here. */
export const authorize = endpoint('authorize', async (event) => startAuthorization(config, queryParams(event)));

/** GET /oidc/github/callback: GitHub sends the browser back here. */
export const callback = endpoint('callback', async (event) => completeGitHubCallback(config, queryParams(event)));

/** POST /oidc/github/token: Cognito redeems the code (server to server). */
export const token = endpoint('token', async (event) => exchangeAuthorizationCode(config, formBody(event), header(event, 'authorization')));

/** GET /oidc/github/userinfo: Cognito reads the user's attributes with the access token. */
export const userinfo = endpoint('userinfo', async (event) => userInfo(config, header(event, 'authorization')));

/** GET /oidc/github/.well-known/jwks.json */
export const jwks = endpoint('jwks', async () => publicKeys());

/** GET /oidc/github/.well-known/openid-configuration */
export const openidConfiguration = endpoint('openid-configuration', async () => discovery(config));

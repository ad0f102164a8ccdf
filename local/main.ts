// `npm start`: the whole service on localhost. DynamoDB Local (data under .data/, or --in-memory),
// a local SES whose mail can be read, the local sign-in, and every route of the route table.
//   npm start -- [--port 3000] [--in-memory] [--data-dir .data]

import './preamble';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureTable, freePort, isPortFree, startDynamoLocal } from './dynamo';
import { setLocalEnvironment } from './environment';
import { startSesLocal } from './ses';
import { createLocalSigner } from './sign-in';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    'in-memory': { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: '.data' },
  },
});
const port = Number(values.port);
const HOST = '127.0.0.1';
const inMemory = values['in-memory'];
const dataDir = resolve(values['data-dir']);

const stops: (() => Promise<void>)[] = [];
let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const s of stops.reverse()) await s().catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGHUP', () => void stop(0));

try {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (0-65535), not "${values.port}".`);
  // Checked before Java starts, so a port in use costs nothing to clean up; the listen below still
  // rejects (and stop() runs) if something takes the port meanwhile.
  const listenPort = port === 0 ? await freePort() : port;
  if (!(await isPortFree(listenPort, HOST))) {
    throw new Error(`Port ${listenPort} on ${HOST} is already in use. Stop what listens there, or start on another port: npm start -- --port <number>.`);
  }
  const dynamo = await startDynamoLocal(inMemory ? {} : { dataDir: join(dataDir, 'dynamodb') });
  stops.push(dynamo.stop);
  const ses = await startSesLocal(0);
  stops.push(ses.stop);

  const publicUrl = `http://localhost:${listenPort}`;
  setLocalEnvironment({ dynamoEndpoint: dynamo.endpoint, sesEndpoint: ses.endpoint, publicUrl, tableName: 'org-access' });
  await ensureTable(dynamo.endpoint, 'org-access');

  const signer = await createLocalSigner({
    issuer: process.env.JWT_ISSUER!,
    audience: process.env.JWT_AUDIENCE!,
    ...(inMemory ? {} : { keyFile: join(dataDir, 'local-signing-key.json') }),
  });
  const { tokenVerifier } = await import('../functions/http/auth');
  tokenVerifier().cacheJwks(signer.jwks as Parameters<ReturnType<typeof tokenVerifier>['cacheJwks']>[0]);

  const { startLocalServer } = await import('./server');
  const { server } = await startLocalServer({ port: listenPort, host: HOST, signer, sesEndpoint: ses.endpoint });
  stops.push(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const { startLocalJobs } = await import('./jobs');
  stops.push(startLocalJobs());

  console.log(`org-access is running (${inMemory ? 'in memory' : `data in ${dataDir}`})
  API             ${publicUrl}/v1   (OpenAPI: ${publicUrl}/v1/openapi.json)
  Console         ${publicUrl}/
  Sign in         ${publicUrl}/_local/sign-in      POST ${publicUrl}/_local/login {email, provider}
  Test clock      POST ${publicUrl}/_local/clock {advanceSeconds}
  Mailbox         ${publicUrl}/_local/mailbox      GET ${publicUrl}/_local/mail
  SES viewer      ${ses.endpoint}/
  DynamoDB Local  ${dynamo.endpoint}   (pid ${dynamo.pid})
org-access listening on ${publicUrl}
Press Ctrl-C to stop.`);
} catch (err) {
  console.error(`org-access failed to start: ${(err as Error).message}`);
  await stop(1);
}

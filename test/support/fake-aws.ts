// A tiny AWS JSON-protocol endpoint (awsJson1_1: POST /, X-Amz-Target, JSON body) for services
// DynamoDB Local does not cover. Point the SDK at it with AWS_ENDPOINT_URL_<SERVICE>; the handlers'
// code path stays the one that runs in AWS. Every call is recorded (target and parsed body).

import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface AwsCall {
  /** The operation, e.g. 'ListUsers' (the part of X-Amz-Target after the dot). */
  operation: string;
  target: string;
  body: any;
}

export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export type Operations = Record<string, (body: any) => unknown>;

export interface FakeAwsService {
  url: string;
  calls: AwsCall[];
  close: () => Promise<void>;
}

export async function startFakeAwsService(operations: Operations): Promise<FakeAwsService> {
  const calls: AwsCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.split('.').pop() ?? '';
      let body: any = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        // recorded as {}
      }
      calls.push({ operation, target, body });
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `fake-${calls.length}` });
        res.end(JSON.stringify(payload));
      };
      const op = operations[operation];
      if (!op) return reply(400, { __type: 'UnknownOperationException', message: `The fake does not implement ${target}` });
      try {
        reply(200, op(body) ?? {});
      } catch (err) {
        if (err instanceof AwsError) return reply(400, { __type: err.type, message: err.message });
        reply(500, { __type: 'InternalFailure', message: String(err) });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface FakeSecretsManager extends FakeAwsService {
  /** PutSecretValue, as the operator runs it: the value becomes AWSCURRENT, the old one AWSPREVIOUS. */
  put: (secretId: string, value: string) => void;
}

/**
 * Secrets Manager with GetSecretValue over the given secrets (by id), by VersionStage (AWSCURRENT
 * by default, AWSPREVIOUS once a secret was changed with `put`).
 */
export async function startFakeSecretsManager(secrets: Record<string, string>): Promise<FakeSecretsManager> {
  type Version = { id: string; value: string; createdAt: number };
  const versions = new Map<string, { current: Version; previous?: Version }>();
  // Stored two days before the fake starts; `put` stores at the (possibly faked) wall clock's now.
  for (const [id, value] of Object.entries(secrets)) versions.set(id, { current: { id: randomUUID(), value, createdAt: Date.now() / 1000 - 2 * 86_400 } });
  const service = await startFakeAwsService({
    GetSecretValue: (body: { SecretId?: string; VersionStage?: string }) => {
      const secret = body.SecretId ? versions.get(body.SecretId) : undefined;
      if (!secret) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      const stage = body.VersionStage ?? 'AWSCURRENT';
      const version = stage === 'AWSCURRENT' ? secret.current : stage === 'AWSPREVIOUS' ? secret.previous : undefined;
      if (!version) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label: " + stage);
      return {
        ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${body.SecretId}-AbCdEf`,
        Name: body.SecretId,
        SecretString: version.value,
        VersionId: version.id,
        VersionStages: [stage],
        CreatedDate: version.createdAt,
      };
    },
  });
  return {
    ...service,
    put: (secretId, value) => {
      const secret = versions.get(secretId);
      versions.set(secretId, { current: { id: randomUUID(), value, createdAt: Date.now() / 1000 }, ...(secret ? { previous: secret.current } : {}) });
    },
  };
}

/** The Lambda context the runtime passes a handler (middy's injectLambdaContext reads it). */
export function lambdaContext(functionName: string, awsRequestId: string = randomUUID()): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/01/01/[$LATEST]0000',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

// Runs before each test file, before it imports any handler: a fresh table and the local environment.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { ensureTable } from '../../local/dynamo';
import { setLocalEnvironment } from '../../local/environment';

const tableName = `test-${randomBytes(6).toString('hex')}`;
setLocalEnvironment({
  dynamoEndpoint: inject('dynamoEndpoint'),
  sesEndpoint: inject('sesEndpoint'),
  publicUrl: 'http://localhost:0',
  tableName,
});
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
await ensureTable(inject('dynamoEndpoint'), tableName);

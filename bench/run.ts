// `npm run bench`: every benchmark in one process against one DynamoDB Local. Each prints ratios
// against a baseline measured in the same run, never absolute pass/fail thresholds.

import '../local/preamble';
import { ensureTable, startDynamoLocal } from '../local/dynamo';
import { setLocalEnvironment } from '../local/environment';

const dynamo = await startDynamoLocal();
try {
  const tableName = `bench-${Date.now()}`;
  setLocalEnvironment({ dynamoEndpoint: dynamo.endpoint, sesEndpoint: 'http://127.0.0.1:9', publicUrl: 'http://localhost:0', tableName });
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  await ensureTable(dynamo.endpoint, tableName);

  console.log('\n## Authorization: decisions per second, and DynamoDB calls per authorized request\n');
  const { authorizeBench } = await import('./authorize');
  await authorizeBench();

  console.log('\n## Invitation cleanup: items read per expired invitation as the table grows\n');
  const { cleanupBench } = await import('./cleanup');
  await cleanupBench();
} finally {
  await dynamo.stop();
}

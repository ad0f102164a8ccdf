// One DynamoDB document client per process, created at load. The SDK honours
// AWS_ENDPOINT_URL_DYNAMODB, so DynamoDB Local needs no code branch here.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }), {
  marshallOptions: { removeUndefinedValues: true },
});

let tableName: string | undefined;
/** The table name, read once from TABLE_NAME. */
export function table(): string {
  tableName ??= (() => {
    const name = process.env.TABLE_NAME;
    if (!name) throw new Error('Environment variable TABLE_NAME must be set');
    return name;
  })();
  return tableName;
}

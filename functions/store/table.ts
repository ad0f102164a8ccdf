// The one table's shape, shared by the CDK stack, the local runtime and the tests so that all three
// create exactly the same table. Index names say which access pattern they serve.

export const TABLE = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /** DynamoDB TTL attribute (epoch seconds). Only housekeeping: expiry is always decided on read. */
  ttlAttribute: 'ttl',
  indexes: {
    /** Who holds a role on a scope: members of an org, of an app, of an env type, of an env. */
    byScope: { partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
    /** What a principal belongs to: a user's organizations, the invitations pending for an e-mail. */
    byPrincipal: { partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
    /** Sparse, for the cleanup job: pending invitations by expiry hour; unfinished org and team deletions. */
    byExpiry: { partitionKey: 'GSI3PK', sortKey: 'GSI3SK' },
  },
} as const;

export type IndexName = keyof typeof TABLE.indexes;

/** CreateTable input for DynamoDB Local and tests (the CDK stack declares the same keys). */
export function createTableInput(tableName: string) {
  const attributes = [TABLE.partitionKey, TABLE.sortKey, ...Object.values(TABLE.indexes).flatMap((i) => [i.partitionKey, i.sortKey])];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: Object.entries(TABLE.indexes).map(([name, index]) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}

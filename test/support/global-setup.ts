// One DynamoDB Local and one local SES for the whole suite; each test file gets its own table.
import type { TestProject } from 'vitest/node';
import { startDynamoLocal } from '../../local/dynamo';
import { startSesLocal } from '../../local/ses';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sesEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dynamo = await startDynamoLocal();
  const ses = await startSesLocal(0);
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('sesEndpoint', ses.endpoint);
  return async () => {
    await ses.stop();
    await dynamo.stop();
  };
}

// GET /v1/openapi.json
import { openApi } from '../routes/orgs';
import { apiHandler, bind } from './api';
import { openApiDocument } from './openapi';

let document: ReturnType<typeof openApiDocument> | undefined;

export const handler = apiHandler([bind(openApi, async () => (document ??= openApiDocument()))]);

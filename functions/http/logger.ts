// Structured JSON logs with the request id (Powertools). Never log request bodies, paths or tokens:
// log the route template instead of the raw path, since invitation links carry their token in it.

import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'org-access' });

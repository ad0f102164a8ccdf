// Lambda of the 'apps' route group (routes in functions/routes/).
import { apiHandler } from './api';

export const handler = apiHandler([]);

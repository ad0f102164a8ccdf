// GET /invite/{token}: the page an invitation e-mail links to (issue 3).
import { apiHandler } from '../http/api';

export const handler = apiHandler([]);

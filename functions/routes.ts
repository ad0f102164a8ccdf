// The route table, once: method, path, the Lambda that serves it, the permission it needs, and its
// schemas. The CDK stack builds one function per group from it; the local server serves it.

import type { RouteSpec } from './http/route';
import { accessRoutes } from './routes/access';
import { invitationRoutes } from './routes/invitations';
import { orgRoutes } from './routes/orgs';

export const routes: readonly RouteSpec[] = [...orgRoutes, ...invitationRoutes, ...accessRoutes] as RouteSpec[];

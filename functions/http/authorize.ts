// POST /v1/orgs/{orgId}/authorize: the decision other services ask for.
import type { Permission } from '../domain/permissions';
import { authorize as decide } from '../operations/authorize';
import { authorize } from '../routes/access';
import { apiHandler, bind } from './api';

export const handler = apiHandler([bind(authorize, async ({ access, body }) => decide(access, { ...body, action: body.action as Permission }))]);

// /v1/orgs/{orgId}/apps…, /env-types…: apps, environment types, environments and the roles held on them.
import * as apps from '../operations/apps';
import * as r from '../routes/access';
import { apiHandler, bind } from './api';

export const handler = apiHandler([
  bind(r.createApp, async ({ access, body }) => apps.createApp(access, body)),
  bind(r.listApps, async ({ access, query }) => {
    const page = await apps.listApps(access, query.cursor);
    return { apps: page.items, ...(page.next ? { next: page.next } : {}) };
  }),
  bind(r.getApp, async ({ access, params }) => apps.getApp(access, params.appId)),
  bind(r.deleteApp, async ({ access, params }) => apps.deleteApp(access, params.appId)),
  bind(r.listAppMembers, async ({ access, params }) => apps.listAppMembers(access, params.appId)),
  bind(r.setAppMember, async ({ access, params, body }) => apps.setAppMember(access, params.appId, params.userId, body.role)),
  bind(r.removeAppMember, async ({ access, params }) => apps.removeAppMember(access, params.appId, params.userId)),
  bind(r.createEnvType, async ({ access, body }) => apps.createEnvType(access, body)),
  bind(r.listEnvTypes, async ({ access }) => ({ envTypes: await apps.listEnvTypes(access) })),
  bind(r.listEnvTypeMembers, async ({ access, params }) => apps.listEnvTypeMembers(access, params.typeId)),
  bind(r.setEnvTypeMember, async ({ access, params, body }) => apps.setEnvTypeMember(access, params.typeId, params.userId, body.role)),
  bind(r.removeEnvTypeMember, async ({ access, params }) => apps.removeEnvTypeMember(access, params.typeId, params.userId)),
  bind(r.createEnv, async ({ access, params, body }) => apps.createEnv(access, params.appId, body)),
  bind(r.listEnvs, async ({ access, params }) => ({ envs: await apps.listEnvs(access, params.appId) })),
  bind(r.getEnv, async ({ access, params }) => apps.getEnv(access, params.appId, params.envId)),
  bind(r.deleteEnv, async ({ access, params }) => apps.deleteEnv(access, params.appId, params.envId)),
  bind(r.listEnvMembers, async ({ access, params }) => apps.listEnvMembers(access, params.appId, params.envId)),
  bind(r.setEnvMember, async ({ access, params, body }) => apps.setEnvMember(access, params.appId, params.envId, params.userId, body.role)),
  bind(r.removeEnvMember, async ({ access, params }) => apps.removeEnvMember(access, params.appId, params.envId, params.userId)),
]);

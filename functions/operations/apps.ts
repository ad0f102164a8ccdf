// Use cases for apps, environment types and environments, and the roles held on them.
// Primary adapter: functions/http/apps.ts. Secondary adapters: functions/store/{apps,grants}.ts.

import { conflict, notFound } from '../domain/errors';
import type { Page } from '../domain/model';
import { clock } from '../lib/clock';
import * as store from '../store/apps';
import type { Access } from './access';
import { appEnvTypes } from './authorize';
import { grantRole, listScopeMembers, revokeRole, sweepGrants, type GrantView, type ScopeMembersView } from './grants';

export type AppView = Pick<store.App, 'appId' | 'name' | 'createdAt' | 'createdBy'>;
const appView = (a: store.App): AppView => ({ appId: a.appId, name: a.name, createdAt: a.createdAt, createdBy: a.createdBy });
export type EnvView = Pick<store.Environment, 'appId' | 'envId' | 'envTypeId' | 'createdAt' | 'createdBy'>;
const envView = (e: store.Environment): EnvView => ({ appId: e.appId, envId: e.envId, envTypeId: e.envTypeId, createdAt: e.createdAt, createdBy: e.createdBy });

// ---- apps ----

/**
 * Input: id (slug), name. Output: the app. Primary course: create it with the caller as Owner, in
 * one transaction. An id of a deleted app is reused only after its grants are swept again (a grant
 * the first sweep could not yet see on the index is caught here), so old grants never come back.
 */
export async function createApp(access: Access, input: { id: string; name: string }): Promise<AppView> {
  const orgId = access.org.orgId;
  const previous = await store.getAppRecord(orgId, input.id);
  if (previous?.deletedAt) await sweepApp(orgId, input.id);
  else if (previous) throw conflict(`An app with id ${input.id} exists already${previous.deleting ? ' (it is being deleted)' : ''}.`);
  const app: store.App = { orgId, appId: input.id, name: input.name, createdAt: clock.iso(), createdBy: access.identity.userId };
  await store.createApp(app, { userId: access.identity.userId, role: 'Owner' });
  return appView(app);
}

/** The apps the caller may see (app.read: an app role, a default app role, an environment role, or Administrator). */
export async function listApps(access: Access, cursor?: string): Promise<Page<AppView>> {
  const page = await store.listApps(access.org.orgId, cursor);
  return {
    items: page.items.filter((a) => access.decide('app.read', { appId: a.appId }).allowed).map(appView),
    ...(page.next ? { next: page.next } : {}),
  };
}

export async function getApp(access: Access, appId: string): Promise<AppView & { envs: EnvView[] }> {
  const [app, envs] = await Promise.all([store.getApp(access.org.orgId, appId), store.listEnvs(access.org.orgId, appId)]);
  if (!app) throw notFound(`The app ${appId}`);
  return { ...appView(app), envs: envs.map(envView) };
}

/**
 * Delete an app: Owner and Deployer on every environment type its environments use. Mark it (no
 * grant or environment can be added from then on), check again with the environments as they are
 * after the mark, sweep every grant on it and its environments, and leave a tombstone.
 */
export async function deleteApp(access: Access, appId: string): Promise<void> {
  const orgId = access.org.orgId;
  const app = await store.getAppRecord(orgId, appId);
  if (!app || app.deletedAt) throw notFound(`The app ${appId}`);
  access.require('app.delete', { appId, appEnvTypes: appEnvTypes(await store.listEnvRecords(orgId, appId)) });
  if (!app.deleting) await store.markAppDeleting(orgId, appId, true);
  const envs = await store.listEnvRecords(orgId, appId);
  if (!access.decide('app.delete', { appId, appEnvTypes: appEnvTypes(envs) }).allowed) {
    // An environment of a type the caller may not deploy to appeared meanwhile.
    if (!app.deleting) await store.markAppDeleting(orgId, appId, false);
    access.require('app.delete', { appId, appEnvTypes: appEnvTypes(envs) });
  }
  await sweepApp(orgId, appId, envs);
  await store.tombstoneApp(orgId, appId, clock.iso(), clock.nowSeconds());
}

async function sweepApp(orgId: string, appId: string, envs?: store.Environment[]): Promise<void> {
  for (const env of envs ?? (await store.listEnvRecords(orgId, appId))) {
    await sweepGrants(orgId, 'env', `${appId}/${env.envId}`);
    if (!env.deletedAt) await store.tombstoneEnv(orgId, appId, env.envId, clock.iso(), clock.nowSeconds());
  }
  await sweepGrants(orgId, 'app', appId);
}

async function requireApp(orgId: string, appId: string): Promise<store.App> {
  const app = await store.getApp(orgId, appId);
  if (!app) throw notFound(`The app ${appId}`);
  return app;
}

export async function listAppMembers(access: Access, appId: string): Promise<ScopeMembersView> {
  await requireApp(access.org.orgId, appId);
  return listScopeMembers(access, 'app', appId);
}

export async function setAppMember(access: Access, appId: string, userId: string, role: string): Promise<GrantView> {
  return grantRole(access, userId, { scope: 'app', target: appId }, role);
}

export async function removeAppMember(access: Access, appId: string, userId: string): Promise<void> {
  await revokeRole(access, userId, { scope: 'app', target: appId });
}

// ---- environment types ----

export async function createEnvType(access: Access, input: { id: string; description?: string }): Promise<store.EnvironmentType> {
  const t: store.EnvironmentType = { orgId: access.org.orgId, envTypeId: input.id, ...(input.description ? { description: input.description } : {}), createdAt: clock.iso() };
  await store.createEnvType(t);
  return t;
}

export async function listEnvTypes(access: Access): Promise<store.EnvironmentType[]> {
  return store.listEnvTypes(access.org.orgId);
}

async function requireEnvType(orgId: string, typeId: string): Promise<store.EnvironmentType> {
  const t = await store.getEnvType(orgId, typeId);
  if (!t) throw notFound(`The environment type ${typeId}`);
  return t;
}

export async function listEnvTypeMembers(access: Access, typeId: string): Promise<ScopeMembersView> {
  await requireEnvType(access.org.orgId, typeId);
  return listScopeMembers(access, 'envType', typeId);
}

export async function setEnvTypeMember(access: Access, typeId: string, userId: string, role: string): Promise<GrantView> {
  return grantRole(access, userId, { scope: 'envType', target: typeId }, role);
}

export async function removeEnvTypeMember(access: Access, typeId: string, userId: string): Promise<void> {
  await revokeRole(access, userId, { scope: 'envType', target: typeId });
}

// ---- environments ----

/** Create an environment: Developer or Owner on the app and Deployer on the type. */
export async function createEnv(access: Access, appId: string, input: { id: string; type: string }): Promise<EnvView> {
  const orgId = access.org.orgId;
  const [previous] = await Promise.all([store.getEnvRecord(orgId, appId, input.id), requireApp(orgId, appId), requireEnvType(orgId, input.type)]);
  access.require('env.create', { appId, envTypeId: input.type });
  if (previous?.deletedAt) await sweepGrants(orgId, 'env', `${appId}/${input.id}`);
  else if (previous) throw conflict(`The app has an environment ${input.id} already${previous.deleting ? ' (it is being deleted)' : ''}.`);
  const env: store.Environment = { orgId, appId, envId: input.id, envTypeId: input.type, createdAt: clock.iso(), createdBy: access.identity.userId };
  await store.createEnv(env);
  return envView(env);
}

export async function listEnvs(access: Access, appId: string): Promise<EnvView[]> {
  const [, envs] = await Promise.all([requireApp(access.org.orgId, appId), store.listEnvs(access.org.orgId, appId)]);
  return envs.map(envView);
}

async function requireEnv(orgId: string, appId: string, envId: string): Promise<store.Environment> {
  const env = await store.getEnv(orgId, appId, envId);
  if (!env) throw notFound(`The environment ${appId}/${envId}`);
  return env;
}

export async function getEnv(access: Access, appId: string, envId: string): Promise<EnvView> {
  return envView(await requireEnv(access.org.orgId, appId, envId));
}

/** Delete an environment: Developer or Owner on the app and Deployer on its type (or an env role that deletes). */
export async function deleteEnv(access: Access, appId: string, envId: string): Promise<void> {
  const orgId = access.org.orgId;
  const env = await store.getEnvRecord(orgId, appId, envId);
  if (!env || env.deletedAt) throw notFound(`The environment ${appId}/${envId}`);
  access.require('env.delete', { appId, envId, envTypeId: env.envTypeId });
  if (!env.deleting) await store.markEnvDeleting(orgId, appId, envId);
  await sweepGrants(orgId, 'env', `${appId}/${envId}`);
  await store.tombstoneEnv(orgId, appId, envId, clock.iso(), clock.nowSeconds());
}

export async function listEnvMembers(access: Access, appId: string, envId: string): Promise<ScopeMembersView> {
  await requireEnv(access.org.orgId, appId, envId);
  return listScopeMembers(access, 'env', `${appId}/${envId}`);
}

export async function setEnvMember(access: Access, appId: string, envId: string, userId: string, role: string): Promise<GrantView> {
  const env = await requireEnv(access.org.orgId, appId, envId);
  return grantRole(access, userId, { scope: 'env', target: `${appId}/${envId}`, envTypeId: env.envTypeId }, role);
}

export async function removeEnvMember(access: Access, appId: string, envId: string, userId: string): Promise<void> {
  const env = await store.getEnvRecord(access.org.orgId, appId, envId);
  if (!env) throw notFound(`The environment ${appId}/${envId}`);
  await revokeRole(access, userId, { scope: 'env', target: `${appId}/${envId}`, envTypeId: env.envTypeId });
}


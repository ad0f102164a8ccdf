// The decision other services ask for: may this user do this here? Through the same evaluator as
// every route. The caller's access is already loaded (one Query and the org item, in parallel);
// the facts of the resource (an environment's type, the types an app's environments use) and, when
// asking about someone else, their collection are read in one more round trip, in parallel.
// Primary adapter: functions/http/authorize.ts.

import { notFound } from '../domain/errors';
import { decide, describeReason, type Reason, type ResourceFacts } from '../domain/evaluator';
import { PERMISSIONS, type Permission } from '../domain/permissions';
import * as apps from '../store/apps';
import { getSubjectCollection } from '../store/subjects';
import { grantsOf, type Access } from './access';
import { assertMayInspect } from './grants';

export interface AuthorizeInput {
  userId?: string;
  action: Permission;
  appId?: string;
  envTypeId?: string;
  envId?: string;
}

export interface AuthorizeResult {
  allowed: boolean;
  userId: string;
  action: string;
  /** Each grant that allowed it: its source (direct, team, default, administrator), role and target. */
  reasons: (Reason & { grant: string })[];
  /** When denied: what no grant met, or that the resource does not exist. */
  missing: string[];
  /** The facts the decision used (an existing environment's type is read, not taken from the request). */
  facts: ResourceFacts;
}

const ENV_ACTIONS: ReadonlySet<string> = new Set(PERMISSIONS.env);

/** The environment types an app's deletion needs Deployer on: those of its environments not yet tombstoned. */
export const appEnvTypes = (envs: readonly apps.Environment[]): string[] => [...new Set(envs.filter((e) => !e.deletedAt).map((e) => e.envTypeId))];

/** Read what the decision needs about the resource; undefined facts and a reason when it does not exist. */
async function resourceFacts(orgId: string, input: AuthorizeInput): Promise<{ facts: ResourceFacts; absent?: string }> {
  const { action, appId, envId, envTypeId } = input;
  const orgScope = (PERMISSIONS.org as readonly string[]).includes(action);
  if (orgScope) return { facts: {} };
  if (action === 'envType.deploy') {
    if (!envTypeId) return { facts: {} };
    return (await apps.getEnvType(orgId, envTypeId)) ? { facts: { envTypeId } } : { facts: { envTypeId }, absent: `environment type ${envTypeId} does not exist` };
  }
  if (!appId) return { facts: {} };
  if (action === 'env.create') {
    const [app, type] = await Promise.all([apps.getApp(orgId, appId), envTypeId ? apps.getEnvType(orgId, envTypeId) : undefined]);
    const facts = { appId, ...(envTypeId ? { envTypeId } : {}) };
    if (!app) return { facts, absent: `app ${appId} does not exist` };
    if (envTypeId && !type) return { facts, absent: `environment type ${envTypeId} does not exist` };
    return { facts };
  }
  if (ENV_ACTIONS.has(action)) {
    if (!envId) return { facts: { appId } };
    const env = await apps.getEnv(orgId, appId, envId);
    if (!env) return { facts: { appId, envId }, absent: `environment ${appId}/${envId} does not exist` };
    return { facts: { appId, envId, envTypeId: env.envTypeId } };
  }
  if (action === 'app.delete') {
    // The same types the deletion itself checks: those of every environment not yet tombstoned.
    const [app, envs] = await Promise.all([apps.getApp(orgId, appId), apps.listEnvRecords(orgId, appId)]);
    const facts = { appId, appEnvTypes: appEnvTypes(envs) };
    return app ? { facts } : { facts, absent: `app ${appId} does not exist` };
  }
  const app = await apps.getApp(orgId, appId);
  return app ? { facts: { appId } } : { facts: { appId }, absent: `app ${appId} does not exist` };
}

/**
 * Input: the caller's access; optionally another user (Administrators and Managers only), the action
 * and the resource's ids. Output: allowed, the reasons (grants) or what is missing.
 */
export async function authorize(access: Access, input: AuthorizeInput): Promise<AuthorizeResult> {
  const orgId = access.org.orgId;
  const userId = input.userId ?? access.identity.userId;
  assertMayInspect(access, userId);
  const [resource, grants] = await Promise.all([
    resourceFacts(orgId, input),
    userId === access.identity.userId
      ? access.grants
      : getSubjectCollection(orgId, userId).then((collection) => {
          if (!collection.membership) throw notFound(`The member ${userId}`);
          return grantsOf(access.org, collection);
        }),
  ]);
  // Whether an app or environment exists is told only to those who may see the app (or grant roles
  // on every app): to anyone else a missing app and a hidden one answer alike.
  const aboutApp = !(PERMISSIONS.org as readonly string[]).includes(input.action) && input.action !== 'envType.deploy';
  const hidden = aboutApp && input.appId !== undefined && !access.seesApp(input.appId);
  const concealed = (): AuthorizeResult => ({
    allowed: false,
    userId,
    action: input.action,
    reasons: [],
    missing: [`app.read on app ${input.appId}`],
    facts: { appId: input.appId! },
  });
  if (resource.absent) {
    if (hidden) return concealed();
    return { allowed: false, userId, action: input.action, reasons: [], missing: [resource.absent], facts: resource.facts };
  }
  const decision = decide(grants, input.action, resource.facts);
  if (hidden && !decision.allowed) return concealed();
  return {
    allowed: decision.allowed,
    userId,
    action: input.action,
    reasons: decision.reasons.map((r) => ({ ...r, grant: describeReason(r) })),
    missing: decision.missing,
    facts: resource.facts,
  };
}

// The caller's access in one organization: loaded once per request (one Query and the org item, in
// parallel) and asked by every route through the one evaluator.

import { forbidden, notFound } from '../domain/errors';
import { decide, subjectGrants, type Decision, type Grant, type ResourceFacts } from '../domain/evaluator';
import type { Identity, Membership, Organization } from '../domain/model';
import { ADMINISTRATOR } from '../domain/permissions';
import { loadAccess, type SubjectCollection } from '../store/subjects';

export class Access {
  readonly grants: Grant[];
  constructor(
    readonly identity: Identity,
    readonly org: Organization,
    readonly membership: Membership & { version: number },
    readonly collection: SubjectCollection,
  ) {
    this.grants = grantsOf(org, collection);
  }

  get isAdministrator(): boolean {
    return this.membership.role === ADMINISTRATOR;
  }

  decide(action: string, facts: ResourceFacts = {}): Decision {
    return decide(this.grants, action, facts);
  }

  /** Throw forbidden, naming what is missing, unless the action is allowed. */
  require(action: string, facts: ResourceFacts = {}): Decision {
    const decision = this.decide(action, facts);
    if (!decision.allowed) {
      throw forbidden(`You may not ${action} here: missing ${decision.missing.join(', ')}.`, { missing: decision.missing });
    }
    return decision;
  }

  /** May the caller know whether this app (and what is in it) exists: they may see it, or grant roles on every app. */
  seesApp(appId: string): boolean {
    return this.decide('app.read', { appId }).allowed || this.decide('apps.grantRoles').allowed;
  }

  /**
   * Refuse, alike for an app that exists and one that does not, whoever may not see the app: a route
   * that found out before deciding would tell them which app ids exist.
   */
  requireSeesApp(appId: string): void {
    if (!this.seesApp(appId)) {
      const missing = [`app.read on app ${appId}`];
      throw forbidden(`You may not app.read here: missing ${missing[0]}.`, { missing });
    }
  }
}

/** A user's grants in an org with the org role and the live defaults folded in. */
export function grantsOf(org: Organization, collection: SubjectCollection): Grant[] {
  const m = collection.membership;
  return subjectGrants(
    {
      orgId: org.orgId,
      userId: m?.userId ?? '',
      orgRole: m?.role ?? null,
      ...(m?.permissions ? { orgRolePermissions: m.permissions } : {}),
      grants: collection.grants,
    },
    org.defaultRoles,
  );
}

/**
 * The caller's access to an org. Non-members get not_found, as for an org that does not exist:
 * the API does not tell outsiders which organizations exist.
 */
export async function accessFor(orgId: string, identity: Identity): Promise<Access> {
  const { org, collection } = await loadAccess(orgId, identity.userId);
  if (!org || !collection.membership) throw notFound('The organization');
  return new Access(identity, org, collection.membership, collection);
}

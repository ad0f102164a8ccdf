// What every page of an organization gets: the caller, their organizations, the current one, and the
// element to render into.

import type { Caller } from './caller';
import { roleLabel } from './dom';

export interface MyOrganization {
  orgId: string;
  name: string;
  role: string;
  /** 'deleting' while an asynchronous deletion runs. */
  status?: string;
}

export interface Me {
  user: { userId: string; email: string; name?: string };
  organizations: MyOrganization[];
  invitations: Record<string, unknown>[];
}

export interface PageContext {
  me: Me;
  org: MyOrganization;
  /** What the caller may do here (their org role, and authorize for app and environment roles). */
  caller: Caller;
  /** Path segments after /orgs/{orgId}/{section}. */
  rest: string[];
  /** Where the page renders (below the heading and the status region). */
  root: HTMLElement;
  /** Sets the page's heading and the document title. */
  title: (text: string) => void;
  /** Navigate within the console. */
  go: (path: string, options?: { reloadMe?: boolean }) => void;
  /** Re-render the current page (reloadMe: read the caller's organizations and roles again first). */
  refresh: (options?: { reloadMe?: boolean }) => void;
}

export const isAdministrator = (org: MyOrganization) => org.role === 'Administrator';

export const ORG_PREF_KEY = 'org-access.org';

/** Enough to tell organizations apart: "Default Organization · Administrator", and a short id when names repeat. */
export function orgLabels(orgs: readonly MyOrganization[]): Map<string, string> {
  const count = new Map<string, number>();
  for (const o of orgs) count.set(o.name, (count.get(o.name) ?? 0) + 1);
  return new Map(
    orgs.map((o) => [
      o.orgId,
      [o.name, roleLabel(o.role), (count.get(o.name) ?? 0) > 1 ? `id …${o.orgId.slice(-6)}` : '', o.status === 'deleting' ? 'being deleted' : ''].filter(Boolean).join(' · '),
    ]),
  );
}

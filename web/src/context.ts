// What every page of an organization gets: the caller, their organizations, the current one, and the
// element to render into.

export interface MyOrganization {
  orgId: string;
  name: string;
  role: string;
}

export interface Me {
  user: { userId: string; email: string; name?: string };
  organizations: MyOrganization[];
  invitations: Record<string, unknown>[];
}

export interface PageContext {
  me: Me;
  org: MyOrganization;
  /** Path segments after /orgs/{orgId}/{section}. */
  rest: string[];
  /** Where the page renders (below the heading and the status region). */
  root: HTMLElement;
  /** Sets the page's heading and the document title. */
  title: (text: string) => void;
  /** Navigate within the console. */
  go: (path: string, options?: { reloadMe?: boolean }) => void;
  /** Re-render the current page. */
  refresh: () => void;
}

/** Built-in org roles that may not manage people; any other role (Manager, Administrator, custom) sees the controls and the API decides. */
export const canManage = (org: MyOrganization) => org.role !== 'Member' && org.role !== 'ArtifactContributor';
export const isAdministrator = (org: MyOrganization) => org.role === 'Administrator';

export const ORG_PREF_KEY = 'org-access.org';

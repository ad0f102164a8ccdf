// Real resources for any route's path parameters, derived from the route table: the value of {x} in
// `/prefix/{x}/...` is created by the table's `POST /prefix` (an app, an environment, an environment
// type, a team, an invitation, a custom role...) with a body built from that route's schema. {orgId} is
// a fresh organization with one member of each org role (and, for the authorization sweep, members
// who hold their authority another way: a custom org role, and an org role through a team); {userId}
// a plain Member to act on; {token} the link token of a fresh invitation, read from the local mailbox.

import type { Permission } from '../../../functions/domain/permissions';
import type { RouteSpec } from '../../../functions/http/route';
import { routes } from '../../../functions/routes';
import { keys } from '../../../functions/store/keys';
import { deleteItems, listMembers, partitionKeys } from '../../../functions/store/orgs';
import { addMember } from '../fixtures';
import type { Harness, TestUser } from '../harness';
import { sendRaw } from './http';
import { recorder } from './report';
import { canonicalBody, freshEmail, freshSlug } from './schema';

export const ORG_ROLE_CALLERS = ['Member', 'ArtifactContributor', 'Manager', 'Administrator'] as const;
export type OrgRoleCaller = (typeof ORG_ROLE_CALLERS)[number];
/** Members whose authority comes another way: a custom org role; Member, plus Manager through a team. */
export const INDIRECT_CALLERS = ['CustomOrgRole', 'ManagerViaTeam'] as const;
export type IndirectCaller = (typeof INDIRECT_CALLERS)[number];
export type MemberCaller = OrgRoleCaller | IndirectCaller;

/** The custom org role of the CustomOrgRole caller: inviting and creating apps, but no removing, no teams. */
export const SWEEP_CUSTOM_ROLE = { id: 'sweep-inviter', permissions: ['org.read', 'members.read', 'members.invite', 'apps.create'] as Permission[] };
/** The team through which the ManagerViaTeam caller (org role Member) holds Manager. */
export const SWEEP_TEAM = { id: 'sweep-managers', orgRole: 'Manager' };

/** The users every world reuses: one per org role, the indirect callers, a target to act on, and an outsider. */
export interface Cast {
  byRole: Record<OrgRoleCaller, TestUser>;
  indirect: Record<IndirectCaller, TestUser>;
  target: TestUser;
  outsider: TestUser;
}

export async function makeCast(h: Harness): Promise<Cast> {
  const [Member, ArtifactContributor, Manager, Administrator, target, outsider, CustomOrgRole, ManagerViaTeam] = await Promise.all(
    Array.from({ length: 8 }, () => h.user()),
  );
  return {
    byRole: { Member: Member!, ArtifactContributor: ArtifactContributor!, Manager: Manager!, Administrator: Administrator! },
    indirect: { CustomOrgRole: CustomOrgRole!, ManagerViaTeam: ManagerViaTeam! },
    target: target!,
    outsider: outsider!,
  };
}

export function callerUser(cast: Cast, caller: MemberCaller): TestUser {
  return (INDIRECT_CALLERS as readonly string[]).includes(caller) ? cast.indirect[caller as IndirectCaller] : cast.byRole[caller as OrgRoleCaller];
}

/** The org role a role field at this path takes, by the scope the path names. */
export function roleForPath(path: string): string {
  if (/\/envs(\/|$)/.test(path)) return 'Viewer';
  if (/\/env-types(\/|$)/.test(path)) return 'Deployer';
  if (/\/apps(\/|$)/.test(path)) return 'Viewer';
  return 'Member';
}

const findRoute = (method: string, path: string) => routes.find((r) => r.method === method && r.path === path);

export class World {
  private values = new Map<string, string>();
  /** E-mail of the invitation behind {invitationId}/{token}, when one was created. */
  invitedEmail: string | undefined;

  private constructor(
    private readonly h: Harness,
    readonly cast: Cast,
    readonly orgId: string,
  ) {}

  /**
   * A fresh organization: the cast's Administrator created it; the others joined with their roles.
   * `indirect`: also the custom org role and its holder, and the team holding Manager with its member
   * (through the API, as the Administrator would arrange them).
   */
  static async create(h: Harness, cast: Cast, options: { indirect?: boolean } = {}): Promise<World> {
    const admin = cast.byRole.Administrator;
    const created = await admin.api('POST', '/v1/orgs', { name: 'Hostile World' });
    if (created.status !== 201) throw new Error(`org creation failed: ${created.status} ${JSON.stringify(created.body)}`);
    const orgId = created.body.orgId as string;
    await Promise.all([
      addMember(orgId, cast.byRole.Member, 'Member'),
      addMember(orgId, cast.byRole.ArtifactContributor, 'ArtifactContributor'),
      addMember(orgId, cast.byRole.Manager, 'Manager'),
      addMember(orgId, cast.target, 'Member'),
    ]);
    if (options.indirect) {
      const must = (what: string, res: { status: number; body: unknown }) => {
        if (res.status >= 300) throw new Error(`arranging ${what} failed: ${res.status} ${JSON.stringify(res.body)}`);
      };
      const role = SWEEP_CUSTOM_ROLE;
      const team = `/v1/orgs/${orgId}/teams/${SWEEP_TEAM.id}`;
      await Promise.all([
        admin.api('POST', `/v1/orgs/${orgId}/roles`, { id: role.id, name: 'Sweep inviter', scope: 'org', permissions: role.permissions }).then((r) => {
          must('the custom org role', r);
          return addMember(orgId, cast.indirect.CustomOrgRole, role.id, { permissions: role.permissions });
        }),
        (async () => {
          const [created] = await Promise.all([
            admin.api('POST', `/v1/orgs/${orgId}/teams`, { id: SWEEP_TEAM.id, name: 'Sweep managers' }),
            addMember(orgId, cast.indirect.ManagerViaTeam, 'Member'),
          ]);
          must('the sweep team', created);
          must('the team org role', await admin.api('PUT', `${team}/grants`, { scope: 'org', role: SWEEP_TEAM.orgRole }));
          must('the team member', await admin.api('PUT', `${team}/members/${cast.indirect.ManagerViaTeam.userId}`));
        })(),
      ]);
    }
    return new World(h, cast, orgId);
  }

  get admin() {
    return this.cast.byRole.Administrator;
  }

  /**
   * Delete every item of this world's org straight from the table (its partition, its teams', its
   * members' collections): a suite that reads the whole table back after each request keeps it small.
   */
  async discard(): Promise<void> {
    const userIds = new Set([...Object.values(this.cast.byRole), ...Object.values(this.cast.indirect), this.cast.target].map((u) => u.userId));
    let cursor: string | undefined;
    do {
      const page = await listMembers(this.orgId, cursor);
      for (const m of page.items) userIds.add(m.userId);
      cursor = page.next;
    } while (cursor);
    const own = await partitionKeys(keys.org(this.orgId).PK);
    const teams = own.filter((k) => k.SK.startsWith('TEAM#')).map((k) => keys.teamPK(this.orgId, k.SK.slice('TEAM#'.length)));
    const collections = [...userIds].map((u) => keys.subjectPK(this.orgId, u));
    const rest = (await Promise.all([...teams, ...collections].map((pk) => partitionKeys(pk)))).flat();
    await deleteItems([...rest, ...own], 4);
  }

  /** Values for every path parameter of a route, creating what they name. */
  async paramsFor(route: Pick<RouteSpec, 'path'>): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    for (const name of names) out[name] = await this.resolve(route.path, name);
    return out;
  }

  private async resolve(path: string, name: string): Promise<string> {
    if (name === 'orgId') return this.orgId;
    if (name === 'userId') return this.cast.target.userId;
    if (name === 'token') return this.invitationToken();
    const prefix = path.slice(0, path.indexOf(`/{${name}}`));
    const cacheKey = `${prefix}/{${name}}`;
    const cached = this.values.get(cacheKey);
    if (cached) return cached;
    const value = await this.create(prefix, name);
    this.values.set(cacheKey, value);
    return value;
  }

  /** Create the resource named by {name} under `prefix` through the table's POST prefix route. */
  private async create(prefix: string, name: string): Promise<string> {
    const creator = findRoute('POST', prefix);
    if (!creator) {
      if (name === 'typeId' || name === 'envTypeId') return 'development';
      recorder.note(`no POST ${prefix} in the route table to create {${name}}: a well-formed id that names nothing is used`);
      return freshSlug('missing');
    }
    const params = await this.paramsFor(creator);
    const isInvitation = /invitation/i.test(name);
    const email = freshEmail();
    const body = canonicalBody(creator as RouteSpec, { role: roleForPath(prefix), email: () => email, fields: { [name]: freshSlug() } });
    const path = creator.path.replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(params[p]!));
    const res = await sendRaw(this.h.url, { method: 'POST', path, token: this.admin.token, ...(body ? { body: JSON.stringify(body) } : {}) });
    if (res.status >= 300) {
      recorder.note(`arranging {${name}} through POST ${prefix} answered ${res.status} ${res.text.slice(0, 200)}`);
      return freshSlug('unarranged');
    }
    if (isInvitation) this.invitedEmail = email;
    const sent = (body ?? {}) as Record<string, unknown>;
    const got = res.json ?? {};
    const value = got[name] ?? got.invitation?.[name] ?? sent[name] ?? got.id ?? sent.id;
    if (typeof value !== 'string') throw new Error(`POST ${prefix} did not say the new ${name}: ${res.text.slice(0, 200)}`);
    return value;
  }

  /** The link token of a fresh invitation (created through the table's invitation route). */
  async invitationToken(): Promise<string> {
    const cached = this.values.get('token');
    if (cached) return cached;
    const inviteRoute = routes.find((r) => r.method === 'POST' && /\/invitations$/.test(r.path) && r.path.includes('{orgId}'));
    if (!inviteRoute) {
      recorder.note('no invitation route to make a {token}: a random token is used');
      return freshSlug('tok');
    }
    await this.resolve(`${inviteRoute.path}/{invitationId}`, 'invitationId');
    const token = await this.tokenFromMail(this.invitedEmail);
    this.values.set('token', token);
    return token;
  }

  async tokenFromMail(email: string | undefined): Promise<string> {
    if (!email) return freshSlug('tok');
    for (let i = 0; i < 20; i++) {
      const mails = await this.h.mailTo(email);
      const last = mails.at(-1);
      const m = last && /\/invite\/([A-Za-z0-9_.-]+)/.exec(last.body.text ?? last.body.html ?? '');
      if (m?.[1]) return m[1];
      await new Promise((r) => setTimeout(r, 50));
    }
    recorder.note(`no invitation mail reached ${email}`);
    return freshSlug('tok');
  }
}

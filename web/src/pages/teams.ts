// Teams: groups of members; a team's roles cascade to its members.

import { api, listOf, seg } from '../api';
import { busy, field, h, roleLabel, select } from '../dom';
import type { PageContext } from '../context';
import { act, activeMembers, load, personLabel, roleOptions, section, SLUG_HINT, SLUG_PATTERN, table } from './common';
import type { Scope } from '../../../functions/domain/permissions';

const SCOPE_LABEL: Record<Scope, string> = { org: 'Organization', app: 'App', envType: 'Environment type', env: 'Environment' };

/** A grant's target back into the ids the API takes: '' (org), appId, envTypeId, or appId/envId. */
function targetIds(scope: string, target: string): Record<string, string> {
  if (scope === 'app') return { appId: target };
  if (scope === 'envType') return { envTypeId: target };
  if (scope === 'env') {
    const [appId = '', envId = ''] = target.split('/');
    return { appId, envId };
  }
  return {};
}

/** Give the team a role at a scope: the scope decides which ids are asked for and which roles are offered. */
function teamGrantForm(ctx: PageContext, teamBase: string, teamName: string) {
  // Org-scope roles for teams are the Administrators' to give (and no one raises their own role through a team).
  const scopes = (Object.keys(SCOPE_LABEL) as Scope[]).filter((s) => s !== 'org' || ctx.caller.isAdministrator);
  const scope = select('scope', scopes.map((s) => ({ value: s, label: SCOPE_LABEL[s] })), 'app');
  const role = h('select', { name: 'role' });
  const appId = h('input', { name: 'appId', autocomplete: 'off', maxlength: 50 });
  const envId = h('input', { name: 'envId', autocomplete: 'off', maxlength: 50 });
  const envTypeId = h('input', { name: 'envTypeId', autocomplete: 'off', maxlength: 50 });
  const appField = field('App id', appId);
  const envField = field('Environment id', envId);
  const typeField = field('Environment type', envTypeId);
  const update = async () => {
    const s = scope.value as Scope;
    appField.hidden = s !== 'app' && s !== 'env';
    envField.hidden = s !== 'env';
    typeField.hidden = s !== 'envType';
    const options = await roleOptions(ctx, s);
    role.replaceChildren(...options.map((o) => h('option', { value: o.value }, o.label)));
  };
  scope.addEventListener('change', () => void update());
  void update();
  const form = h('form', { class: 'row' }, field('Scope', scope), appField, envField, typeField, field('Role', role), h('button', { type: 'submit' }, 'Give the team this role'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const s = scope.value as Scope;
    const body = {
      scope: s,
      role: role.value,
      ...(s === 'app' || s === 'env' ? { appId: appId.value.trim() } : {}),
      ...(s === 'env' ? { envId: envId.value.trim() } : {}),
      ...(s === 'envType' ? { envTypeId: envTypeId.value.trim() } : {}),
    };
    void busy(form, async () => {
      if (await act('Giving the team the role…', () => api('PUT', `${teamBase}/grants`, body), `Team ${teamName} now holds ${roleLabel(role.value)}; its members have it too.`, form)) ctx.refresh();
    });
  });
  return h('div', {}, h('h3', {}, 'Give this team a role'), form);
}

interface Team {
  teamId: string;
  name?: string;
  members?: { userId: string; email?: string; name?: string }[];
  grants?: { scope: string; target: string; role: string }[];
  roles?: { scope: string; target: string; role: string }[];
  /** 'deleting' while an asynchronous deletion runs. */
  status?: string;
}

export async function teamsPage(ctx: PageContext) {
  ctx.title('Teams');
  const base = `/v1/orgs/${seg(ctx.org.orgId)}/teams`;
  const body = await load(ctx.root, 'Teams', () => api('GET', base));
  if (body === undefined) return;
  // Changing a team gives its roles to its members: Administrators, and Managers within their own reach.
  const mayChangeTeams = ctx.caller.can('teams.manage') || ctx.caller.can('apps.grantRoles');
  const people = await activeMembers(ctx).catch(() => []);
  const byId = new Map(people.map((p) => [p.userId, p]));
  const teams = listOf<Team>(body, 'teams');
  if (!teams.length) ctx.root.append(h('p', { class: 'empty' }, 'No teams yet.'));
  for (const t of teams) {
    const teamBase = `${base}/${seg(t.teamId)}`;
    const detail: Team = (await api<Team>('GET', teamBase).catch(() => t)) ?? t;
    const deleting = (detail.status ?? t.status) === 'deleting';
    const mayChange = mayChangeTeams && !deleting;
    const memberRows = (detail.members ?? []).map((m) => {
      const p = byId.get(m.userId) ?? m;
      const remove = mayChange ? h('button', { type: 'button', class: 'danger' }, 'Remove from team') : null;
      remove?.addEventListener('click', () => void busy(remove.parentElement!, async () => {
        if (await act(`Removing ${personLabel(p)} from ${t.name ?? t.teamId}…`, () => api('DELETE', `${teamBase}/members/${seg(m.userId)}`), `${personLabel(p)} left team ${t.name ?? t.teamId}.`)) ctx.refresh();
      }));
      return h('tr', {}, h('td', {}, personLabel(p)), h('td', {}, h('div', { class: 'actions' }, remove)));
    });
    const grants = detail.grants ?? detail.roles ?? [];
    const grantRows = grants.map((g) => {
      const remove = mayChange ? h('button', { type: 'button', class: 'danger' }, 'Take away') : null;
      remove?.addEventListener('click', () => void busy(remove.parentElement!, async () => {
        const query = new URLSearchParams({ scope: g.scope, ...targetIds(g.scope, g.target) });
        if (await act('Taking the role away…', () => api('DELETE', `${teamBase}/grants?${query}`), `Team ${t.name ?? t.teamId} no longer holds ${roleLabel(g.role)} there.`)) ctx.refresh();
      }));
      return h('tr', {}, h('td', {}, SCOPE_LABEL[g.scope as Scope] ?? g.scope), h('td', {}, g.target || 'the organization'), h('td', {}, roleLabel(g.role)), h('td', {}, h('div', { class: 'actions' }, remove)));
    });
    const grantForm = mayChange ? teamGrantForm(ctx, teamBase, t.name ?? t.teamId) : null;
    const user = select('userId', people.map((p) => ({ value: p.userId, label: personLabel(p) })));
    const add = h('form', { class: 'row' }, field('Person', user), h('button', { type: 'submit' }, 'Add to team'));
    add.addEventListener('submit', (e) => {
      e.preventDefault();
      void busy(add, async () => {
        if (await act('Adding to team…', () => api('PUT', `${teamBase}/members/${seg(user.value)}`), `${personLabel(byId.get(user.value) ?? { userId: user.value })} joined team ${t.name ?? t.teamId}.`)) ctx.refresh();
      });
    });
    ctx.root.append(
      h(
        'article',
        { class: 'card' },
        section(
          `Team ${t.name ?? t.teamId}${deleting ? ' (being deleted)' : ''}`,
          table(`Members of ${t.teamId}`, ['Person', 'Actions'], memberRows, 'No members yet.'),
          mayChange && people.length ? add : null,
          h('h3', {}, 'Roles of this team'),
          table(`Roles of ${t.teamId}`, ['Scope', 'On', 'Role', 'Actions'], grantRows, 'This team holds no roles yet.'),
          grantForm,
        ),
      ),
    );
  }
  if (!ctx.caller.can('teams.manage')) {
    ctx.root.append(h('p', { class: 'hint' }, 'Administrators create teams.'));
    return;
  }
  const teamId = h('input', { name: 'teamId', 'data-field': 'id', required: true, pattern: SLUG_PATTERN, maxlength: 50, autocomplete: 'off' });
  const name = h('input', { name: 'name', maxlength: 100, autocomplete: 'off' });
  const form = h('form', { class: 'row' }, field('Team id', teamId, SLUG_HINT), field('Name (optional)', name), h('button', { type: 'submit' }, 'Create team'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void busy(form, async () => {
      if (await act('Creating team…', () => api('POST', base, { id: teamId.value.trim(), name: name.value.trim() || teamId.value.trim() }), `Team ${teamId.value.trim()} was created.`, form)) ctx.refresh();
    });
  });
  ctx.root.append(section('New team', form));
}

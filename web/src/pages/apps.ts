// Apps with their members and roles; one app's page also lists its environments and their roles.
// Controls follow what the caller may do: org abilities from their org role, app and environment
// abilities from authorize (Administrators skip the calls: they may do everything).

import { api, listOf, seg } from '../api';
import { busy, field, formatDate, h, select } from '../dom';
import type { PageContext } from '../context';
import { act, activeMembers, load, roleOptions, section, SLUG_HINT, SLUG_PATTERN, table, type RoleOption } from './common';
import { holdersSection, type Holder } from './holders';

interface App {
  appId: string;
  name?: string;
  createdAt?: string;
  members?: Holder[];
  envs?: Env[];
}

interface Env {
  envId: string;
  name?: string;
  envTypeId?: string;
  typeId?: string;
  members?: Holder[];
}

/** Permissions only a Manager or an Administrator hands out: an app Owner grants up to Developer. */
const RESERVED_APP = ['app.manageMembers', 'app.delete', 'env.manageMembers'];
/** An environment Owner role is not for app Owners to give (the API refuses it to them). */
const RESERVED_ENV = ['env.manageMembers'];
const without = (roles: RoleOption[], reserved: string[]) => roles.filter((r) => !(r.permissions ?? []).some((p) => reserved.includes(p)));

export async function appsPage(ctx: PageContext) {
  ctx.title('Apps');
  const base = `/v1/orgs/${seg(ctx.org.orgId)}/apps`;
  const body = await load(ctx.root, 'Apps', () => api('GET', base));
  if (body === undefined) return;
  const apps = listOf<App>(body, 'apps');
  const rows = apps.map((a) =>
    h(
      'tr',
      {},
      h('td', {}, h('a', { href: `/orgs/${seg(ctx.org.orgId)}/apps/${seg(a.appId)}`, on: { click: (e: Event) => (e.preventDefault(), ctx.go(`/orgs/${seg(ctx.org.orgId)}/apps/${seg(a.appId)}`)) } }, a.name ?? a.appId)),
      h('td', {}, h('code', {}, a.appId)),
      h('td', {}, formatDate(a.createdAt)),
    ),
  );
  ctx.root.append(section('Apps in this organization', table('Apps', ['App', 'Id', 'Created'], rows, 'No apps yet.')));

  if (!ctx.caller.can('apps.create')) {
    ctx.root.append(h('p', { class: 'hint' }, 'Managers and Administrators create apps.'));
    return;
  }
  const appId = h('input', { name: 'appId', 'data-field': 'id', required: true, pattern: SLUG_PATTERN, maxlength: 50, autocomplete: 'off' });
  const name = h('input', { name: 'name', maxlength: 100, autocomplete: 'off' });
  const form = h('form', { class: 'row' }, field('App id', appId, SLUG_HINT), field('Name (optional)', name), h('button', { type: 'submit' }, 'Create app'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = appId.value.trim();
    void busy(form, async () => {
      const ok = await act(`Creating ${id}…`, () => api('POST', base, { id, name: name.value.trim() || id }), `App ${id} was created. You are its Owner.`, form);
      if (ok) ctx.go(`/orgs/${seg(ctx.org.orgId)}/apps/${seg(id)}`);
    });
  });
  ctx.root.append(section('New app', form));
}

export async function appPage(ctx: PageContext, appId: string) {
  ctx.title(`App ${appId}`);
  const { caller } = ctx;
  const org = `/v1/orgs/${seg(ctx.org.orgId)}`;
  const base = `${org}/apps/${seg(appId)}`;
  const app = await load(ctx.root, 'Apps', () => api<App>('GET', base));
  if (!app) return;
  ctx.title(`App ${app.name ?? app.appId}`);
  const envs = app.envs ?? listOf<Env>(await api('GET', `${base}/envs`).catch(() => []), 'envs', 'environments');
  const grantsAnyAppRole = caller.can('apps.grantRoles');
  // One authorize call per decision shown, in parallel (none for Administrators).
  const [people, appRoles, envRoles, manageApp, deleteApp, createEnv, envDecisions] = await Promise.all([
    activeMembers(ctx).catch(() => []),
    roleOptions(ctx, 'app'),
    roleOptions(ctx, 'env'),
    grantsAnyAppRole ? true : caller.may('app.manageMembers', { appId }),
    caller.may('app.delete', { appId }),
    // Developer or Owner on the app; the type chosen is checked by the API (everyone deploys to development).
    caller.may('env.create', { appId, envTypeId: 'development' }),
    Promise.all(
      envs.map((env) =>
        Promise.all([grantsAnyAppRole || caller.may('env.manageMembers', { appId, envId: env.envId }), caller.may('env.delete', { appId, envId: env.envId })]).then(([manage, remove]) => ({ manage, remove })),
      ),
    ),
  ]);

  ctx.root.append(
    h('p', {}, h('a', { href: `/orgs/${seg(ctx.org.orgId)}/apps`, on: { click: (e: Event) => (e.preventDefault(), ctx.go(`/orgs/${seg(ctx.org.orgId)}/apps`)) } }, '← All apps')),
    holdersSection({
      title: 'Members and their app roles',
      listPath: `${base}/members`,
      memberPath: (u) => `${base}/members/${seg(u)}`,
      roles: grantsAnyAppRole ? appRoles : without(appRoles, RESERVED_APP),
      people,
      fallback: app.members ?? [],
      canEdit: manageApp,
      selfId: ctx.me.user.userId,
      thing: `app ${appId}`,
      note: 'Besides the people listed: Administrators act as Owner of every app, and every member holds the default app role (if the organization sets one), directly or through a team.',
    }),
  );

  const envsEl = h('div');
  ctx.root.append(section('Environments', envsEl));
  envs.forEach((env, i) => {
    const envBase = `${base}/envs/${seg(env.envId)}`;
    const may = envDecisions[i]!;
    const del = may.remove ? h('button', { type: 'button', class: 'danger' }, `Delete environment ${env.envId}`) : null;
    del?.addEventListener('click', () => {
      if (!window.confirm(`Delete environment ${env.envId}?`)) return;
      void busy(del.parentElement!, async () => {
        if (await act(`Deleting ${env.envId}…`, () => api('DELETE', envBase), `Environment ${env.envId} was deleted.`)) ctx.refresh();
      });
    });
    envsEl.append(
      h(
        'article',
        { class: 'card' },
        h('h3', {}, env.name ?? env.envId, ' ', h('small', { class: 'muted' }, `type ${env.envTypeId ?? env.typeId ?? '?'}`)),
        holdersSection({
          title: `Roles on ${env.envId}`,
          listPath: `${envBase}/members`,
          memberPath: (u) => `${envBase}/members/${seg(u)}`,
          roles: grantsAnyAppRole ? envRoles : without(envRoles, RESERVED_ENV),
          people,
          fallback: env.members ?? [],
          canEdit: may.manage,
          selfId: ctx.me.user.userId,
          thing: `environment ${env.envId}`,
          note: "Besides the people listed: roles on the app apply to its environments (deploying also needs Deployer on the environment's type), Administrators may do everything, and default roles apply to every member.",
        }),
        del ? h('p', {}, del) : null,
      ),
    );
  });
  if (!envs.length) envsEl.append(h('p', { class: 'empty' }, 'No environments yet.'));

  if (createEnv) {
    const types = listOf<{ typeId?: string; envTypeId?: string; id?: string }>(await api('GET', `${org}/env-types`).catch(() => ({ envTypes: [{ envTypeId: 'development' }] })), 'envTypes', 'types');
    const envId = h('input', { name: 'envId', 'data-field': 'id', required: true, pattern: SLUG_PATTERN, maxlength: 50, autocomplete: 'off' });
    const type = select('envTypeId', types.map((t) => t.envTypeId ?? t.typeId ?? t.id ?? '').filter(Boolean), undefined, { 'data-field': 'type' });
    const form = h('form', { class: 'row' }, field('Environment id', envId, SLUG_HINT), field('Environment type', type), h('button', { type: 'submit' }, 'Create environment'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const id = envId.value.trim();
      void busy(form, async () => {
        if (await act(`Creating ${id}…`, () => api('POST', `${base}/envs`, { id, type: type.value }), `Environment ${id} was created.`, form)) ctx.refresh();
      });
    });
    envsEl.append(h('h3', {}, 'New environment'), form);
  }

  if (deleteApp) {
    const remove = h('button', { type: 'button', class: 'danger' }, `Delete app ${appId}`);
    remove.addEventListener('click', () => {
      if (!window.confirm(`Delete app ${appId} and its environments?`)) return;
      void busy(remove.parentElement!, async () => {
        const ok = await act(`Deleting ${appId}…`, () => api('DELETE', base), `App ${appId} was deleted.`);
        if (ok) ctx.go(`/orgs/${seg(ctx.org.orgId)}/apps`);
      });
    });
    ctx.root.append(section('Danger zone', h('p', {}, remove)));
  }
}

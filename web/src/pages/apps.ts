// Apps with their members and roles; one app's page also lists its environments and their roles.

import { api, listOf, seg } from '../api';
import { busy, field, formatDate, h, select } from '../dom';
import type { PageContext } from '../context';
import { act, activeMembers, load, roleOptions, section, table } from './common';
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

const SLUG = '[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?';

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

  const appId = h('input', { name: 'appId', required: true, pattern: SLUG, maxlength: 50, autocomplete: 'off' });
  const name = h('input', { name: 'name', maxlength: 100, autocomplete: 'off' });
  const form = h('form', { class: 'row' }, field('App id', appId, 'Lower-case letters, digits and dashes'), field('Name (optional)', name), h('button', { type: 'submit' }, 'Create app'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = appId.value.trim();
    void busy(form, async () => {
      const ok = await act(`Creating ${id}…`, () => api('POST', base, { id, name: name.value.trim() || id }), `App ${id} was created. You are its Owner.`);
      if (ok) ctx.go(`/orgs/${seg(ctx.org.orgId)}/apps/${seg(id)}`);
    });
  });
  ctx.root.append(section('New app', form));
}

export async function appPage(ctx: PageContext, appId: string) {
  ctx.title(`App ${appId}`);
  const org = `/v1/orgs/${seg(ctx.org.orgId)}`;
  const base = `${org}/apps/${seg(appId)}`;
  const app = await load(ctx.root, 'Apps', () => api<App>('GET', base));
  if (!app) return;
  ctx.title(`App ${app.name ?? app.appId}`);
  const [people, appRoles, envRoles] = await Promise.all([activeMembers(ctx).catch(() => []), roleOptions(ctx, 'app'), roleOptions(ctx, 'env')]);

  ctx.root.append(
    h('p', {}, h('a', { href: `/orgs/${seg(ctx.org.orgId)}/apps`, on: { click: (e: Event) => (e.preventDefault(), ctx.go(`/orgs/${seg(ctx.org.orgId)}/apps`)) } }, '← All apps')),
    holdersSection({ title: 'Members and their app roles', listPath: `${base}/members`, memberPath: (u) => `${base}/members/${seg(u)}`, roles: appRoles, people, fallback: app.members ?? [], canEdit: true, thing: `app ${appId}` }),
  );

  const envsEl = h('div');
  ctx.root.append(section('Environments', envsEl));
  const envs = app.envs ?? (await load(envsEl, 'Environments', () => api('GET', `${base}/envs`)));
  if (envs !== undefined) {
    for (const env of listOf<Env>(envs, 'envs', 'environments')) {
      const envBase = `${base}/envs/${seg(env.envId)}`;
      const del = h('button', { type: 'button', class: 'danger' }, `Delete environment ${env.envId}`);
      del.addEventListener('click', () => {
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
          holdersSection({ title: `Roles on ${env.envId}`, listPath: `${envBase}/members`, memberPath: (u) => `${envBase}/members/${seg(u)}`, roles: envRoles, people, fallback: env.members ?? [], canEdit: true, thing: `environment ${env.envId}` }),
          h('p', {}, del),
        ),
      );
    }
    if (!listOf(envs, 'envs', 'environments').length) envsEl.append(h('p', { class: 'empty' }, 'No environments yet.'));

    const types = listOf<{ typeId?: string; envTypeId?: string; id?: string }>(await api('GET', `${org}/env-types`).catch(() => ({ envTypes: [{ envTypeId: 'development' }] })), 'envTypes', 'types');
    const envId = h('input', { name: 'envId', required: true, pattern: SLUG, maxlength: 50, autocomplete: 'off' });
    const type = select('envTypeId', types.map((t) => t.envTypeId ?? t.typeId ?? t.id ?? '').filter(Boolean));
    const form = h('form', { class: 'row' }, field('Environment id', envId), field('Environment type', type), h('button', { type: 'submit' }, 'Create environment'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const id = envId.value.trim();
      void busy(form, async () => {
        if (await act(`Creating ${id}…`, () => api('POST', `${base}/envs`, { id, type: type.value }), `Environment ${id} was created.`)) ctx.refresh();
      });
    });
    envsEl.append(h('h3', {}, 'New environment'), form);
  }

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

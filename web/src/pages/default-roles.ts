// Default roles: what a user gets on joining (org role), on every app, and on environment types.

import { api, seg } from '../api';
import { busy, field, h, select } from '../dom';
import { isAdministrator, type PageContext } from '../context';
import { act, load, section } from './common';
import { APP_ROLES, ORG_ROLES } from '../../../functions/domain/permissions';
import { roleLabel } from '../dom';

interface DefaultRoles {
  orgRole: string;
  appRole: string | null;
  envTypeRoles: Record<string, string>;
}

export async function defaultRolesPage(ctx: PageContext) {
  ctx.title('Default roles');
  const base = `/v1/orgs/${seg(ctx.org.orgId)}/default-roles`;
  const body = await load(ctx.root, 'Default roles', () => api<DefaultRoles | { defaultRoles: DefaultRoles }>('GET', base));
  if (!body) return;
  const current: DefaultRoles = 'defaultRoles' in body ? body.defaultRoles : body;
  // Defaults are built-in roles; Administrator is never given to everyone who joins.
  const orgRoles = ORG_ROLES.filter((r) => r !== 'Administrator').map((r) => ({ value: r, label: roleLabel(r) }));
  const appRoles = APP_ROLES.map((r) => ({ value: r, label: roleLabel(r) }));
  const orgRole = select('orgRole', orgRoles, current.orgRole);
  const appRole = select('appRole', [{ value: '', label: 'No role' }, ...appRoles], current.appRole ?? '');
  const envTypes = h('input', { name: 'envTypes', 'data-field': 'envTypeRoles', value: Object.keys(current.envTypeRoles ?? {}).join(', '), autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'stack' },
    field('Organization role of a user who joins', orgRole),
    field('Role every member holds on every app', appRole),
    field('Environment types every member deploys to', envTypes, 'Comma-separated type ids, e.g. development'),
    isAdministrator(ctx.org) ? h('button', { type: 'submit' }, 'Save default roles') : h('p', { class: 'hint' }, 'Only Administrators change default roles.'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next: DefaultRoles = {
      orgRole: orgRole.value,
      appRole: appRole.value || null,
      envTypeRoles: Object.fromEntries(envTypes.value.split(',').map((s) => s.trim()).filter(Boolean).map((t) => [t, 'Deployer'])),
    };
    void busy(form, () => act('Saving default roles…', () => api('PUT', base, next), 'Default roles saved. They apply to every member now (the org role to people who join from now on).', form));
  });
  ctx.root.append(section('Defaults', form));
}

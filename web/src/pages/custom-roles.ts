// Custom roles: named sets of permissions at one scope, defined by Administrators.

import { api, listOf, seg } from '../api';
import { busy, field, h, select } from '../dom';
import type { PageContext } from '../context';
import { act, load, section, SLUG_HINT, SLUG_PATTERN, table } from './common';
import { PERMISSION_LABEL } from '../words';
import { PERMISSIONS, SCOPES, type Permission, type Scope } from '../../../functions/domain/permissions';

interface CustomRole {
  roleId?: string;
  id?: string;
  name?: string;
  scope: Scope;
  permissions: string[];
}

const SCOPE_LABEL: Record<Scope, string> = { org: 'Organization', app: 'App', envType: 'Environment type', env: 'Environment' };

export async function customRolesPage(ctx: PageContext) {
  ctx.title('Custom roles');
  const base = `/v1/orgs/${seg(ctx.org.orgId)}/roles`;
  const body = await load(ctx.root, 'Custom roles', () => api('GET', base));
  if (body === undefined) return;
  const mayManage = ctx.caller.can('roles.manage');
  const roles = listOf<CustomRole>(body, 'roles').filter((r) => (r as { builtIn?: boolean }).builtIn !== true);
  const rows = roles.map((r) => {
    const id = r.roleId ?? r.id ?? '';
    const del = mayManage ? h('button', { type: 'button', class: 'danger' }, 'Delete') : null;
    del?.addEventListener('click', () => {
      if (!window.confirm(`Delete the role ${r.name ?? id}?`)) return;
      void busy(del.parentElement!, async () => {
        if (await act(`Deleting ${id}…`, () => api('DELETE', `${base}/${seg(id)}`), `Role ${r.name ?? id} was deleted.`)) ctx.refresh();
      });
    });
    return h('tr', {}, h('td', {}, r.name ?? id), h('td', {}, SCOPE_LABEL[r.scope] ?? r.scope), h('td', {}, r.permissions.map((p) => PERMISSION_LABEL[p as Permission] ?? p).join(', ')), h('td', {}, h('div', { class: 'actions' }, del)));
  });
  ctx.root.append(section('Roles defined here', table('Custom roles', ['Role', 'Scope', 'Permissions', 'Actions'], rows, 'No custom roles yet. Built-in roles are always available.')));

  if (!mayManage) {
    ctx.root.append(h('p', { class: 'hint' }, 'Administrators define custom roles.'));
    return;
  }
  const roleId = h('input', { name: 'roleId', 'data-field': 'id', required: true, pattern: SLUG_PATTERN, maxlength: 50, autocomplete: 'off' });
  const name = h('input', { name: 'name', maxlength: 100, autocomplete: 'off' });
  const scope = select('scope', SCOPES.map((s) => ({ value: s, label: SCOPE_LABEL[s] })));
  const perms = h('fieldset', { class: 'permissions', 'data-field': 'permissions' });
  const renderPerms = () => {
    perms.replaceChildren(
      h('legend', {}, 'Permissions'),
      ...PERMISSIONS[scope.value as Scope].map((p) => {
        const box = h('input', { type: 'checkbox', name: 'permission', value: p, id: `perm-${p}` });
        return h('div', { class: 'check' }, box, h('label', { for: box.id }, PERMISSION_LABEL[p], ' ', h('code', { class: 'muted' }, p)));
      }),
    );
  };
  scope.addEventListener('change', renderPerms);
  renderPerms();
  const form = h('form', { class: 'stack' }, h('div', { class: 'row' }, field('Role id', roleId, SLUG_HINT), field('Name (optional)', name), field('Scope', scope)), perms, h('button', { type: 'submit' }, 'Create role'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const permissions = [...perms.querySelectorAll<HTMLInputElement>('input:checked')].map((b) => b.value);
    void busy(form, async () => {
      const ok = await act('Creating role…', () => api('POST', base, { id: roleId.value.trim(), name: name.value.trim() || roleId.value.trim(), scope: scope.value, permissions }), `Role ${roleId.value.trim()} was created.`, form);
      if (ok) ctx.refresh();
    });
  });
  ctx.root.append(section('New custom role', form));
}

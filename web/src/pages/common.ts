// Pieces several pages share: loading with a graceful "not available" notice, role options, tables.

import { ApiError, api, listOf, seg } from '../api';
import { clearFieldErrors, h, markFieldErrors, roleLabel } from '../dom';
import { FIELD_LABEL, neededFields } from '../words';
import { status } from '../status';
import type { PageContext } from '../context';
import { APP_ROLES, ENV_ROLES, ENV_TYPE_ROLES, ORG_ROLES, builtInRole, type Scope } from '../../../functions/domain/permissions';

/** Runs a load; on failure renders a notice in `root` (and the status region) and returns undefined. */
export async function load<T>(root: HTMLElement, what: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ApiError && err.unavailable) {
      root.append(h('p', { class: 'notice' }, `${what} are not available on this server yet.`));
      return undefined;
    }
    if (err instanceof ApiError && err.status === 401) return undefined;
    status.error(err);
    root.append(h('p', { class: 'notice error' }, `${what} could not be loaded. ${err instanceof Error ? err.message : ''}`));
    return undefined;
  }
}

/**
 * Runs an action with feedback in the status region; returns true when it succeeded. With `form`, the
 * fields the API refused are marked in it (message next to the field, focus on the first).
 */
export async function act(working: string, run: () => Promise<unknown>, done: string, form?: HTMLElement): Promise<boolean> {
  if (form) clearFieldErrors(form);
  status.working(working);
  try {
    await run();
    status.success(done);
    return true;
  } catch (err) {
    if (form && err instanceof ApiError && err.fields.length) {
      const marked = markFieldErrors(form, err.fields);
      // Field by field under the form's own labels; "this action needs …" already reads as a sentence.
      if (marked.some((f) => f.label) && !neededFields(err.detail)) {
        status.error(new Error(`Please check what you entered. ${marked.map((f) => `${f.label ?? FIELD_LABEL[f.key] ?? f.key}: ${f.message}`).join(' ')}`));
        return false;
      }
    }
    status.error(err);
    return false;
  }
}

/**
 * The id rule of apps, environments, types, teams and custom roles, as an HTML pattern. The '-' is
 * escaped: Chromium compiles `pattern` with the `v` flag, where an unescaped '-' at the end of a class
 * is a syntax error that silently switches validation off.
 */
export const SLUG_PATTERN = '[a-z0-9](?:[a-z0-9\\-]{0,48}[a-z0-9])?';
export const SLUG_HINT = 'Lower-case letters, digits and dashes (up to 50), not starting or ending with a dash';

const BUILT_IN: Record<Scope, readonly string[]> = { org: ORG_ROLES, app: APP_ROLES, envType: ENV_TYPE_ROLES, env: ENV_ROLES };

export interface RoleOption {
  value: string;
  label: string;
  /** The role's permissions (for grant ceilings: no one offers a role above their own). */
  permissions?: readonly string[];
}

/** Built-in roles of a scope followed by the org's custom roles of that scope (if the roles route exists). */
export async function roleOptions(ctx: PageContext, scope: Scope): Promise<RoleOption[]> {
  const options: RoleOption[] = BUILT_IN[scope].map((r) => ({ value: r, label: roleLabel(r), permissions: builtInRole(scope, r)?.permissions ?? [] }));
  try {
    const custom = listOf<{ roleId?: string; id?: string; name?: string; scope?: string; permissions?: string[] }>(await api('GET', `/v1/orgs/${seg(ctx.org.orgId)}/roles`), 'roles');
    for (const r of custom) {
      const id = r.roleId ?? r.id;
      if (id && r.scope === scope && !options.some((o) => o.value === id)) options.push({ value: id, label: `${r.name ?? id} (custom)`, permissions: r.permissions ?? [] });
    }
  } catch {
    // No custom roles route yet, or not allowed to list them: built-in roles only.
  }
  return options;
}

/** The organization's active members, for pickers ("grant a role to…"). */
export async function activeMembers(ctx: PageContext): Promise<{ userId: string; email: string; name?: string }[]> {
  const out: { userId: string; email: string; name?: string }[] = [];
  let cursor: string | undefined;
  do {
    const page: any = await api('GET', `/v1/orgs/${seg(ctx.org.orgId)}/members${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const m of listOf<any>(page, 'members')) if (m.userId && (m.status ?? 'active') === 'active') out.push(m);
    cursor = page?.next;
  } while (cursor && out.length < 1000);
  return out;
}

export const personLabel = (m: { email?: string; name?: string; userId?: string }) =>
  m.name && m.email ? `${m.name} <${m.email}>` : (m.email ?? m.name ?? m.userId ?? '');

/** A responsive table: each cell carries its column name, which narrow screens show as a label. */
export function table(caption: string, columns: string[], rows: HTMLTableRowElement[], empty = 'Nothing here yet.') {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  for (const row of rows) {
    [...row.cells].forEach((cell, i) => {
      cell.setAttribute('data-label', columns[i] ?? '');
      // One wrapper per cell, so narrow screens lay out label + content as two columns.
      const inner = h('div', { class: 'cell' });
      inner.append(...cell.childNodes);
      cell.append(inner);
    });
  }
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { class: 'responsive' }, h('caption', { class: 'visually-hidden' }, caption), h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows)),
  );
}

export function section(title: string, ...children: (Node | null | false | undefined)[]) {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

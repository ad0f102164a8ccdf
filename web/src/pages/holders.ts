// "Who holds which role on this thing": a table of users and their roles with Remove, and a form to
// grant a role. Shared by apps, environment types and environments.

import { api, listOf } from '../api';
import { busy, field, h, roleLabel, select } from '../dom';
import { status } from '../status';
import { act, load, personLabel, section, table, type RoleOption } from './common';

export interface Holder {
  userId?: string;
  teamId?: string;
  email?: string;
  name?: string;
  role: string;
  via?: string;
}

export interface HoldersOptions {
  title: string;
  /** GET: the holders (`members`, `items` or an array). */
  listPath: string;
  /** PUT {role} grants, DELETE removes. */
  memberPath: (userId: string) => string;
  roles: RoleOption[];
  people: { userId: string; email: string; name?: string }[];
  /** Holders given inline by a parent response, used when listPath is not available. */
  fallback?: Holder[];
  /** The caller may grant and take away roles here (decided by the page from the caller's roles). */
  canEdit: boolean;
  /** The caller: anyone may drop their own direct role, so their row keeps Remove. */
  selfId?: string;
  thing: string;
  /** Who holds roles here without being listed (Administrators, default roles, the app's roles). */
  note?: string;
}

export function holdersSection(o: HoldersOptions): HTMLElement {
  const listEl = h('div', { class: 'list' });
  const people = new Map(o.people.map((p) => [p.userId, p]));
  let holders: Holder[] = [];

  const render = () => {
    const rows = holders.map((m) => {
      if (m.teamId) {
        return h('tr', {}, h('td', {}, `Team ${m.teamId}`), h('td', {}, roleLabel(m.role)), h('td', {}, 'team (change it on the Teams page)'), h('td', {}));
      }
      const userId = m.userId ?? '';
      const person = people.get(userId) ?? m;
      const remove =
        (o.canEdit || (o.selfId !== undefined && userId === o.selfId)) && (!m.via || m.via === 'direct')
          ? h('button', {
              type: 'button',
              class: 'danger',
              on: {
                click: (e: Event) =>
                  void busy((e.currentTarget as HTMLElement).parentElement!, async () => {
                    const ok = await act(`Removing the role of ${personLabel(person)}…`, () => api('DELETE', o.memberPath(userId)), `${personLabel(person)} no longer has a role on ${o.thing}.`);
                    if (ok) await reload();
                  }),
              },
            }, 'Remove role')
          : null;
      return h('tr', {}, h('td', {}, personLabel(person)), h('td', {}, roleLabel(m.role)), h('td', {}, m.via && m.via !== 'direct' ? `via ${m.via}` : 'direct'), h('td', {}, h('div', { class: 'actions' }, remove)));
    });
    listEl.replaceChildren(table(`Roles on ${o.thing}`, ['Person', 'Role', 'Granted', 'Actions'], rows, `Nobody holds a role on ${o.thing} directly.`));
  };

  async function reload() {
    listEl.replaceChildren();
    const body = await load(listEl, 'Role holders', () => api('GET', o.listPath)).catch(() => undefined);
    holders = body
      ? [...listOf<Holder>(body, 'users', 'members', 'holders'), ...listOf<Holder>((body as { teams?: unknown }).teams ?? [], 'teams')]
      : (o.fallback ?? []);
    if (body || o.fallback) render();
  }

  const user = select('userId', o.people.map((p) => ({ value: p.userId, label: personLabel(p) })));
  const role = select('role', o.roles);
  const form = h('form', { class: 'row' }, field('Person', user), field('Role', role), h('button', { type: 'submit' }, 'Grant role'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const person = people.get(user.value);
    if (!person) return status.error(new Error('Choose a person.'));
    void busy(form, async () => {
      const ok = await act(`Granting ${roleLabel(role.value)} to ${personLabel(person)}…`, () => api('PUT', o.memberPath(person.userId), { role: role.value }), `${personLabel(person)} is now ${roleLabel(role.value)} on ${o.thing}.`, form);
      if (ok) await reload();
    });
  });

  void reload();
  return section(o.title, o.note ? h('p', { class: 'hint' }, o.note) : null, listEl, o.canEdit && o.people.length && o.roles.length ? form : null);
}

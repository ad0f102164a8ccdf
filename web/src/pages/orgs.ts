// Your organizations: the list with your role in each, pending invitations to your address, and a form
// to create a new organization.

import { api } from '../api';
import { signOut } from '../auth';
import { status } from '../status';
import { busy, field, formatDate, h, roleLabel } from '../dom';
import { ORG_PREF_KEY, type PageContext } from '../context';
import { act, section, table } from './common';

export async function orgsPage(ctx: PageContext) {
  ctx.title('Your organizations');
  const names = new Map<string, number>();
  for (const o of ctx.me.organizations) names.set(o.name, (names.get(o.name) ?? 0) + 1);
  const rows = ctx.me.organizations.map((o) =>
    h(
      'tr',
      {},
      h(
        'td',
        {},
        h('a', { href: `/orgs/${encodeURIComponent(o.orgId)}/members`, on: { click: (e: Event) => (e.preventDefault(), localStorage.setItem(ORG_PREF_KEY, o.orgId), ctx.go(`/orgs/${encodeURIComponent(o.orgId)}/members`)) } }, o.name),
        // Two organizations of one name (a Default Organization of one's own and one joined): tell them apart.
        (names.get(o.name) ?? 0) > 1 ? h('small', { class: 'muted block' }, `id ${o.orgId}`) : null,
        o.status === 'deleting' ? h('small', { class: 'muted block' }, 'being deleted') : null,
      ),
      h('td', {}, roleLabel(o.role)),
    ),
  );
  ctx.root.append(section('Organizations', table('Your organizations', ['Organization', 'Your role'], rows, 'You are not a member of any organization.')));

  if (ctx.me.invitations.length) {
    ctx.root.append(
      section(
        'Invitations for you',
        h('p', {}, 'Open the link in the invitation e-mail to accept.'),
        h(
          'ul',
          {},
          ctx.me.invitations.map((i) =>
            h(
              'li',
              {},
              h('strong', {}, String(i.orgName ?? i.orgId ?? 'An organization')),
              i.role ? ` as ${roleLabel(String(i.role))}` : '',
              (i.invitedBy as { email?: string } | undefined)?.email ? `, from ${(i.invitedBy as { email: string }).email}` : '',
              i.expiresAt ? ` (link valid until ${formatDate(i.expiresAt)})` : '',
            ),
          ),
        ),
      ),
    );
  }

  const name = h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off' });
  const form = h('form', { class: 'row' }, field('Name', name), h('button', { type: 'submit' }, 'Create organization'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = name.value.trim();
    if (!value) return;
    void busy(form, async () => {
      let orgId = '';
      const ok = await act(`Creating ${value}…`, async () => (orgId = (await api<{ orgId: string }>('POST', '/v1/orgs', { name: value })).orgId), `${value} was created. You are its Administrator.`, form);
      if (ok) ctx.go(`/orgs/${encodeURIComponent(orgId)}/members`, { reloadMe: true });
    });
  });
  ctx.root.append(section('New organization', form));

  // Deleting the account: leave every organization, delete the ones only you are in. The API refuses
  // (naming them) while you are the only Administrator of an organization with other members.
  const confirmInput = h('input', { name: 'confirm', required: true, autocomplete: 'off', 'aria-describedby': 'delete-account-hint' });
  const deleteForm = h(
    'form',
    { class: 'row' },
    field(`Type ${ctx.me.user.email} to confirm`, confirmInput),
    h('button', { type: 'submit', class: 'danger' }, 'Delete my account'),
  );
  deleteForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (confirmInput.value.trim().toLowerCase() !== ctx.me.user.email.toLowerCase()) {
      status.error(new Error(`Type your e-mail address, ${ctx.me.user.email}, to confirm.`));
      confirmInput.focus();
      return;
    }
    void busy(deleteForm, async () => {
      const ok = await act('Deleting your account…', () => api('DELETE', '/v1/me'), 'Your account was deleted.', deleteForm);
      if (ok) {
        status.carry('Your account was deleted. Signing in again starts a new one.', 'success');
        signOut();
      }
    });
  });
  ctx.root.append(
    section(
      'Delete your account',
      h(
        'p',
        { id: 'delete-account-hint' },
        'You leave every organization; those only you belong to are deleted. If you are the only Administrator of an organization with other members, make someone else Administrator first.',
      ),
      deleteForm,
    ),
  );
}

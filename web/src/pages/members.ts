// Members: active and invited users with role and status; invite, resend, revoke, change role, remove.

import { api, listOf, seg } from '../api';
import { busy, field, formatDate, h, roleLabel, select } from '../dom';
import type { PageContext } from '../context';
import { withinCeiling } from '../caller';
import { status } from '../status';
import { act, load, roleOptions, section, table, type RoleOption } from './common';

/** The mail service took the mail but did not confirm it: the invitation stands, a resend is the remedy. */
const UNCONFIRMED = (address: string) =>
  `The invitation to ${address} was saved, but the mail service did not confirm the e-mail. If it does not arrive in a few minutes, use Resend.`;

interface MemberRow {
  userId?: string;
  invitationId?: string;
  email: string;
  name?: string;
  role?: string;
  status?: string;
  joinedAt?: string;
  expiresAt?: string | number;
  invitedAt?: string;
  createdAt?: string;
}

const STATUS_LABEL: Record<string, string> = { active: 'Active', invited: 'Invited', pending: 'Invited', expired: 'Expired', revoked: 'Revoked', accepted: 'Accepted' };

export async function membersPage(ctx: PageContext) {
  ctx.title('Members');
  const base = `/v1/orgs/${seg(ctx.org.orgId)}`;
  const { caller } = ctx;
  const mayInvite = caller.can('members.invite');
  const roles = await roleOptions(ctx, 'org');
  // No one offers a role above their own: a Manager does not see Administrator, a Member only lower roles for themselves.
  const ownCeiling = withinCeiling(roles, caller.permissions);
  const listEl = h('div', { class: 'list' });

  if (mayInvite) ctx.root.append(inviteForm(base, ownCeiling, () => void reload()));
  ctx.root.append(section('People in this organization', listEl));

  let rows: MemberRow[] = [];
  /** Invitations whose link expired: GET …/members lists live ones only, but these can still be resent. */
  let expired: MemberRow[] = [];
  let next: string | undefined;

  async function reload() {
    rows = [];
    expired = [];
    next = undefined;
    listEl.replaceChildren();
    await loadPage();
  }

  async function loadPage() {
    const first = rows.length === 0;
    const [page, lapsed] = await Promise.all([
      load(listEl, 'Members', () => api('GET', `${base}/members${next ? `?cursor=${encodeURIComponent(next)}` : ''}`)),
      first ? expiredInvitations(base) : Promise.resolve(expired),
    ]);
    if (!page) return;
    rows.push(...listOf<MemberRow>(page, 'members'));
    next = (page as { next?: string }).next;
    expired = lapsed;
    render();
  }

  function render() {
    const more = next ? h('button', { type: 'button', class: 'secondary', on: { click: () => void loadPage() } }, 'Load more') : null;
    // An address listed as a member or a live invitation is not shown again as an expired one.
    const listed = new Set(rows.map((r) => r.email.toLowerCase()));
    const lapsed = expired.filter((e) => !listed.has(e.email.toLowerCase()));
    listEl.replaceChildren(table('Members and invitations', ['Person', 'Role', 'Status', 'Actions'], [...rows, ...lapsed].map(rowFor)), ...(more ? [more] : []));
  }

  function rowFor(m: MemberRow): HTMLTableRowElement {
    const isSelf = m.userId === ctx.me.user.userId;
    const st = m.status ?? (m.invitationId ? 'invited' : 'active');
    const who = h('td', {}, h('span', { class: 'person' }, m.name ?? m.email), isSelf ? h('span', { class: 'tag' }, 'you') : null, m.name ? h('small', { class: 'muted block' }, m.email) : null);
    const when =
      st === 'active'
        ? m.joinedAt && `since ${formatDate(m.joinedAt)}`
        : m.expiresAt && `${st === 'expired' ? 'link expired' : 'link valid until'} ${formatDate(m.expiresAt)}`;
    const statusCell = h('td', {}, h('span', { class: `badge ${st}` }, STATUS_LABEL[st] ?? st), when ? h('small', { class: 'muted block' }, when) : null);
    const actions = h('div', { class: 'actions' });
    const roleCell = h('td', {}, m.role ? roleLabel(m.role) : h('span', { class: 'muted' }, 'the default role'));

    const mayChangeRole = st === 'active' && m.userId && (isSelf || caller.can('members.setRole'));
    if (mayChangeRole && m.userId) {
      const userId = m.userId;
      // Oneself: only roles within one's own (no one raises their own role); others: Administrators give any.
      const offered = isSelf ? ownCeiling : roles;
      const options = offered.some((o) => o.value === m.role) ? offered : [{ value: m.role ?? '', label: roleLabel(m.role ?? '') }, ...offered];
      const picker = select('role', options, m.role, { 'aria-label': `Role of ${m.email}` });
      const change = h('form', { class: 'inline' }, picker, h('button', { type: 'submit', class: 'secondary' }, 'Change role'));
      change.addEventListener('submit', (e) => {
        e.preventDefault();
        const role = picker.value;
        if (role === m.role) return status.success(`${m.email} already has the role ${roleLabel(role)}.`);
        void busy(change, async () => {
          const ok = await act(`Changing the role of ${m.email}…`, () => api('PUT', `${base}/members/${seg(userId)}/role`, { role }), `${m.email} is now ${roleLabel(role)}.`);
          if (ok) {
            m.role = role;
            if (isSelf) {
              ctx.org.role = role;
              ctx.refresh({ reloadMe: true }); // one's own abilities changed: render again
            }
          } else picker.value = m.role ?? '';
        });
      });
      roleCell.replaceChildren(change);
    }
    const mayRemove = st === 'active' && m.userId && (isSelf || (caller.can('members.remove') && (m.role !== 'Administrator' || caller.isAdministrator)));
    if (mayRemove && m.userId) {
      const userId = m.userId;
      const remove = h('button', { type: 'button', class: 'danger' }, isSelf ? 'Leave organization' : 'Remove');
      remove.addEventListener('click', () => {
        const question = isSelf ? `Leave ${ctx.org.name}? You lose access to it.` : `Remove ${m.email} from ${ctx.org.name}? They lose every role in it.`;
        if (!window.confirm(question)) return;
        void busy(actions, async () => {
          const ok = await act(`Removing ${m.email}…`, () => api('DELETE', `${base}/members/${seg(userId)}`), isSelf ? `You left ${ctx.org.name}.` : `${m.email} was removed.`);
          if (ok && isSelf) return ctx.go('/orgs', { reloadMe: true });
          if (ok) {
            rows = rows.filter((r) => r !== m);
            render();
          }
        });
      });
      actions.append(remove);
    }

    if (st !== 'active' && m.invitationId && mayInvite) {
      const invitationId = m.invitationId;
      const resend = h('button', { type: 'button', class: 'secondary' }, 'Resend');
      resend.addEventListener('click', () =>
        void busy(actions, async () => {
          let mail: string | undefined;
          const ok = await act(
            `Sending a new link to ${m.email}…`,
            async () => (mail = (await api<{ mail?: string }>('POST', `${base}/invitations/${seg(invitationId)}/resend`))?.mail),
            `A new invitation link was sent to ${m.email}. The old link no longer works.`,
          );
          if (ok && mail === 'unconfirmed') status.error(new Error(UNCONFIRMED(m.email)));
          if (ok) await reload();
        }),
      );
      const revoke = h('button', { type: 'button', class: 'danger' }, 'Revoke');
      revoke.addEventListener('click', () => {
        if (!window.confirm(`Revoke the invitation for ${m.email}? The link in their e-mail stops working.`)) return;
        void busy(actions, async () => {
          const ok = await act(`Revoking the invitation for ${m.email}…`, () => api('DELETE', `${base}/invitations/${seg(invitationId)}`), `The invitation for ${m.email} was revoked.`);
          if (ok) {
            rows = rows.filter((r) => r !== m);
            expired = expired.filter((r) => r !== m);
            render();
          }
        });
      });
      actions.append(resend, revoke);
    }
    return h('tr', { 'data-email': m.email, 'data-status': st }, who, roleCell, statusCell, h('td', {}, actions));
  }

  await loadPage();
}

/** Invitations whose link expired (up to 500, newest first); none if they cannot be listed. */
async function expiredInvitations(base: string): Promise<MemberRow[]> {
  const out: MemberRow[] = [];
  let cursor: string | undefined;
  try {
    do {
      const page: any = await api('GET', `${base}/invitations?status=expired${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      for (const i of listOf<any>(page, 'invitations')) {
        if (i?.status !== 'expired' || typeof i.email !== 'string') continue;
        out.push({ email: i.email, invitationId: i.invitationId, role: i.role ?? undefined, status: 'expired', expiresAt: i.expiresAt, invitedAt: i.createdAt });
      }
      cursor = page?.next;
    } while (cursor && out.length < 500);
  } catch {
    // Not listable here (an older API, a busy moment): the members list still shows.
  }
  return out;
}

function inviteForm(base: string, roles: RoleOption[], onInvited: () => void) {
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off', maxlength: 254, placeholder: 'name@example.com' });
  const role = select('role', [{ value: '', label: "The organization's default role" }, ...roles]);
  const form = h(
    'form',
    { class: 'invite-form', 'aria-labelledby': 'invite-heading' },
    h('h2', { id: 'invite-heading' }, 'Invite someone'),
    h('div', { class: 'row' }, field('E-mail address', email), field('Organization role', role), h('button', { type: 'submit' }, 'Send invitation')),
    h('p', { class: 'hint' }, 'They get an e-mail with a link that works once, for 24 hours.'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const address = email.value.trim();
    if (!email.checkValidity()) {
      status.error(new Error('Enter a valid e-mail address.'));
      email.focus();
      return;
    }
    void busy(form, async () => {
      let answer: { resent?: boolean; mail?: string } | undefined;
      const ok = await act(
        `Inviting ${address}…`,
        async () => (answer = await api<{ resent?: boolean; mail?: string }>('POST', `${base}/invitations`, { email: address, ...(role.value ? { role: role.value } : {}) })),
        `Invitation sent to ${address}.`,
        form,
      );
      if (ok && answer?.resent) status.success(`${address} was already invited: a new link was sent and the earlier one no longer works.`);
      if (ok && answer?.mail === 'unconfirmed') status.error(new Error(UNCONFIRMED(address)));
      if (ok) {
        form.reset();
        onInvited();
      }
    }).then(() => email.focus());
  });
  return form;
}

// "Check access": may this user do this here? Asks POST /v1/orgs/{orgId}/authorize and shows the
// decision with the grants that made it, or what is missing.

import { api, seg } from '../api';
import { busy, field, h, replace, roleLabel, select } from '../dom';
import type { PageContext } from '../context';
import { act, activeMembers, personLabel, section } from './common';
import { ACTIONS } from '../../../functions/domain/evaluator';
import { PERMISSION_LABEL } from '../words';

interface Reason {
  /** The API's own description of the grant, when it gives one. */
  grant?: string;
  via: string;
  teamId?: string;
  role: string;
  scope: string;
  target: string;
  permission: string;
}


export async function checkAccessPage(ctx: PageContext) {
  ctx.title('Check access');
  // Asking about someone else is for Administrators and Managers; everyone may ask about themselves.
  const people = ctx.caller.can('apps.grantRoles') ? await activeMembers(ctx).catch(() => [ctx.me.user]) : [ctx.me.user];
  const user = select('userId', people.map((p) => ({ value: p.userId, label: personLabel(p) })), ctx.me.user.userId);
  const action = select('action', ACTIONS.map((a) => ({ value: a, label: `${a} (${PERMISSION_LABEL[a]})` })));
  const appId = h('input', { name: 'appId', autocomplete: 'off', maxlength: 63 });
  const envId = h('input', { name: 'envId', autocomplete: 'off', maxlength: 63 });
  const envTypeId = h('input', { name: 'envTypeId', autocomplete: 'off', maxlength: 63 });
  const result = h('div', { class: 'decision', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'stack' },
    h('div', { class: 'row' }, field('User', user), field('Action', action)),
    h('div', { class: 'row' }, field('App id (optional)', appId), field('Environment id (optional)', envId), field('Environment type (optional)', envTypeId)),
    h('button', { type: 'submit' }, 'Check'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = {
      userId: user.value,
      action: action.value,
      ...(appId.value.trim() ? { appId: appId.value.trim() } : {}),
      ...(envId.value.trim() ? { envId: envId.value.trim() } : {}),
      ...(envTypeId.value.trim() ? { envTypeId: envTypeId.value.trim() } : {}),
    };
    const who = personLabel(people.find((p) => p.userId === user.value) ?? { userId: user.value });
    // The previous decision goes before the new question is asked, so a failure never shows an old answer.
    replace(result, h('p', { class: 'muted' }, 'Checking…'));
    void busy(form, async () => {
      const ok = await act('Checking…', async () => {
        const d = await api<{ allowed: boolean; reasons?: Reason[]; missing?: string[] }>('POST', `/v1/orgs/${seg(ctx.org.orgId)}/authorize`, body);
        replace(
          result,
          h('p', { class: `verdict ${d.allowed ? 'allowed' : 'denied'}` }, d.allowed ? `Allowed: ${who} may ${body.action}.` : `Denied: ${who} may not ${body.action}.`),
          d.reasons?.length
            ? h('div', {}, h('h3', {}, 'Because of'), h('ul', {}, d.reasons.map((r) => h('li', {}, r.grant ? `${r.grant}: grants ${r.permission}` : `${roleLabel(r.role)} on ${r.scope === 'org' ? 'the organization' : `${r.scope} ${r.target}`} (${r.via === 'team' ? `via team ${r.teamId ?? ''}` : r.via}) grants ${r.permission}`))))
            : null,
          d.missing?.length ? h('div', {}, h('h3', {}, 'Missing'), h('ul', {}, d.missing.map((m) => h('li', {}, m)))) : null,
        );
      }, 'Decision shown below.', form);
      if (!ok) replace(result, h('p', { class: 'notice' }, 'No decision: the question could not be answered (see the message above).'));
    });
  });
  ctx.root.append(section('Ask', form), section('Decision', result));
}

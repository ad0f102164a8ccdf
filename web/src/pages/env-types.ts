// Environment types and their Deployers.

import { api, listOf, seg } from '../api';
import { busy, field, h } from '../dom';
import type { PageContext } from '../context';
import { act, activeMembers, load, roleOptions, section, SLUG_PATTERN } from './common';
import { holdersSection, type Holder } from './holders';

interface EnvType {
  typeId?: string;
  envTypeId?: string;
  id?: string;
  description?: string;
  members?: Holder[];
}

export async function envTypesPage(ctx: PageContext) {
  ctx.title('Environment types');
  const base = `/v1/orgs/${seg(ctx.org.orgId)}/env-types`;
  const body = await load(ctx.root, 'Environment types', () => api('GET', base));
  if (body === undefined) return;
  const mayManage = ctx.caller.can('envTypes.manage');
  const [people, roles] = await Promise.all([activeMembers(ctx).catch(() => []), roleOptions(ctx, 'envType')]);
  ctx.root.append(h('p', { class: 'hint' }, 'Creating, deploying or deleting an environment needs Developer or Owner on the app and Deployer on its type. Everyone is Deployer of development.'));
  const types = listOf<EnvType>(body, 'envTypes', 'types');
  for (const t of types) {
    const id = t.envTypeId ?? t.typeId ?? t.id ?? '';
    ctx.root.append(
      h(
        'article',
        { class: 'card' },
        holdersSection({
          title: `${id}${t.description ? ` (${t.description})` : ''}: Deployers`,
          listPath: `${base}/${seg(id)}/members`,
          memberPath: (u) => `${base}/${seg(id)}/members/${seg(u)}`,
          roles,
          people,
          fallback: t.members ?? [],
          canEdit: mayManage,
          selfId: ctx.me.user.userId,
          thing: `environment type ${id}`,
          note: 'Besides the people listed: Administrators deploy to every type, and default roles (Deployer of development, unless the organization changed it) apply to every member.',
        }),
      ),
    );
  }
  if (!mayManage) {
    ctx.root.append(h('p', { class: 'hint' }, 'Administrators create environment types and name their Deployers.'));
    return;
  }
  const typeId = h('input', { name: 'typeId', 'data-field': 'id', required: true, pattern: SLUG_PATTERN, maxlength: 50, autocomplete: 'off' });
  const form = h('form', { class: 'row' }, field('Type id', typeId, 'e.g. staging, production'), h('button', { type: 'submit' }, 'Create environment type'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = typeId.value.trim();
    void busy(form, async () => {
      if (await act(`Creating ${id}…`, () => api('POST', base, { id }), `Environment type ${id} was created.`, form)) ctx.refresh();
    });
  });
  ctx.root.append(section('New environment type', form));
}

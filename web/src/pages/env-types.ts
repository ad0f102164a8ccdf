// Environment types and their Deployers.

import { api, listOf, seg } from '../api';
import { busy, field, h } from '../dom';
import type { PageContext } from '../context';
import { act, activeMembers, load, roleOptions, section } from './common';
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
  const [people, roles] = await Promise.all([activeMembers(ctx).catch(() => []), roleOptions(ctx, 'envType')]);
  ctx.root.append(h('p', { class: 'hint' }, 'Creating, deploying or deleting an environment needs Developer or Owner on the app and Deployer on its type. Everyone is Deployer of development.'));
  const types = listOf<EnvType>(body, 'envTypes', 'types');
  for (const t of types) {
    const id = t.envTypeId ?? t.typeId ?? t.id ?? '';
    ctx.root.append(
      h(
        'article',
        { class: 'card' },
        holdersSection({ title: `${id}${t.description ? ` (${t.description})` : ''}: Deployers`, listPath: `${base}/${seg(id)}/members`, memberPath: (u) => `${base}/${seg(id)}/members/${seg(u)}`, roles, people, fallback: t.members ?? [], canEdit: true, thing: `environment type ${id}` }),
      ),
    );
  }
  const typeId = h('input', { name: 'typeId', required: true, pattern: '[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?', maxlength: 50, autocomplete: 'off' });
  const form = h('form', { class: 'row' }, field('Type id', typeId, 'e.g. staging, production'), h('button', { type: 'submit' }, 'Create environment type'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = typeId.value.trim();
    void busy(form, async () => {
      if (await act(`Creating ${id}…`, () => api('POST', base, { id }), `Environment type ${id} was created.`)) ctx.refresh();
    });
  });
  ctx.root.append(section('New environment type', form));
}

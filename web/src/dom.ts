// A tiny element builder. Text is always set as text (never innerHTML), so API data cannot inject markup.

type Child = Node | string | number | null | undefined | false;
type Handler = (event: Event) => void;
export interface Attrs {
  [name: string]: string | number | boolean | null | undefined | Handler | Record<string, Handler>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'on' && typeof value === 'object') {
      for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    } else if (name === 'class') {
      el.className = String(value);
    } else if (name === 'value' && 'value' in el) {
      (el as HTMLInputElement).value = String(value);
    } else if (typeof value === 'function') {
      throw new Error(`use on: { ${name} } for handlers`);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: (Child | Child[])[]) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function replace(parent: Element, ...children: (Child | Child[])[]) {
  parent.replaceChildren();
  append(parent, children);
}

let idCounter = 0;
/** A unique id for label/for pairs. */
export const uid = (prefix: string) => `${prefix}-${++idCounter}`;

/** A labelled field: <div class="field"><label for>…</label><control id></div>. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string) {
  if (!control.id) control.id = uid('f');
  const hintEl = hint ? h('small', { id: `${control.id}-hint`, class: 'hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

export function select(name: string, options: (string | { value: string; label: string })[], selected?: string, attrs: Attrs = {}) {
  return h(
    'select',
    { name, ...attrs },
    options.map((o) => {
      const { value, label } = typeof o === 'string' ? { value: o, label: o } : o;
      return h('option', { value, selected: value === selected }, label);
    }),
  );
}

/** Splits "ArtifactContributor" into "Artifact Contributor" for display. */
export const roleLabel = (role: string) => role.replace(/([a-z])([A-Z])/g, '$1 $2');

export function formatDate(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') return '';
  const d = new Date(typeof value === 'number' && value < 1e12 ? value * 1000 : value);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Disables a form's controls while an action runs, so a double click cannot send twice. */
export async function busy<T>(scope: HTMLElement, run: () => Promise<T>): Promise<T> {
  const controls = [...scope.querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLSelectElement>('button, input, select, textarea')].filter((c) => !c.disabled);
  controls.forEach((c) => (c.disabled = true));
  scope.setAttribute('aria-busy', 'true');
  try {
    return await run();
  } finally {
    controls.forEach((c) => (c.disabled = false));
    scope.removeAttribute('aria-busy');
  }
}

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

/** A field the API refused: its request key and the message to show next to it. */
export interface FieldProblem {
  key: string;
  message: string;
}

/** The control a request key names in a form: `data-field="key"`, else `name="key"`. */
function controlFor(form: HTMLElement, key: string): HTMLElement | null {
  const esc = CSS.escape(key);
  return form.querySelector<HTMLElement>(`[data-field="${esc}"]`) ?? form.querySelector<HTMLElement>(`[name="${esc}"]`);
}

/** The label a person sees for a control. */
export function labelOf(control: HTMLElement): string {
  const byFor = control.id ? control.ownerDocument.querySelector(`label[for="${CSS.escape(control.id)}"]`) : null;
  return (byFor?.textContent ?? control.querySelector('legend')?.textContent ?? control.getAttribute('aria-label') ?? '').trim();
}

function clearOne(control: HTMLElement) {
  control.removeAttribute('aria-invalid');
  const error = control.id ? document.getElementById(`${control.id}-error`) : null;
  if (!error) return;
  error.remove();
  const rest = (control.getAttribute('aria-describedby') ?? '').split(/\s+/).filter((id) => id && id !== error.id);
  if (rest.length) control.setAttribute('aria-describedby', rest.join(' '));
  else control.removeAttribute('aria-describedby');
}

/** Removes every mark `markFieldErrors` left in the form. */
export function clearFieldErrors(form: HTMLElement) {
  form.querySelectorAll<HTMLElement>('[aria-invalid="true"]').forEach(clearOne);
}

/**
 * Marks the controls the API refused: aria-invalid, the message next to the control (and in its
 * aria-describedby), focus on the first. Returns each problem with the label it was shown under
 * (the form's own label, or undefined when the form has no such control).
 */
export function markFieldErrors(form: HTMLElement, problems: FieldProblem[]): (FieldProblem & { label?: string })[] {
  let first: HTMLElement | undefined;
  const out = problems.map((p) => {
    const control = controlFor(form, p.key);
    if (!control) return p;
    if (!control.id) control.id = uid('f');
    clearOne(control);
    control.setAttribute('aria-invalid', 'true');
    const error = h('small', { id: `${control.id}-error`, class: 'field-error' }, p.message);
    (control.closest('.field') ?? (control.matches('fieldset') ? control : control.parentElement) ?? form).append(error);
    control.setAttribute('aria-describedby', [error.id, control.getAttribute('aria-describedby')].filter(Boolean).join(' '));
    const done = () => clearOne(control);
    control.addEventListener('input', done, { once: true });
    control.addEventListener('change', done, { once: true });
    first ??= control;
    return { ...p, label: labelOf(control) || undefined };
  });
  const focusable = first?.matches('input, select, textarea, button') ? first : first?.querySelector<HTMLElement>('input, select, textarea, button');
  // After the caller's busy() has enabled the form again (a disabled control cannot take focus).
  if (focusable) setTimeout(() => focusable.focus(), 0);
  return out;
}

// The one live region every action reports to: polite for progress and success, an error style (and
// assertive politeness) for failures. Screen readers announce it; sighted users see it under the heading.

let region: HTMLElement | undefined;
let clearTimer: number | undefined;

export function mountStatus(el: HTMLElement) {
  region = el;
}

function show(text: string, kind: 'info' | 'success' | 'error') {
  if (!region) return;
  window.clearTimeout(clearTimer);
  region.dataset.kind = kind;
  region.setAttribute('aria-live', kind === 'error' ? 'assertive' : 'polite');
  region.textContent = text;
}

export const status = {
  working: (text: string) => show(text, 'info'),
  success: (text: string) => show(text, 'success'),
  error: (err: unknown) => show(err instanceof Error ? err.message : String(err), 'error'),
  clear: () => show('', 'info'),
};

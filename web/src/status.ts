// The one live region every action reports to: polite for progress and success, an error style (and
// assertive politeness) for failures. Screen readers announce it; sighted users see it under the heading.
// A message given before any region exists (the first render of a page) waits for the next region;
// `status.carry` keeps one across a full page load (a redirect to sign-in and back) in sessionStorage.

type Kind = 'info' | 'success' | 'error';

const CARRY_KEY = 'org-access.status';
let region: HTMLElement | undefined;
let pending: { text: string; kind: Kind } | undefined;

function carried(): { text: string; kind: Kind } | undefined {
  try {
    const raw = sessionStorage.getItem(CARRY_KEY);
    sessionStorage.removeItem(CARRY_KEY);
    const value = raw ? (JSON.parse(raw) as { text?: unknown; kind?: unknown }) : undefined;
    if (typeof value?.text !== 'string' || !value.text) return undefined;
    return { text: value.text, kind: value.kind === 'error' || value.kind === 'success' ? value.kind : 'info' };
  } catch {
    return undefined;
  }
}

/** Makes `el` the region; shows a message given while there was none, or one carried across a page load. */
export function mountStatus(el: HTMLElement) {
  region = el;
  const stored = carried(); // always read, so a carried message is shown once
  const waiting = pending ?? stored;
  pending = undefined;
  if (waiting) show(waiting.text, waiting.kind);
}

function show(text: string, kind: Kind) {
  if (!region || !region.isConnected) {
    pending = text ? { text, kind } : undefined;
    return;
  }
  region.dataset.kind = kind;
  region.setAttribute('aria-live', kind === 'error' ? 'assertive' : 'polite');
  region.textContent = text;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

export const status = {
  working: (text: string) => show(text, 'info'),
  success: (text: string) => show(text, 'success'),
  error: (err: unknown) => show(messageOf(err), 'error'),
  clear: () => show('', 'info'),
  /** For the next page, even after a full load (sign-in and back): shown by the next region mounted. */
  carry: (text: string, kind: Kind = 'info') => {
    pending = { text, kind };
    try {
      sessionStorage.setItem(CARRY_KEY, JSON.stringify({ text, kind }));
    } catch {
      // Storage refused (private mode): the message still shows if the page does not reload.
    }
  },
};

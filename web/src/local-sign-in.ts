// The script of the local sign-in page (local/sign-in.html, local mode only, never deployed): it asks
// the local server for a token, stores it where the console reads it, and goes back to `returnTo`
// under the console's own rule (safeReturnTo). local/server.ts bundles this file on demand.

import { TOKEN_KEY } from './auth';
import { safeReturnTo } from './return-to';

const form = document.getElementById('sign-in') as HTMLFormElement;
const email = form.elements.namedItem('email') as HTMLInputElement;
const name = form.elements.namedItem('name') as HTMLInputElement;
const error = document.getElementById('error')!;
const params = new URLSearchParams(location.search);
if (params.get('email')) email.value = params.get('email')!;

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.textContent = '';
  const provider = ((event as SubmitEvent).submitter as HTMLButtonElement | null)?.value ?? 'Google';
  let res: Response;
  try {
    res = await fetch('/_local/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: email.value, provider, name: name.value || undefined }),
    });
  } catch {
    error.textContent = 'The local server cannot be reached. Is `npm start` running?';
    return;
  }
  const body = (await res.json().catch(() => ({}))) as { token?: string; error?: { message?: string } };
  if (!res.ok || !body.token) {
    error.textContent = body.error?.message ?? 'Sign-in failed.';
    return;
  }
  localStorage.setItem(TOKEN_KEY, body.token);
  location.assign(safeReturnTo(params.get('returnTo')));
});

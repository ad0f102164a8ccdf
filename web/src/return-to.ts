// Where to go after signing in. Shared by the console and the local sign-in page (local/server.ts
// bundles web/src/local-sign-in.ts, which imports it), so both follow one rule.

/**
 * `value` if it is a path on this origin, else '/'. Refused: anything not starting with one '/',
 * '//' and '/\' (browsers read '\' as '/', so both name another host), any backslash or control
 * character (the URL parser drops tabs and newlines, turning '/\t/evil' into '//evil'), and whatever
 * still resolves to another origin.
 */
export function safeReturnTo(value: string | null | undefined, origin: string = location.origin): string {
  if (!value || value[0] !== '/' || value[1] === '/' || /[\\\u0000-\u001f\u007f]/.test(value)) return '/';
  try {
    const url = new URL(value, origin);
    return url.origin === origin ? `${url.pathname}${url.search}${url.hash}` : '/';
  } catch {
    return '/';
  }
}

// Local-only pages (never deployed): path → file under local/, or 'mailbox' for the rendered mailbox.
export function localPages(): Record<string, string> {
  return {
    '/_local/sign-in': 'sign-in.html',
    '/_local/mailbox': 'mailbox',
  };
}

// Tokens never reach the logs: the Powertools logger's output of a whole invite-accept flow, at INFO.
// The level is set before any handler module (and so the logger) loads; nothing is imported statically
// from functions/ for that reason.
import { randomBytes } from 'node:crypto';
import { afterAll, expect, it, vi } from 'vitest';

process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
const { anonymous, harness } = await import('../support/harness');
const h = await harness();
afterAll(async () => h.close());

it('never contain a token or its secret during a whole invite-accept flow', async () => {
  const anon = await anonymous();
  const email = `invitee-${randomBytes(5).toString('hex')}@example.com`;
  const lines: string[] = [];
  const capture = ((chunk: unknown) => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
    return true;
  }) as typeof process.stdout.write;
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  let token = '';
  try {
    const admin = await h.user({ name: 'Ann' });
    const orgId = (await admin.api('POST', '/v1/orgs', { name: 'Acme' })).body.orgId as string;
    expect((await admin.api('POST', `/v1/orgs/${orgId}/invitations`, { email })).status).toBe(201);
    const text = (await h.mailTo(email))[0]?.body.text ?? '';
    token = /\/invite\/([A-Za-z0-9_.-]+)/.exec(text)?.[1] ?? '';
    expect(token).not.toBe('');
    await anon('GET', `/v1/invitations/${token}`);
    await fetch(`${h.url}/invite/${token}`).then((r) => r.text());
    const invitee = await h.user({ email });
    expect((await invitee.api('POST', `/v1/invitations/${token}/accept`)).status).toBe(200);
    expect((await invitee.api('POST', `/v1/invitations/${token}/accept`)).status).toBe(410);
    await anon('GET', `/v1/invitations/${token.slice(0, -2)}xx`);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const secret = token.split('.')[2]!;
  const logged = lines.join('');
  expect(lines.length).toBeGreaterThan(5);
  expect(logged).toContain('"route":"POST /v1/invitations/{token}/accept"');
  expect(logged).toContain('invitation accepted');
  expect(logged).not.toContain(secret);
  expect(logged).not.toContain(secret.slice(0, 12));
  expect(logged).not.toContain(token);
});

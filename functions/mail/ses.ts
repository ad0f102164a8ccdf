// The SES sender (SES v1 SendEmail). The SDK honours AWS_ENDPOINT_URL_SES, so the local SES needs no
// branch here. Configuration: MAIL_FROM (required), SES_CONFIGURATION_SET (optional).

import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { DomainError } from '../domain/errors';
import { config } from '../lib/config';
import type { Mail } from './templates';

/**
 * SES must answer well inside the API function's 10 s timeout (lib/constructs/service-function.ts), or
 * the Lambda dies mid-request. One attempt of at most 3 s (connecting included, at most 2 s): no retry,
 * because a retry after a timeout may send the mail twice, and the SDK's default handler has no timeout.
 */
export const SES_TIMEOUTS = { connectionTimeout: 2_000, requestTimeout: 3_000, maxAttempts: 1 } as const;

const ses = new SESClient({
  maxAttempts: SES_TIMEOUTS.maxAttempts,
  // NodeHttpHandler options (@smithy/node-http-handler, the SDK's own handler): without
  // throwOnRequestTimeout a breached requestTimeout only logs a warning.
  requestHandler: {
    connectionTimeout: SES_TIMEOUTS.connectionTimeout,
    requestTimeout: SES_TIMEOUTS.requestTimeout,
    throwOnRequestTimeout: true,
  },
});

/**
 * SES may have sent the mail, or not: it timed out or failed after taking the request. The caller keeps
 * what it wrote (the link may be in the invitee's mailbox) and says so; a resend is the remedy.
 */
export class MailUnconfirmed extends Error {
  constructor(readonly reason: string) {
    super(`SES did not confirm the mail (${reason})`);
  }
}

/** Errors that prove SES never took the message: it refused it (4xx) or was never reached. */
const NOT_REACHED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
export function mailCertainlyNotSent(err: unknown): boolean {
  const e = err as { $metadata?: { httpStatusCode?: number }; code?: string; cause?: { code?: string } };
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500) return true;
  return NOT_REACHED.has(e.code ?? '') || NOT_REACHED.has(e.cause?.code ?? '');
}

/**
 * Send one mail. SES refused it or was never reached: mail_failed (502), with SES's reason and never
 * the body. SES may have sent it: MailUnconfirmed.
 */
export async function sendMail(to: string, mail: Mail): Promise<{ messageId: string }> {
  const configurationSet = process.env.SES_CONFIGURATION_SET;
  try {
    const out = await ses.send(
      new SendEmailCommand({
        Source: config.mailFrom,
        Destination: { ToAddresses: [to] },
        Message: {
          Subject: { Data: mail.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: mail.text, Charset: 'UTF-8' }, Html: { Data: mail.html, Charset: 'UTF-8' } },
        },
        ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
      }),
    );
    return { messageId: out.MessageId ?? '' };
  } catch (err) {
    const reason = (err as Error).name && (err as Error).name !== 'Error' ? (err as Error).name : 'the mail service could not be reached';
    if (!mailCertainlyNotSent(err)) throw new MailUnconfirmed(reason);
    throw new DomainError('mail_failed', `The invitation e-mail could not be sent (${reason}). Nothing was changed; try again.`);
  }
}

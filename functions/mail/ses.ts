// The SES sender (SES v1 SendEmail). The SDK honours AWS_ENDPOINT_URL_SES, so the local SES needs no
// branch here. Configuration: MAIL_FROM (required), SES_CONFIGURATION_SET (optional).

import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { DomainError } from '../domain/errors';
import { config } from '../lib/config';
import type { Mail } from './templates';

/**
 * SES must answer well inside the API function's 10 s timeout (lib/constructs/service-function.ts), or
 * the Lambda dies mid-request and the invitation, its guard and the counted slot stay behind with no
 * mail. Two attempts of at most 3 s each (connecting included, at most 2 s) end in ~6.5 s at worst, so
 * the rollback and the 502 mail_failed answer still run. The SDK's default handler has no timeout at all.
 */
export const SES_TIMEOUTS = { connectionTimeout: 2_000, requestTimeout: 3_000, maxAttempts: 2 } as const;

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

/** Send one mail; any SES failure becomes mail_failed (502), with SES's reason and never the body. */
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
    throw new DomainError('mail_failed', `The invitation e-mail could not be sent (${reason}). Nothing was changed; try again.`);
  }
}

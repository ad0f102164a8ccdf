// The SES sender (SES v1 SendEmail). The SDK honours AWS_ENDPOINT_URL_SES, so the local SES needs no
// branch here. Configuration: MAIL_FROM (required), SES_CONFIGURATION_SET (optional).

import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { DomainError } from '../domain/errors';
import { config } from '../lib/config';
import type { Mail } from './templates';

const ses = new SESClient({ maxAttempts: 3 });

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

// A local SES endpoint (aws-ses-v2-local): it accepts SendEmail like SES and keeps the mail, which a
// person reads in its web viewer and a test reads over HTTP (GET /store).

import type { Server } from 'node:http';
import sesLocal from 'aws-ses-v2-local';

export interface SesLocal {
  endpoint: string;
  stop: () => Promise<void>;
}

export async function startSesLocal(port = 0): Promise<SesLocal> {
  const start = ((sesLocal as unknown as { default?: typeof sesLocal }).default ?? sesLocal) as (c: { port: number; host: string }) => Promise<Server>;
  const server = await start({ port, host: '127.0.0.1' });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    endpoint: `http://127.0.0.1:${actual}`,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

export interface LocalMail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
}

export async function readMailbox(sesEndpoint: string): Promise<LocalMail[]> {
  const res = await fetch(`${sesEndpoint}/store`);
  const { emails } = (await res.json()) as { emails: LocalMail[] };
  return emails;
}

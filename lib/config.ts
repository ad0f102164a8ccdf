// Deployment configuration, read from CDK context and checked once at synth. A missing or malformed
// value stops the synth with one message that lists every value to set and how (docs/deploy.md).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface OrgAccessConfig {
  /** Public host name of the console and the API (CloudFront), e.g. access.example.com. */
  domainName: string;
  /** ACM certificate in us-east-1 covering domainName (CloudFront only takes us-east-1 certificates). */
  certificateArn: string;
  /** Prefix of Cognito's hosted UI domain: https://<prefix>.auth.<region>.amazoncognito.com. */
  authDomainPrefix: string;
  /** Sender of invitation mail, `no-reply@example.com` or `org-access <no-reply@example.com>`. */
  mailFrom: string;
  /** Google OAuth client id (…apps.googleusercontent.com). */
  googleClientId: string;
  /** GitHub OAuth App client id. */
  githubClientId: string;
  /** Secrets Manager names of secrets created before the first deploy (docs/deploy.md). */
  googleClientSecretName: string;
  githubClientSecretName: string;
  oidcSigningKeySecretName: string;
  /**
   * Optional: the Secrets Manager version of each provider's client secret that Cognito is given.
   * Set after a rotation (docs/deploy.md): the version id changes the template, so the deploy pushes
   * the new secret to Cognito's identity provider; without it Cognito keeps the secret it was given.
   */
  googleClientSecretVersion?: string;
  githubClientSecretVersion?: string;
  /** Optional: an address subscribed to the alarm topic. */
  alarmEmail?: string;
}

/** Derived values every stack uses; computed here so that they exist in one place. */
export interface Derived {
  publicUrl: string;
  /** The console's origin; also the only CORS origin of the API. */
  consoleOrigin: string;
  /** Domain part of mailFrom: the SES identity. */
  mailDomain: string;
  /** The console's sign-in page (the invite page sends signed-out visitors there with returnTo). */
  signInUrl: string;
  /** Where Cognito sends the browser back after sign-in and sign-out (web/src/auth.ts). */
  callbackUrls: string[];
  logoutUrls: string[];
  /** Issuer of the GitHub OIDC wrapper, reached through CloudFront on the public domain. */
  githubIssuer: string;
}

interface Rule {
  key: keyof OrgAccessConfig;
  what: string;
  example: string;
  valid: (v: string) => boolean;
  optional?: boolean;
}

const EMAIL = /^[^\s@<>]+@([a-z0-9-]+\.)+[a-z]{2,}$/i;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
/** Secrets Manager version ids are UUIDs (32-64 characters). */
const SECRET_VERSION = /^[A-Za-z0-9-]{32,64}$/;

export const RULES: readonly Rule[] = [
  {
    key: 'domainName',
    what: 'public host name of the console and API (point its DNS at the CloudFront distribution)',
    example: 'access.example.com',
    valid: (v) => /^(?=.{1,253}$)([a-z0-9](-*[a-z0-9])*\.)+[a-z]{2,}$/.test(v),
  },
  {
    key: 'certificateArn',
    what: 'ACM certificate ARN in us-east-1 that covers domainName',
    example: 'arn:aws:acm:us-east-1:123456789012:certificate/0000aaaa-0000-aaaa-0000-aaaa0000aaaa',
    valid: (v) => /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(v),
  },
  {
    key: 'authDomainPrefix',
    what: "Cognito hosted UI domain prefix, unique in the region; lower-case letters, digits, '-'; may not contain aws, amazon or cognito",
    example: 'acme-org-access',
    valid: (v) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(v) && !/aws|amazon|cognito/.test(v),
  },
  {
    key: 'mailFrom',
    what: 'sender address of invitation e-mails, on a domain you can verify in SES',
    example: 'no-reply@example.com',
    valid: (v) => EMAIL.test(addressOf(v)),
  },
  {
    key: 'googleClientId',
    what: 'client id of the Google OAuth client (Google Cloud console > Credentials)',
    example: '1234567890-abc.apps.googleusercontent.com',
    valid: (v) => /^[A-Za-z0-9-]+\.apps\.googleusercontent\.com$/.test(v),
  },
  {
    key: 'githubClientId',
    what: 'client id of the GitHub OAuth App',
    example: 'Ov23liAbCdEfGhIjKlMn',
    valid: (v) => /^[A-Za-z0-9._-]{1,100}$/.test(v),
  },
  {
    key: 'googleClientSecretName',
    what: 'name of the Secrets Manager secret holding the Google client secret (plain string)',
    example: 'org-access/google-client-secret',
    valid: (v) => SECRET_NAME.test(v),
  },
  {
    key: 'githubClientSecretName',
    what: 'name of the Secrets Manager secret holding the GitHub OAuth App client secret (plain string)',
    example: 'org-access/github-client-secret',
    valid: (v) => SECRET_NAME.test(v),
  },
  {
    key: 'oidcSigningKeySecretName',
    what: "name of the Secrets Manager secret holding the GitHub wrapper's RSA private key (JWK)",
    example: 'org-access/github-oidc-signing-key',
    valid: (v) => SECRET_NAME.test(v),
  },
  {
    key: 'googleClientSecretVersion',
    what: 'optional: the version id of the Google client secret to give Cognito (after a rotation)',
    example: '00000000-0000-0000-0000-000000000000',
    valid: (v) => SECRET_VERSION.test(v),
    optional: true,
  },
  {
    key: 'githubClientSecretVersion',
    what: 'optional: the version id of the GitHub client secret to give Cognito (after a rotation)',
    example: '00000000-0000-0000-0000-000000000000',
    valid: (v) => SECRET_VERSION.test(v),
    optional: true,
  },
  {
    key: 'alarmEmail',
    what: 'optional: e-mail address subscribed to the alarm topic',
    example: 'platform-oncall@example.com',
    valid: (v) => EMAIL.test(v),
    optional: true,
  },
];

/** `no-reply@x.com` from `org-access <no-reply@x.com>` or `no-reply@x.com`. */
export function addressOf(mailFrom: string): string {
  const match = /<([^>]+)>\s*$/.exec(mailFrom);
  return (match?.[1] ?? mailFrom).trim();
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Validates raw context values. `lookup(key)` returns the value from CDK context. Every problem is
 * reported at once, with the exact `-c key=value` to add.
 */
export function parseConfig(lookup: (key: string) => unknown): OrgAccessConfig {
  const problems: string[] = [];
  const values: Partial<Record<keyof OrgAccessConfig, string>> = {};
  for (const rule of RULES) {
    const raw = lookup(rule.key);
    const value = typeof raw === 'string' ? raw.trim() : raw === undefined || raw === null ? '' : String(raw);
    if (!value) {
      if (!rule.optional) problems.push(`  - ${rule.key} is missing: ${rule.what}. Set -c ${rule.key}=${rule.example}`);
      continue;
    }
    if (!rule.valid(value)) {
      problems.push(`  - ${rule.key}="${value}" is not valid: ${rule.what}. Example: -c ${rule.key}=${rule.example}`);
      continue;
    }
    values[rule.key] = value;
  }
  if (problems.length > 0) {
    throw new ConfigError(
      [
        'org-access: the deployment configuration is incomplete. Set these CDK context values',
        '(on the command line, `npx cdk deploy --all -c key=value ...`, or in cdk.context.json; docs/deploy.md explains each):',
        ...problems,
      ].join('\n'),
    );
  }
  return values as OrgAccessConfig;
}

export function derive(config: OrgAccessConfig): Derived {
  const publicUrl = `https://${config.domainName}`;
  return {
    publicUrl,
    consoleOrigin: publicUrl,
    mailDomain: addressOf(config.mailFrom).split('@')[1]!.toLowerCase(),
    signInUrl: `${publicUrl}/sign-in`,
    callbackUrls: [`${publicUrl}/auth/callback`],
    logoutUrls: [`${publicUrl}/signed-out`],
    githubIssuer: `${publicUrl}/oidc/github`,
  };
}

/**
 * The example values (cdk.context.example.json) that let `npm run synth` work offline. Only with
 * `-c useExampleContext=true` (bin/org-access.ts): never filled in silently.
 */
export function exampleContext(projectRoot: string): Record<string, unknown> {
  return JSON.parse(readFileSync(resolve(projectRoot, 'cdk.context.example.json'), 'utf8')) as Record<string, unknown>;
}

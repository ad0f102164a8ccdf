// The console's runtime configuration, written next to it by the deployment (or served by `npm start`).

export type ConsoleConfig =
  | { mode: 'local'; apiUrl: string; signInUrl: string; mailboxUrl?: string }
  | { mode: 'cognito'; apiUrl: string; cognitoDomain: string; clientId: string; region?: string; signInUrl?: string };

let loaded: ConsoleConfig | undefined;

export async function loadConfig(): Promise<ConsoleConfig> {
  if (loaded) return loaded;
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`The console's configuration (/config.json) could not be loaded (HTTP ${res.status}).`);
  const raw = (await res.json()) as Record<string, unknown>;
  const apiUrl = typeof raw.apiUrl === 'string' ? raw.apiUrl.replace(/\/+$/, '') : '';
  if (raw.mode === 'cognito') {
    if (typeof raw.cognitoDomain !== 'string' || typeof raw.clientId !== 'string') {
      throw new Error('The console configuration is missing cognitoDomain or clientId.');
    }
    loaded = {
      mode: 'cognito',
      apiUrl,
      cognitoDomain: raw.cognitoDomain.replace(/^https?:\/\//, '').replace(/\/+$/, ''),
      clientId: raw.clientId,
      ...(typeof raw.region === 'string' ? { region: raw.region } : {}),
      ...(typeof raw.signInUrl === 'string' ? { signInUrl: raw.signInUrl } : {}),
    };
  } else {
    loaded = {
      mode: 'local',
      apiUrl,
      signInUrl: typeof raw.signInUrl === 'string' ? raw.signInUrl : '/_local/sign-in',
      ...(typeof raw.mailboxUrl === 'string' ? { mailboxUrl: raw.mailboxUrl } : {}),
    };
  }
  return loaded;
}

export function config(): ConsoleConfig {
  if (!loaded) throw new Error('config not loaded');
  return loaded;
}

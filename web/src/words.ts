// The API's vocabulary (permission names, request fields) in the words of the person using the
// console. The API's own messages are precise but written for developers; these are what we show.

import type { Permission } from '../../functions/domain/permissions';

/** What each permission lets someone do, as a verb phrase ("invite people"). */
export const PERMISSION_LABEL: Record<Permission, string> = {
  'org.read': 'see the organization',
  'org.update': 'change the organization',
  'org.delete': 'delete the organization',
  'members.read': 'see its members',
  'members.invite': 'invite people',
  'members.remove': 'remove people',
  'members.setRole': 'change the organization role of others',
  'artifacts.read': 'list image builds',
  'artifacts.write': 'add image builds',
  'registry.readCredentials': 'read registry credentials',
  'tokens.issue': 'issue API tokens',
  'apps.create': 'create apps',
  'apps.grantRoles': 'give app roles',
  'envTypes.manage': 'manage environment types',
  'teams.manage': 'manage teams',
  'roles.manage': 'define custom roles',
  'defaultRoles.update': 'change default roles',
  'resources.update': 'update Resources',
  'app.read': 'see the app',
  'app.update': 'change the app',
  'app.delete': 'delete the app',
  'app.manageMembers': "change who has a role on the app",
  'env.create': 'create environments',
  'env.read': 'see environments',
  'env.update': 'change environments',
  'env.deploy': 'deploy',
  'env.delete': 'delete environments',
  'env.manageMembers': "change who has a role on the environment",
  'envType.deploy': 'deploy to the environment type',
};

/** Who may, in a sentence, for a refusal: "Only Administrators can change default roles." `where` is the API's own "app shop". */
export function whoMay(permission: string, where = ''): string {
  const on = where && where !== 'the organization' ? ` on ${where}` : '';
  switch (permission) {
    case 'org.update':
    case 'org.delete':
    case 'members.setRole':
    case 'envTypes.manage':
    case 'teams.manage':
    case 'roles.manage':
    case 'defaultRoles.update':
    case 'resources.update':
      return `Only Administrators can ${PERMISSION_LABEL[permission]}.`;
    case 'members.invite':
    case 'members.remove':
    case 'tokens.issue':
    case 'apps.create':
    case 'apps.grantRoles':
      return `Only Administrators and Managers can ${PERMISSION_LABEL[permission]}.`;
    case 'artifacts.read':
    case 'artifacts.write':
    case 'registry.readCredentials':
      return `Only Artifact Contributors, Managers and Administrators can ${PERMISSION_LABEL[permission]}.`;
    case 'org.read':
    case 'members.read':
      return 'Only members of this organization can see it.';
    case 'app.read':
      return `You need a role${on || ' on this app'} to see it.`;
    case 'app.update':
      return `Changing ${where || 'this app'} needs Developer or Owner on it.`;
    case 'app.delete':
      return `Deleting ${where || 'an app'} needs Owner on it, and Deployer on every environment type its environments use.`;
    case 'app.manageMembers':
      return `Only Owners of ${where || 'the app'}, Managers and Administrators can change who has a role on it.`;
    case 'env.create':
      return `Creating an environment needs Developer or Owner${on || ' on the app'}, and Deployer on its environment type.`;
    case 'env.read':
      return `You need a role on the app or${on ? ` on ${where}` : ' the environment'} to see it.`;
    case 'env.update':
      return `Changing ${where || 'this environment'} needs Developer on the app or on the environment.`;
    case 'env.deploy':
    case 'env.delete':
      return `${permission === 'env.deploy' ? 'Deploying to' : 'Deleting'} ${where || 'an environment'} needs Developer or Owner on the app and Deployer on its environment type, or that role on the environment itself.`;
    case 'env.manageMembers':
      return `Only Owners of ${where || 'the environment'}, Managers and Administrators can change roles on it.`;
    case 'envType.deploy':
      return `That needs Deployer${on || ' on the environment type'}.`;
    default:
      return `You may not do that${on}.`;
  }
}

/** "env.deploy on environment shop/dev" (the API's `missing` entries) → a sentence. */
export function missingInWords(missing: readonly string[]): string {
  const sentences = missing.map((m) => {
    const [, permission = m, where = ''] = /^(\S+) on (.+)$/.exec(m) ?? [];
    if (permission === 'membership') return 'Only members of this organization can do that.';
    return whoMay(permission, where);
  });
  return [...new Set(sentences)].join(' ');
}

/** Permission ids inside a message → their words ("(members.invite, apps.create)" → "(invite people, create apps)"). */
export function withPermissionWords(message: string): string {
  return message.replace(/\b[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*\b/g, (id) => (id in PERMISSION_LABEL ? PERMISSION_LABEL[id as Permission] : id));
}

/** Request fields by name, for messages about a field the form does not show. */
export const FIELD_LABEL: Record<string, string> = {
  id: 'Id',
  name: 'Name',
  email: 'E-mail address',
  role: 'Role',
  orgRole: 'Organization role',
  appRole: 'App role',
  appRoles: 'App roles',
  envTypeRoles: 'Environment types',
  appId: 'App id',
  envId: 'Environment id',
  envTypeId: 'Environment type',
  typeId: 'Environment type',
  type: 'Environment type',
  teamId: 'Team id',
  roleId: 'Role id',
  userId: 'Person',
  scope: 'Scope',
  permissions: 'Permissions',
  description: 'Description',
  action: 'Action',
  cursor: 'Page',
};

/** A field message from the API in a person's words: "id must be 1-50 …" → "Must be 1-50 …". */
export function fieldMessage(key: string, message: string): string {
  if (/expected \w+, received undefined/i.test(message) || /^Required$/i.test(message)) return 'Required.';
  if (/^Invalid option/i.test(message)) return 'Choose one of the options.';
  let text = message.startsWith(`${key} `) ? message.slice(key.length + 1) : message;
  text = withPermissionWords(text);
  text = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** The evaluator's "action env.deploy needs appId and envId" → the fields it names. */
export function neededFields(message: string): { action: string; fields: string[] } | undefined {
  const m = /^action (\S+) needs (.+)$/.exec(message);
  return m ? { action: m[1]!, fields: m[2]!.split(/\s+and\s+|,\s*/).filter(Boolean) } : undefined;
}

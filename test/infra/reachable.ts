// What a function's code can ask of AWS, read from its own bundle: esbuild bundles the entry the way
// the stack does (SDK external, tree-shaken, not minified so names survive), and the modules of
// functions/ in it are scanned for the SDK commands they construct and the kinds of transaction item
// they build. Tree-shaking keeps only what the entry's exports reach, so this is an upper bound of
// the calls the function can make at run time. DynamoDB Local checks no IAM: this is how a missing
// grant (AccessDenied in AWS only) or a needless one shows up in a test.

import { build } from 'esbuild';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../../lib/constructs/service-function';

/** DynamoDB document-client and low-level commands → the IAM action each needs. */
const COMMAND_ACTIONS: Record<string, string[]> = {
  GetCommand: ['dynamodb:GetItem'],
  GetItemCommand: ['dynamodb:GetItem'],
  BatchGetCommand: ['dynamodb:BatchGetItem'],
  BatchGetItemCommand: ['dynamodb:BatchGetItem'],
  QueryCommand: ['dynamodb:Query'],
  PutCommand: ['dynamodb:PutItem'],
  PutItemCommand: ['dynamodb:PutItem'],
  UpdateCommand: ['dynamodb:UpdateItem'],
  UpdateItemCommand: ['dynamodb:UpdateItem'],
  DeleteCommand: ['dynamodb:DeleteItem'],
  DeleteItemCommand: ['dynamodb:DeleteItem'],
  BatchWriteCommand: ['dynamodb:BatchWriteItem'],
  BatchWriteItemCommand: ['dynamodb:BatchWriteItem'],
  // Authorized per item: the item kinds below add their actions.
  TransactWriteCommand: [],
  TransactWriteItemsCommand: [],
  SendEmailCommand: ['ses:SendEmail'],
  SendRawEmailCommand: ['ses:SendRawEmail'],
  GetSecretValueCommand: ['secretsmanager:GetSecretValue'],
  ListUsersCommand: ['cognito-idp:ListUsers'],
  AdminLinkProviderForUserCommand: ['cognito-idp:AdminLinkProviderForUser'],
  AdminDeleteUserCommand: ['cognito-idp:AdminDeleteUser'],
};
const TRANSACTION_ITEM_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

export interface Reachable {
  /** IAM actions of the commands the bundle can send. */
  actions: Set<string>;
  /** Index names the bundle's code mentions (a Query with IndexName needs Query on that index). */
  indexes: Set<string>;
  /** Commands this scanner does not know: a test should fail on them until they are mapped. */
  unknownCommands: Set<string>;
}

const cache = new Map<string, Promise<Reachable>>();

/** The AWS actions the code of `entry` (relative to the project root) can reach. */
export function reachable(entry: string, indexNames: readonly string[]): Promise<Reachable> {
  let found = cache.get(entry);
  if (!found) {
    found = scan(entry, indexNames);
    cache.set(entry, found);
  }
  return found;
}

async function scan(entry: string, indexNames: readonly string[]): Promise<Reachable> {
  const out = await build({
    entryPoints: [resolve(PROJECT_ROOT, entry)],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    external: ['@aws-sdk/*'],
    treeShaking: true,
    minify: false,
    logLevel: 'silent',
  });
  // esbuild starts each module's code with a `// <path>` line: keep the modules of functions/.
  const ours: string[] = [];
  let current: string | undefined;
  for (const line of out.outputFiles[0]!.text.split('\n')) {
    const marker = /^\/\/ (\S+\.[cm]?[jt]s)$/.exec(line);
    if (marker) current = marker[1];
    else if (current?.startsWith('functions/')) ours.push(line);
  }
  const code = ours.join('\n');
  const result: Reachable = { actions: new Set(), indexes: new Set(), unknownCommands: new Set() };
  // Imports are renamed on collision (GetCommand2): strip the digits esbuild appends.
  for (const [, name] of code.matchAll(/\bnew ([A-Z]\w*?Command)\d*\(/g)) {
    const actions = COMMAND_ACTIONS[name!];
    if (actions) actions.forEach((a) => result.actions.add(a));
    else result.unknownCommands.add(name!);
  }
  if (/\bnew TransactWrite(Items)?Command\d*\(/.test(code)) {
    for (const [, kind] of code.matchAll(/\b(Put|Update|Delete|ConditionCheck):\s*\{/g)) result.actions.add(TRANSACTION_ITEM_ACTIONS[kind!]!);
  }
  for (const name of indexNames) if (code.includes(`"${name}"`)) result.indexes.add(name);
  return result;
}

// The README's API table, generated from the route table (npm run docs:api prints it), so that the
// README says what the routes are: method, path, the permission each declares, its summary.
//   npm run docs:api > /tmp/api.md   then paste it over the table under "## API" in README.md

import type { RouteSpec } from '../functions/http/route';

/** What the permission column says of a route. */
export const permissionOf = (r: RouteSpec): string => (r.permission ? `\`${r.permission.action}\`` : r.auth === 'user' ? 'signed in' : 'none');

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** One row of the table. */
export const apiRow = (r: RouteSpec): string => `| \`${r.method} ${r.path}\` | ${cell(permissionOf(r))} | ${cell(r.summary)} |`;

export function apiTable(routes: readonly RouteSpec[]): string {
  return ['| route | permission | what |', '|---|---|---|', ...routes.map(apiRow)].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { routes } = await import('../functions/routes');
  console.log(apiTable(routes));
}

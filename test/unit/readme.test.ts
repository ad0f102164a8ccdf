// The README stays true to the route table: its API table is the one tools/api-table.ts generates.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes';
import { apiTable } from '../../tools/api-table';

describe('README', () => {
  it('lists every route with the permission it declares and its summary (npm run docs:api prints the table)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('| route | permission | what |')).split('\n\n')[0]!.trim();
    expect(table).toBe(apiTable(routes));
  });
});

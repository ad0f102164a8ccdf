// Builds the console into web/dist with esbuild: one minified, content-hashed script and stylesheet,
// and index.html pointing at them. No inline script or style (the CSP forbids both), so index.html
// may be served with `cache-control: no-cache` and the hashed assets cached for ever.
//   npm run build:web            (also run by `npm start` and `npm run test:e2e`)

import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname);
const out = join(root, 'dist');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: { app: join(root, 'src/main.ts'), styles: join(root, 'src/styles.css') },
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = Object.entries(result.metafile.outputs);
const asset = (entry: string) => {
  const found = outputs.find(([, o]) => o.entryPoint?.endsWith(entry));
  if (!found) throw new Error(`esbuild produced no output for ${entry}`);
  return `/assets/${basename(found[0])}`;
};

const html = readFileSync(join(root, 'src/index.html'), 'utf8')
  .replace('%APP_JS%', asset('src/main.ts'))
  .replace('%STYLES_CSS%', asset('src/styles.css'));
writeFileSync(join(out, 'index.html'), html);
writeFileSync(join(out, 'favicon.svg'), readFileSync(join(root, 'src/favicon.svg')));

const size = outputs.filter(([p]) => !p.endsWith('.map')).reduce((n, [, o]) => n + o.bytes, 0);
console.log(`console built into web/dist (${(size / 1024).toFixed(1)} KB of script and style)`);

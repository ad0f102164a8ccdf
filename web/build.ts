// Builds the console into web/dist (issue 7). Placeholder until the console exists.
import { mkdirSync, writeFileSync } from 'node:fs';
mkdirSync('web/dist', { recursive: true });
writeFileSync('web/dist/index.html', '<!doctype html><title>org-access</title><p>The console is being built.</p>');

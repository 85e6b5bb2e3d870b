#!/usr/bin/env node
// Kessetsu runs its TypeScript sources directly on Node.js 24 (type stripping).
// When started by an older system Node, re-run under the Node 24 that `npm install` put in node_modules.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
if (major >= 24) {
  await import(main);
} else {
  const require = createRequire(import.meta.url);
  let nodeBin;
  try {
    nodeBin = require.resolve('node/bin/node');
  } catch {
    console.error(`kessetsu needs Node.js 24 or later (this is ${process.version}); run "npm install" first`);
    process.exit(1);
  }
  const result = spawnSync(nodeBin, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

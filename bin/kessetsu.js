#!/usr/bin/env node
// Kessetsu runs its TypeScript sources directly on Node.js 24 (type stripping).
// When started by an older system Node, re-run under the Node 24 that `npm install` put in node_modules.
import { spawnSync } from 'node:child_process';
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
if (major >= 24) {
  // Start time (issue 17.3): with the compile cache on before main.ts loads, main.ts comes from the cache too
  // and Node never loads its TypeScript stripper (~0.2 s of CPU) when every module is cached.
  nodeModule.enableCompileCache();
  await import(main);
} else {
  const require = nodeModule.createRequire(import.meta.url);
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

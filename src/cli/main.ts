// Start time (issue 17.3): the on-disk compile cache must be on before the command modules load, so this entry
// enables it first and imports the program afterwards. Node keeps the cache (V8 code cache and the output of
// type stripping, keyed by file content) in os.tmpdir()/node-compile-cache, or in NODE_COMPILE_CACHE;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off. It never throws: an unwritable folder only means no cache.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { runCli } = await import('./program.ts');

// The command tree and its error handling live in program.ts, so tests can run commands in process.
const code = await runCli(process.argv.slice(2));
if (code !== 0) process.exit(code);

import { runCli } from './program.ts';

// The command tree and its error handling live in program.ts, so tests can run commands in process.
const code = await runCli(process.argv.slice(2));
if (code !== 0) process.exit(code);

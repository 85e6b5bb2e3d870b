import { Command, CommanderError } from 'commander';
import { AppError } from '../shared/errors.ts';
import { ConfigError } from '../config/config.ts';
import { registerServe } from './serve.command.ts';
import { registerAdmin } from './admin.commands.ts';
import { registerImport } from './import.command.ts';
import { registerTaxii } from './taxii.command.ts';
import { registerAnalysis } from './analysis.command.ts'; // analyse (issue 5)
import { registerExport } from './export.command.ts'; // feed back (issue 6)
import { registerLogin } from './login.commands.ts'; // sign-in (issue 13)
import { registerStats } from './stats.command.ts'; // statistics (issue 16)
import { registerEvidence } from './evidence.command.ts'; // neutralise (issue 12)
import { registerSensor } from './sensor.command.ts'; // sense (issue 14)
import { registerWarninglists } from './warninglists.command.ts'; // warninglists (issue 11.1)
import { CliError, useCliEnv } from './cli-context.ts';

/** Where one in-process CLI run writes its output and which environment it reads. */
export interface CliIo {
  /** Receives what the command writes to standard output. */
  readonly stdout: (chunk: string | Uint8Array) => void;
  /** Receives what the command writes to standard error. */
  readonly stderr: (chunk: string | Uint8Array) => void;
  /** The environment the command's config is read from (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/** A fresh `kessetsu` command tree (Commander keeps parsed options on it, so one per run). */
export function buildProgram(): Command {
  const program = new Command('kessetsu')
    .description('Kessetsu: an open platform for cyber-threat fusion centers')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerServe(program);
  registerAdmin(program);
  registerImport(program);
  registerTaxii(program);
  registerAnalysis(program); // analyse (issue 5)
  registerExport(program); // feed back (issue 6)
  registerLogin(program); // sign-in (issue 13)
  registerStats(program); // statistics (issue 16)
  registerEvidence(program); // neutralise (issue 12)
  registerSensor(program); // sense (issue 14)
  registerWarninglists(program); // warninglists (issue 11.1)
  return program;
}

/** The exit code for an error a command threw, after writing its one-line message. */
function exitCodeOf(err: unknown, write: (s: string) => void): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof CliError || err instanceof AppError || err instanceof ConfigError) {
    write(`kessetsu: ${err.message}\n`);
    return err instanceof CliError ? err.exitCode : err instanceof ConfigError ? 2 : 1;
  }
  write(`kessetsu: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
  return 1;
}

type Write = typeof process.stdout.write;

/** A stand-in for a stream's write that hands every chunk to `sink` and reports it written. */
function capture(sink: (chunk: string | Uint8Array) => void): Write {
  return ((chunk: string | Uint8Array, encOrCb?: unknown, cb?: unknown): boolean => {
    sink(chunk);
    const done = typeof encOrCb === 'function' ? encOrCb : cb;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  }) as Write;
}

/**
 * Runs one kessetsu command line (arguments after the program name) and resolves with its exit code.
 * Without `io` it writes to this process's stdout/stderr (bin/kessetsu.js). With `io` the command runs
 * in this process with its output captured, as tests call it; one run at a time (it swaps the process's
 * stdout/stderr writers while it runs). `serve` is not meant for captured runs (it waits for signals).
 * @example const code = await runCli(['org', 'list', '--data', dir], { stdout: (c) => out.push(c), stderr: (c) => err.push(c) })
 */
export async function runCli(argv: readonly string[], io?: CliIo): Promise<number> {
  const program = buildProgram();
  if (!io) {
    try {
      await program.parseAsync([...argv], { from: 'user' });
      return typeof process.exitCode === 'number' ? process.exitCode : 0;
    } catch (err) {
      return exitCodeOf(err, (s) => process.stderr.write(s));
    }
  }
  const saved = { out: process.stdout.write, err: process.stderr.write, exitCode: process.exitCode };
  const restoreEnv = useCliEnv(io.env ?? process.env);
  process.stdout.write = capture(io.stdout);
  process.stderr.write = capture(io.stderr);
  process.exitCode = undefined;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return exitCodeOf(err, (s) => io.stderr(s));
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.exitCode = saved.exitCode;
    restoreEnv();
  }
}

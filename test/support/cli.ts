import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import { runCli } from '../../src/cli/program.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/kessetsu.js');

/** What one kessetsu command line printed and the code it exited with. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * Makes `dir` a PGlite data folder with the current schema, as the first command on a new folder leaves it,
 * by copying the run's migrated template instead of initialising and migrating again (~3 CPU-s; test speed,
 * issue 11.7). Tests of initialisation itself start from an empty folder instead.
 * @example const data = migratedFolder(path.join(tmp, 'data'))
 */
export function migratedFolder(dir: string): string {
  cpSync(inject('pgliteTemplate'), dir, { recursive: true });
  return dir;
}

/**
 * Runs a kessetsu command line in this process (src/cli/program.ts `runCli`) with its output captured:
 * the command's own code on a database it opens itself, without a new Node process per command
 * (test speed, issue 11.7). `DATABASE_URL` is empty unless `env` sets it, as for an operator's shell.
 * @example const r = await kessetsu(['org', 'list', '--data', dir]); expect(r.out).toContain('Sakura Bank')
 */
export async function kessetsu(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const chunk = (c: string | Uint8Array): Buffer => (typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
  const code = await runCli(args, { stdout: (c) => out.push(chunk(c)), stderr: (c) => err.push(chunk(c)), env: { ...process.env, DATABASE_URL: '', ...env } });
  return { code, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') };
}

/**
 * Runs the real `bin/kessetsu.js` in a new Node process (one per area proves the installed binary, its
 * exit codes and streams; everything else uses `kessetsu`). It does not block this process's event loop.
 */
export function kessetsuProcess(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

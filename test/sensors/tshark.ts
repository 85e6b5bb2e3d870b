import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const TSHARK = '/usr/bin/tshark';

/** True when tshark is installed; under CI=true its absence is an error, never a skip. */
export function hasTshark(): boolean {
  if (existsSync(TSHARK)) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${TSHARK} is missing: .ci/run must install tshark`);
  console.log(`kessetsu tests: ${TSHARK} not found, counts of captures made by tshark skipped`);
  return false;
}

/** tshark's fields of every frame of a capture, first occurrence of each (outer headers), tab-separated. */
export function tsharkFields(file: string, fields: readonly string[], filter?: string): string[][] {
  const args = ['-r', file, '-n', '-T', 'fields', '-E', 'occurrence=f', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])];
  if (filter) args.push('-Y', filter);
  const out = execFileSync(TSHARK, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

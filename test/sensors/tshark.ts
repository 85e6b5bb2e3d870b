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

// The fields the capture tests read. tshark's start (loading every dissector, ~0.5 CPU-s) costs more than a
// small capture's dissection, so each capture is dissected once per worker process with all of them and each
// caller gets its columns (test speed, issue 11.7): the replay test of both backends and the reader's
// packet-by-packet test share one run.
const PACKET_FIELDS = ['frame.time_epoch', 'frame.len', 'ip.src', 'ip.dst', 'ip.proto', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'tcp.flags'];
const dissected = new Map<string, string[][]>();

function run(file: string, fields: readonly string[], filter: string | undefined): string[][] {
  const args = ['-r', file, '-n', '-T', 'fields', '-E', 'occurrence=f', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])];
  if (filter) args.push('-Y', filter);
  const out = execFileSync(TSHARK, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

/** tshark's fields of every frame of a capture, first occurrence of each (outer headers), tab-separated. */
export function tsharkFields(file: string, fields: readonly string[], filter?: string): string[][] {
  const columns = fields.map((f) => PACKET_FIELDS.indexOf(f));
  if (columns.includes(-1)) return run(file, fields, filter);
  const key = `${file}\0${filter ?? ''}`;
  let rows = dissected.get(key);
  if (!rows) dissected.set(key, (rows = run(file, PACKET_FIELDS, filter)));
  return rows.map((r) => columns.map((c) => r[c] ?? ''));
}

// How long `kessetsu serve` takes, from process start, to answer /healthz on an existing data folder.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, report } from './support.ts';

const MAIN = path.resolve(import.meta.dirname, '../src/cli/main.ts');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-startup-'));

async function startOnce(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--quiet', '--data', dir, '--demo'], { env: { ...process.env, DATABASE_URL: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(err)));
  });
  for (;;) {
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false);
    if (ok) break;
  }
  const ms = performance.now() - started;
  await new Promise((r) => (child.on('exit', r), child.kill('SIGTERM')));
  return ms;
}

await startOnce(); // creates and seeds the folder
const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
  times.push(await startOnce());
  console.error(`restart ${i + 1}: ${times[i]!.toFixed(0)} ms to /healthz`);
}
report({ bench: 'kessetsu serve restart to first /healthz answer (PGlite)', figure: `${median(times).toFixed(0)} ms median of ${RUNS}`, target: 'under 3,000 ms', data: 'existing data folder with the demo world', command: 'npm run bench -- startup' });
rmSync(dir, { recursive: true, force: true });

// How long `kessetsu serve` takes, from process start, to answer /healthz on an existing data folder: wall
// clock, and CPU time of the server process until that answer (read from /proc: on a shared machine the wall
// clock says more about the neighbours than about the code). When a baseline checkout exists (BENCH_BASELINE,
// default /tmp/kessetsu-baseline-read) its server is started the same way, alternately, for the ratio.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, report } from './support.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TICK_MS = 1000 / 100; // USER_HZ

function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
  } catch {
    return NaN;
  }
}

async function startOnce(main: string, dir: string): Promise<{ wall: number; cpu: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [main, 'serve', '--port', '0', '--quiet', '--data', dir, '--demo'], { env: { ...process.env, DATABASE_URL: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
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
  const wall = performance.now() - started;
  const cpu = cpuMs(child.pid!);
  await new Promise((r) => (child.on('exit', r), child.kill('SIGTERM')));
  return { wall, cpu };
}

const baseline = process.env.BENCH_BASELINE ?? '/tmp/kessetsu-baseline-read';
// `kessetsu serve` as installed: the bin entry (it turns the compile cache on before main.ts loads).
const mains = [{ name: 'this', main: path.resolve(import.meta.dirname, '../bin/kessetsu.js') }];
if (existsSync(path.join(baseline, 'bin/kessetsu.js'))) mains.push({ name: 'old', main: path.join(baseline, 'bin/kessetsu.js') });
const dirs = mains.map(() => mkdtempSync(path.join(os.tmpdir(), 'kessetsu-startup-')));
const load = os.loadavg()[0]!.toFixed(1);
for (let m = 0; m < mains.length; m++) await startOnce(mains[m]!.main, dirs[m]!); // creates and seeds the folder
const times = mains.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
for (let i = 0; i < RUNS; i++)
  for (let m = 0; m < mains.length; m++) {
    const r = await startOnce(mains[m]!.main, dirs[m]!);
    times[m]!.wall.push(r.wall);
    times[m]!.cpu.push(r.cpu);
    console.error(`${mains[m]!.name} restart ${i + 1}: ${r.wall.toFixed(0)} ms to /healthz, ${r.cpu.toFixed(0)} ms CPU`);
  }
const [now, old] = times;
const vs = (a: number[], b: number[] | undefined) => (b ? ` (old code ${median(b).toFixed(0)} ms, ratio ${(median(a) / median(b)).toFixed(2)})` : '');
report({
  bench: 'kessetsu serve restart to first /healthz answer (PGlite)',
  figure: `${median(now!.wall).toFixed(0)} ms wall${vs(now!.wall, old?.wall)}; ${median(now!.cpu).toFixed(0)} ms CPU of the server process${vs(now!.cpu, old?.cpu)}; medians of ${RUNS}, load average ${load}`,
  target: 'under 3,000 ms',
  data: 'existing data folder with the demo world',
  command: 'npm run bench -- startup',
});
for (const d of dirs) rmSync(d, { recursive: true, force: true });

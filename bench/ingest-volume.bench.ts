// Ingest at feed volume (issue 17): `kessetsu import` of a CSV feed and of a STIX 2.1 bundle, first import
// and re-import of the same unchanged file, into PGlite and (with KESSETSU_BENCH_PG_URL) PostgreSQL. With
// BENCH_BASELINE=<checkout of older code> (node_modules installed or linked), every case runs on both codes,
// alternating, in fresh databases, and the ratio of the medians is reported.
//   BENCH_INGEST_ROWS (default 1,000,000)  BENCH_INGEST_OBJECTS (default 1,000,000)  BENCH_RUNS (default 3)
//   BENCH_INGEST_CASES (default csv,stix,reingest; also csv-reingest: the CSV feed sent again unchanged; csv-next-day: the
//     CSV feed sent again with a new row after every ninth, as a daily feed grows — the file the first import read is
//     imported first, untimed)  BENCH_INGEST_BACKENDS (default pglite,postgres)
//   BENCH_DB_PREFIX (default kessetsu_bench): PostgreSQL database names, so that two developers' runs on one server do not drop each other's
//   BENCH_VALUES (default listed: every value on a built-in warninglist, the worst case; unlisted: public values, as most of a real feed's; bench/support.ts)
//   BENCH_PG_LOCALE (default: the server's): the PostgreSQL databases' locale, e.g. en_US.utf8 (most installations) or C
//   KESSETSU_STIX_SCHEMAS (default: the folder this checkout's hub finds, ../shared/data/stix/schemas or shared/…): given to
//   both codes. A hub finds the schemas from its working folder: a baseline unpacked elsewhere (a `git archive` in /tmp)
//   found none and skipped the JSON Schema validation of every object (a third of the parse worker's time), so an A/B
//   from a worktree against such a baseline compared validation against none (reingest2 helper, thirteenth session).
// With PostgreSQL, the CPU seconds of the import's server backends (read from /proc) are reported beside the
// importer's: on a shared machine they, not the wall clock, say what the write path costs. The importer's CPU is
// split by thread (main thread, worker threads, V8's garbage-collection and compiler helpers), medians of each.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { benchValues, commit, feedCsv, median, report } from './support.ts';

const ROWS = Number(process.env.BENCH_INGEST_ROWS ?? 1_000_000);
const OBJECTS = Number(process.env.BENCH_INGEST_OBJECTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CASES = new Set((process.env.BENCH_INGEST_CASES ?? 'csv,stix,reingest').split(','));
const PG_URL = process.env.KESSETSU_BENCH_PG_URL;
const VALUES = benchValues();
const BACKENDS = new Set((process.env.BENCH_INGEST_BACKENDS ?? 'pglite,postgres').split(','));
const root = path.resolve(import.meta.dirname, '..');
const baseline = process.env.BENCH_BASELINE ? path.resolve(process.env.BENCH_BASELINE) : null;
const DB_PREFIX = process.env.BENCH_DB_PREFIX ?? 'kessetsu_bench';
const PG_LOCALE = process.env.BENCH_PG_LOCALE;
if (PG_LOCALE !== undefined && !/^[\w.@-]+$/.test(PG_LOCALE)) throw new Error(`BENCH_PG_LOCALE ${PG_LOCALE}: not a locale name`);
// The OASIS schemas as the hub finds them (src/config/config.ts findStixSchemas), from this checkout: the same for every code.
const SCHEMAS = process.env.KESSETSU_STIX_SCHEMAS
  ? path.resolve(process.env.KESSETSU_STIX_SCHEMAS)
  : [path.resolve(root, '../shared/data/stix/schemas'), path.resolve(root, 'shared/data/stix/schemas')].find((dir) => existsSync(path.join(dir, 'common', 'core.json')));
const childEnv = (env: Record<string, string>): NodeJS.ProcessEnv => ({ ...process.env, ...(SCHEMAS ? { KESSETSU_STIX_SCHEMAS: SCHEMAS } : {}), ...env });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-ingest-volume-'));

interface Code {
  readonly label: string;
  readonly dir: string;
}
const codes: Code[] = [{ label: 'new', dir: root }];
if (baseline) {
  if (!existsSync(path.join(baseline, 'src/cli/main.ts'))) throw new Error(`BENCH_BASELINE ${baseline}: no src/cli/main.ts there`);
  codes.push({ label: 'baseline', dir: baseline });
}

function stixBundle(file: string, n: number): void {
  const t = '2026-11-01T00:00:00.000Z';
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `indicator--${crypto.randomUUID()}`;
    parts.push(JSON.stringify({ type: 'indicator', spec_version: '2.1', id, created: t, modified: t, name: `ind ${i}`, pattern: `[domain-name:value = 'c2-${i}.${VALUES === 'listed' ? 'example.org' : 'kessetsu-bench.org'}']`, pattern_type: 'stix', valid_from: t }));
  }
  writeFileSync(file, `{"type":"bundle","id":"bundle--${crypto.randomUUID()}","objects":[${parts.join(',')}]}`);
}

interface Run {
  readonly seconds: number;
  readonly wall: number;
  readonly peakRssMiB: number;
  /** CPU seconds of the import process (all its threads; PGlite runs inside it), read until it ended. */
  readonly cpu: number;
  /** CPU seconds of the PostgreSQL backends serving the import's database (0 on PGlite). */
  readonly serverCpu: number;
  /**
   * The import process's CPU seconds by thread, as Linux names them: the main thread (`MainThread`), worker threads
   * (`WorkerThread`: the parse worker, and PGlite's thread on PGlite), V8's helpers (`V8Worker`: garbage collection,
   * compilation), the rest. Each thread read until it ended (a thread's last 200 ms before it ends are not seen).
   */
  readonly threads: Readonly<Record<string, number>>;
  readonly out: string;
}

const TICK = 100; // USER_HZ on Linux

// CPU seconds so far of each thread of a process, by thread id (name and seconds).
function threadCpu(pid: number, seen: Map<string, { name: string; cpu: number }>): void {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return; // the process has ended
  }
  for (const tid of tids) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = f.slice(f.indexOf('(') + 1, f.lastIndexOf(')'));
      const fields = f.slice(f.lastIndexOf(') ') + 2).split(' ');
      seen.set(tid, { name, cpu: (Number(fields[11]) + Number(fields[12])) / TICK });
    } catch {
      // The thread has ended.
    }
  }
}

// Threads' CPU seconds grouped as Run.threads names them.
function byThreadKind(seen: ReadonlyMap<string, { name: string; cpu: number }>): Record<string, number> {
  const out: Record<string, number> = { main: 0, workers: 0, v8: 0, other: 0 };
  for (const { name, cpu } of seen.values()) {
    const kind = name === 'MainThread' ? 'main' : name === 'WorkerThread' ? 'workers' : name === 'V8Worker' ? 'v8' : 'other';
    out[kind]! += cpu;
  }
  return out;
}

const threadText = (t: Readonly<Record<string, number>>): string => `main ${t.main!.toFixed(1)}, workers ${t.workers!.toFixed(1)}, V8 helpers ${t.v8!.toFixed(1)}, other ${t.other!.toFixed(1)}`;

// CPU seconds so far of the server processes connected to a database (title `postgres: user db host …`).
function backendCpu(db: string, seen: Map<number, number>): void {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const title = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (!title.startsWith('postgres: ') || title.split(' ')[2] !== db) continue;
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ');
      seen.set(Number(d), (Number(f[11]) + Number(f[12])) / TICK);
    } catch {
      // The process has ended.
    }
  }
}

// Runs the CLI of one code; `seconds` is the import's own figure (file read, parse, checks, write), `wall`
// includes process start; the peak RSS is the child's VmHWM (PGlite runs inside it).
function cli(code: Code, args: string[], env: Record<string, string>): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=8192', path.join(code.dir, 'src/cli/main.ts'), ...args], { cwd: code.dir, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let hwm = 0;
    let cpu = 0;
    const tick = TICK;
    const dbName = env.DATABASE_URL ? new URL(env.DATABASE_URL).pathname.slice(1) : null;
    const backends = new Map<number, number>();
    const threads = new Map<string, { name: string; cpu: number }>();
    const poll = setInterval(() => {
      if (dbName) backendCpu(dbName, backends);
      threadCpu(child.pid!, threads);
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwm = Math.max(hwm, Number(m[1]) / 1024);
        const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        cpu = (Number(f[11]) + Number(f[12])) / tick;
      } catch {
        // The child has ended.
      }
    }, 200);
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d.toString().slice(0, 2000)));
    child.on('close', (status) => {
      clearInterval(poll);
      const wall = (performance.now() - started) / 1000;
      if (status !== 0) return reject(new Error(`${code.label} ${args.join(' ')} exited ${status}\n${out.slice(-3000)}`));
      const m = /\n\s+([\d.]+) s, \d+ objects\/s/.exec(out);
      const serverCpu = [...backends.values()].reduce((a, b) => a + b, 0);
      resolve({ seconds: m ? Number(m[1]) : wall, wall, peakRssMiB: Math.round(hwm), cpu, serverCpu, threads: byThreadKind(threads), out });
    });
  });
}

// Starts a hub of the code once on an empty database so that it has its first admin (the import's user).
async function firstStart(code: Code, env: Record<string, string>, data: string): Promise<void> {
  const child = spawn(process.execPath, [path.join(code.dir, 'src/cli/main.ts'), 'serve', '--port', '0', '--quiet', '--data', data], { cwd: code.dir, env: childEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      err += d;
      if (err.includes('ready')) resolve();
    });
    child.on('close', () => reject(new Error(`${code.label}: hub did not start\n${err}`)));
  });
  child.removeAllListeners('close');
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
const dbUrl = (name: string) => Object.assign(new URL(PG_URL!), { pathname: `/${name}` }).toString();

interface Target {
  readonly backend: 'PGlite' | 'PostgreSQL';
  /** A fresh database with the first admin, for this code. */
  fresh(code: Code, run: string): Promise<{ env: Record<string, string>; data: string; drop(): Promise<void> }>;
}

const templates = new Map<string, string>();
const pglite: Target = {
  backend: 'PGlite',
  async fresh(code, run) {
    const key = `pglite-${code.label}`;
    if (!templates.has(key)) {
      const dir = path.join(tmp, `template-${key}`);
      await firstStart(code, {}, dir);
      templates.set(key, dir);
    }
    const data = path.join(tmp, `run-${run}`);
    cpSync(templates.get(key)!, data, { recursive: true });
    return { env: {}, data, drop: async () => rmSync(data, { recursive: true, force: true }) };
  },
};
const postgres: Target = {
  backend: 'PostgreSQL',
  async fresh(code, run) {
    const key = `${DB_PREFIX}_tpl_${code.label}`;
    if (!templates.has(key)) {
      await admin(async (c) => {
        await c.query(`drop database if exists "${key}" with (force)`);
        await c.query(`create database "${key}"${PG_LOCALE ? ` template template0 locale '${PG_LOCALE}'` : ''}`);
      });
      await firstStart(code, { DATABASE_URL: dbUrl(key) }, path.join(tmp, 'unused'));
      templates.set(key, key);
    }
    const name = `${DB_PREFIX}_run_${run.replace(/\W/g, '_')}`;
    await admin(async (c) => {
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.query(`create database "${name}" template "${key}"`);
    });
    return { env: { DATABASE_URL: dbUrl(name) }, data: path.join(tmp, 'unused'), drop: () => admin(async (c) => void (await c.query(`drop database if exists "${name}" with (force)`))) };
  },
};

interface Case {
  readonly name: string;
  readonly file: string;
  readonly n: number;
  readonly unit: string;
  readonly target: string;
  /** Import the file once before the measured import (re-ingest of unchanged data). */
  readonly again: boolean;
  /** Import this file before the measured import instead (the day before's feed). */
  readonly before?: string;
}

async function measure(c: Case, t: Target): Promise<void> {
  const figures = new Map<string, Run[]>(codes.map((k) => [k.label, []]));
  for (let r = 0; r < RUNS; r++) {
    // Alternate which code goes first, so that a load change on the machine falls on both.
    const order = r % 2 === 0 ? codes : [...codes].reverse();
    for (const code of order) {
      const db = await t.fresh(code, `${code.label}-${r}`);
      try {
        if (c.again || c.before) await cli(code, ['import', c.before ?? c.file, '--quiet', '--data', db.data], db.env);
        const run = await cli(code, ['import', c.file, '--quiet', '--data', db.data], db.env);
        const load = os.loadavg()[0]!.toFixed(1);
        console.error(`${c.name} → ${t.backend} [${code.label} run ${r + 1}]: ${run.seconds.toFixed(1)} s (${Math.round(c.n / run.seconds)} ${c.unit}/s), wall ${run.wall.toFixed(1)} s, CPU ${run.cpu.toFixed(1)} s (${threadText(run.threads)}), server CPU ${run.serverCpu.toFixed(1)} s, peak RSS ${run.peakRssMiB} MiB, load ${load}`);
        figures.get(code.label)!.push(run);
      } finally {
        await db.drop();
      }
    }
  }
  const rate = (label: string) => c.n / median(figures.get(label)!.map((x) => x.seconds));
  const rss = (label: string) => Math.max(...figures.get(label)!.map((x) => x.peakRssMiB));
  const cpu = (label: string) => median(figures.get(label)!.map((x) => x.cpu));
  const server = (label: string) => median(figures.get(label)!.map((x) => x.serverCpu));
  const threads = (label: string): string => {
    const runs = figures.get(label)!;
    return threadText(Object.fromEntries(Object.keys(runs[0]!.threads).map((k) => [k, median(runs.map((x) => x.threads[k]!))])));
  };
  const onPg = t.backend === 'PostgreSQL';
  const serverText = (label: string) => (onPg ? `, server CPU ${server(label).toFixed(1)} s` : '');
  const ratio = baseline
    ? `; baseline ${Math.round(rate('baseline')).toLocaleString('en')} ${c.unit}/s, peak RSS ${rss('baseline')} MiB, importer CPU ${cpu('baseline').toFixed(1)} s (${threads('baseline')})${serverText('baseline')}; ratio ${(rate('new') / rate('baseline')).toFixed(2)}× (importer CPU ${(cpu('baseline') / cpu('new')).toFixed(2)}×${onPg ? `, server CPU ${(server('baseline') / server('new')).toFixed(2)}×` : ''})`
    : '';
  report({
    bench: `${c.name} → ${t.backend}${onPg && PG_LOCALE ? ` (database locale ${PG_LOCALE})` : ''}`,
    figure: `${Math.round(rate('new')).toLocaleString('en')} ${c.unit}/s median of ${RUNS} (import time, process start excluded), peak RSS ${rss('new')} MiB, importer CPU ${cpu('new').toFixed(1)} s (${threads('new')})${serverText('new')}${ratio}; STIX schemas ${SCHEMAS ? 'validated' : 'not found: not validated'}; load average ${os.loadavg()[0]!.toFixed(1)}; commit ${commit()}`,
    target: c.target,
    data: `${c.n.toLocaleString('en')} ${c.unit}, values ${VALUES}`,
    command: `${baseline ? 'BENCH_BASELINE=… ' : ''}${VALUES === 'listed' ? '' : `BENCH_VALUES=${VALUES} `}BENCH_INGEST_ROWS=${ROWS} BENCH_INGEST_OBJECTS=${OBJECTS} npm run bench -- ingest-volume`,
  });
}

const csv = path.join(tmp, 'feed.csv');
const stix = path.join(tmp, 'bundle.json');
const cases: Case[] = [];
if (CASES.has('csv')) cases.push({ name: 'import CSV feed', file: csv, n: ROWS, unit: 'indicators', target: 'PostgreSQL ≥ 20,000/s, PGlite ≥ 10,000/s', again: false });
if (CASES.has('stix')) cases.push({ name: 'import STIX 2.1 bundle', file: stix, n: OBJECTS, unit: 'objects', target: '≥ 10,000 objects/s', again: false });
if (CASES.has('reingest')) cases.push({ name: 're-import of the same STIX bundle (unchanged)', file: stix, n: OBJECTS, unit: 'objects', target: '≥ 50,000 objects/s', again: true });
if (CASES.has('csv-reingest')) cases.push({ name: 're-import of the same CSV feed (unchanged)', file: csv, n: ROWS, unit: 'indicators', target: 'none of its own (a daily feed sent again; STIX re-import ≥ 50,000 objects/s)', again: true });
const nextDayCsv = path.join(tmp, 'feed-next-day.csv');
// The day before's rows, each as it was, with a new row after every ninth (a domain no earlier row names).
function nextDay(text: string): { text: string; rows: number } {
  const [head, ...rows] = text.trimEnd().split('\n');
  const out = [head!];
  rows.forEach((r, i) => {
    out.push(r);
    if (i % 9 === 8) out.push(`next-day-${i}.${VALUES === 'listed' ? 'example.com' : 'kessetsu-bench.net'},domain-name,2026-11-02,phishing,feed`);
  });
  return { text: `${out.join('\n')}\n`, rows: out.length - 1 };
}
if (CASES.has('csv') || CASES.has('csv-reingest') || CASES.has('csv-next-day')) writeFileSync(csv, feedCsv(ROWS, VALUES));
if (CASES.has('csv-next-day')) {
  const next = nextDay(readFileSync(csv, 'utf8'));
  writeFileSync(nextDayCsv, next.text);
  cases.push({ name: 'next day of the CSV feed (every tenth row new)', file: nextDayCsv, n: next.rows, unit: 'indicators', target: 'none of its own (a daily feed; CSV first import ≥ 10,000 / 20,000 rows/s)', again: false, before: csv });
}
if (CASES.has('stix') || CASES.has('reingest')) stixBundle(stix, OBJECTS);
const targets = [...(BACKENDS.has('pglite') ? [pglite] : []), ...(PG_URL && BACKENDS.has('postgres') ? [postgres] : [])];
if (!PG_URL) console.error('ingest-volume bench: KESSETSU_BENCH_PG_URL not set, PostgreSQL runs skipped');
try {
  for (const c of cases) for (const t of targets) await measure(c, t);
} finally {
  rmSync(tmp, { recursive: true, force: true });
  if (PG_URL) for (const name of templates.values()) if (!name.includes('/')) await admin(async (c) => void (await c.query(`drop database if exists "${name}" with (force)`)));
}

// End-to-end ingest through `kessetsu import`: a CSV feed of N indicators (default 1,000,000) and a
// STIX 2.1 bundle, into PGlite and (with KESSETSU_BENCH_PG_URL) PostgreSQL; plus free-text extraction speed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extractIndicators } from '../src/ingest/extract/indicator.extractor.ts';
import { feedCsv, freshPgDatabase, median, report } from './support.ts';

const ROWS = Number(process.env.BENCH_CSV_ROWS ?? 1_000_000);
const STIX_OBJECTS = Number(process.env.BENCH_STIX_OBJECTS ?? 200_000);
const root = path.resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-ingest-bench-'));

function stixBundle(n: number): string {
  const t = '2026-11-01T00:00:00.000Z';
  const objects = [];
  for (let i = 0; i < n; i++) objects.push({ type: 'indicator', spec_version: '2.1', id: `indicator--${crypto.randomUUID()}`, created: t, modified: t, name: `ind ${i}`, pattern: `[domain-name:value = 'c2-${i}.example.org']`, pattern_type: 'stix', valid_from: t });
  return JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects });
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'src/cli/main.ts'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.on('close', (code) => resolve({ code: code ?? 1, out, seconds: (performance.now() - started) / 1000 }));
  });
}

async function prepare(env: Record<string, string>, data: string): Promise<void> {
  // Start the hub once so the database has its first admin, then stop it.
  const child = spawn(process.execPath, [path.join(root, 'src/cli/main.ts'), 'serve', '--port', '0', '--quiet', '--data', data], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()));
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
}

async function importOnce(label: string, env: Record<string, string>, file: string, expected: number, unit: string, target: string, data: string): Promise<void> {
  await prepare(env, data);
  const r = await run(['import', file, '--quiet', '--data', data], env);
  if (r.code !== 0) throw new Error(`${label}: import failed\n${r.out}`);
  const rate = expected / r.seconds;
  console.error(`${label}: ${r.seconds.toFixed(1)} s, ${Math.round(rate)} ${unit}/s\n${r.out.trim()}`);
  report({ bench: `import ${label}`, figure: `${Math.round(rate)} ${unit}/s (${r.seconds.toFixed(1)} s wall, process start included)`, target, data: `${expected.toLocaleString('en')} ${unit}`, command: 'npm run bench -- ingest' });
}

const csvFile = path.join(tmp, 'feed.csv');
writeFileSync(csvFile, feedCsv(ROWS));
const stixFile = path.join(tmp, 'bundle.json');
writeFileSync(stixFile, stixBundle(STIX_OBJECTS));

const pgDir = path.join(tmp, 'pglite');
await importOnce('CSV feed → PGlite', {}, csvFile, ROWS, 'indicators', '≥ 10,000 indicators/s', pgDir);
if (process.env.KESSETSU_BENCH_PG_URL) {
  const url = await freshPgDatabase(process.env.KESSETSU_BENCH_PG_URL, 'kessetsu_bench_ingest');
  await importOnce('CSV feed → PostgreSQL', { DATABASE_URL: url }, csvFile, ROWS, 'indicators', '≥ 20,000 indicators/s', pgDir);
  const url2 = await freshPgDatabase(process.env.KESSETSU_BENCH_PG_URL, 'kessetsu_bench_stix');
  await importOnce('STIX 2.1 bundle → PostgreSQL', { DATABASE_URL: url2 }, stixFile, STIX_OBJECTS, 'objects', '≥ 10,000 objects/s', pgDir);
} else console.error('ingest bench: KESSETSU_BENCH_PG_URL not set, PostgreSQL runs skipped');

// Free-text extraction, in process: the Unit 42 and extraction corpora concatenated to ~50 MB.
const corpus = ['ioc-extraction/ninoseki-ioc-extractor/input.txt', 'ioc-extraction/unit42-freetext/Conti_IOCs.txt', 'ioc-extraction/unit42-freetext/Gamaredon_IoCs_DEC2022.txt'].map((p) => readFileSync(path.join(root, '../shared/data', p), 'utf8')).join('\n');
let text = corpus;
while (text.length < 50 * 1024 * 1024) text += '\n' + corpus;
const rates: number[] = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const found = extractIndicators(text);
  const s = (performance.now() - t) / 1000;
  rates.push(text.length / 1024 / 1024 / s);
  console.error(`extraction run ${i + 1}: ${(text.length / 1024 / 1024).toFixed(0)} MB in ${s.toFixed(2)} s, ${found.length} indicators`);
}
report({ bench: 'free-text extraction (in process)', figure: `${median(rates).toFixed(1)} MB/s median of 3`, target: '≥ 20 MB/s', data: `${(text.length / 1024 / 1024).toFixed(0)} MB of real advisories (ninoseki, Unit 42 Conti, Gamaredon) repeated`, command: 'npm run bench -- ingest' });
rmSync(tmp, { recursive: true, force: true });

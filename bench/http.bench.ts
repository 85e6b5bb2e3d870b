// Authenticated requests per second on a cheap endpoint (GET /api/v1/me) over real HTTP on loopback,
// with autocannon in a separate process; PGlite always, PostgreSQL when KESSETSU_BENCH_PG_URL is set.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPglite, openPostgres, type Storage } from '../src/db/database.ts';
import { buildServer } from '../src/http/server.ts';
import { bootstrap } from '../src/orgs/bootstrap.ts';
import { freshPgDatabase, median, report } from './support.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);

async function measure(storage: Storage, label: string): Promise<void> {
  const config = loadConfig({ KESSETSU_RATE_LIMIT: '100000000', KESSETSU_LOG_LEVEL: 'warn' }, { dataDir: '/nonexistent' });
  const app = await createApp(config, { storage });
  const first = await bootstrap(storage.db, app.orgs, undefined);
  const server = await buildServer(app, { logger: false });
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  const autocannon = path.resolve(import.meta.dirname, '../node_modules/autocannon/autocannon.js');
  const rps: number[] = [];
  const p99: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Asynchronous: the server answers from this process's event loop while autocannon runs.
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [autocannon, '-c', '64', '-p', '4', '-d', String(SECONDS), '-j', '-H', `authorization=Bearer ${first!.key}`, `${address}/api/v1/me`], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(out));
    });
    const r = JSON.parse(stdout) as { requests: { average: number }; latency: { p99: number }; non2xx: number; errors: number };
    if (r.non2xx || r.errors) throw new Error(`${label}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
    rps.push(r.requests.average);
    p99.push(r.latency.p99);
    console.error(`${label} run ${i + 1}: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms`);
  }
  report({
    bench: `HTTP authenticated GET /api/v1/me (${label})`,
    figure: `${Math.round(median(rps))} req/s median of ${RUNS} × ${SECONDS} s, p99 ${median(p99)} ms`,
    target: '≥ 10,000 req/s',
    data: '64 connections, pipelining 4, autocannon in a second process',
    command: 'npm run bench -- http',
  });
  await server.close();
  await app.close();
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-bench-'));
await measure(await openPglite(dir), 'PGlite');
rmSync(dir, { recursive: true, force: true });
if (process.env.KESSETSU_BENCH_PG_URL) await measure(await openPostgres(await freshPgDatabase(process.env.KESSETSU_BENCH_PG_URL, 'kessetsu_bench_http')), 'PostgreSQL');
else console.error('http bench: KESSETSU_BENCH_PG_URL not set, PostgreSQL run skipped');
process.exit(0);

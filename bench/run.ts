// Runs the benchmarks under bench/ (all, or those whose name contains an argument) one after the
// other, each in its own process, and appends their RESULT lines to bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commit } from './support.ts';

const dir = import.meta.dirname;
const filters = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
const results = path.join(dir, 'RESULTS.md');
if (!existsSync(results)) writeFileSync(results, '# Benchmark results\n\n| date | benchmark | figure | target | data | command | machine |\n|---|---|---|---|---|---|---|\n');
let failed = 0;
for (const b of benches) {
  console.error(`bench: ${b} (commit ${commit()})`);
  const r = spawnSync(process.execPath, [path.join(dir, b)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 });
  const rows = r.stdout.split('\n').filter((l) => l.startsWith('RESULT | ')).map((l) => l.slice('RESULT '.length));
  for (const row of rows) {
    console.log(row);
    appendFileSync(results, row + '\n');
  }
  if (r.status !== 0) {
    failed++;
    console.error(`bench: ${b} exited with ${r.status}`);
  }
}
process.exit(failed ? 1 : 0);

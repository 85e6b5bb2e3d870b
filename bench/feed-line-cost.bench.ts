// What a flat feed line would cost PostgreSQL as one row (issue 17, a design question, not product code): today a CSV
// feed line becomes three objects (observable, indicator, based-on relationship), each with a registry row and a
// contribution, plus keys and an edge: ~180 µs of server CPU a line (bench/RESULTS.md). This bench COPYs lines into a
// table shaped like a feed-line store (organisation, feed, type, value, TLP, first and last seen) already holding
// BENCH_FEEDLINE_BASE lines, with the indexes such a store would need, added one at a time, and reads the backend's
// CPU from /proc (the server must run on this machine). Needs KESSETSU_BENCH_PG_URL.
//   BENCH_FEEDLINE_BASE (default 1,000,000)  BENCH_FEEDLINE_ROWS (default 100,000 a measured COPY)  BENCH_RUNS (default 3)
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { freshPgDatabase, median, report } from './support.ts';

const PG_URL = process.env.KESSETSU_BENCH_PG_URL;
const BASE = Number(process.env.BENCH_FEEDLINE_BASE ?? 1_000_000);
const ROWS = Number(process.env.BENCH_FEEDLINE_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

// Each variant adds one index to the one before.
const VARIANTS: readonly { readonly name: string; readonly index: string }[] = [
  { name: 'identity key + (org, feed, value) unique (idempotent re-import)', index: 'create unique index fl_feed_value on fl (org_id, feed, value)' },
  { name: '+ value btree (look-up, correlation)', index: 'create index fl_value on fl (value)' },
  { name: '+ (org, seq) (lists and feeds by change order)', index: 'create index fl_org_seq on fl (org_id, seq)' },
  { name: '+ value trigram (word search)', index: 'create index fl_value_trgm on fl using gin (value gin_trgm_ops)' },
];
const ORG = '6f1c2b1e-1111-4222-8333-444455556666';

function lines(from: number, n: number): Readable {
  const t = '2026-12-05T00:00:00Z';
  return Readable.from(
    (function* () {
      for (let i = from; i < from + n; ) {
        let s = '';
        for (let k = 0; k < 5000 && i < from + n; k++, i++) {
          const v = i % 3 === 0 ? `ipv4-addr\t${(i >>> 24) & 255}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` : i % 3 === 1 ? `domain-name\tbad-${i}.example.com` : `url\thttp://evil-${i}.example.net/login.php?id=${i}`;
          s += `${ORG}\tfeed-a\t${v}\t2\t${t}\t${t}\n`;
        }
        yield s;
      }
    })(),
  );
}

async function main(): Promise<void> {
  if (!PG_URL) {
    console.error('feed-line-cost: KESSETSU_BENCH_PG_URL not set, skipped');
    return;
  }
  const c = new pg.Client({ connectionString: await freshPgDatabase(PG_URL, 'kessetsu_bench_feedline') });
  await c.connect();
  const pid = (await c.query<{ p: number }>('select pg_backend_pid() as p')).rows[0]!.p;
  const cpu = (): number => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  const load = (from: number, n: number) => pipeline(lines(from, n), c.query(copyFrom('copy fl (org_id, feed, type, value, tlp, first_seen, last_seen) from stdin')));
  await c.query('create extension if not exists pg_trgm');
  let next = 100_000_000;
  for (let v = 0; v < VARIANTS.length; v++) {
    await c.query('drop table if exists fl');
    await c.query(`create table fl (seq bigint generated always as identity primary key, org_id uuid not null, feed text collate "C" not null,
      type text collate "C" not null, value text collate "C" not null, tlp smallint not null, first_seen timestamptz not null, last_seen timestamptz not null)`);
    for (const x of VARIANTS.slice(0, v + 1)) await c.query(x.index);
    await load(0, BASE);
    await c.query('vacuum analyze fl');
    await c.query('checkpoint');
    const us: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      await c.query('begin');
      const c0 = cpu();
      await load(next, ROWS);
      await c.query('commit');
      next += ROWS;
      us.push(((cpu() - c0) / ROWS) * 1e6);
    }
    console.error(`feed-line-cost: ${VARIANTS[v]!.name}: ${us.map((x) => x.toFixed(1)).join(' / ')} µs a line`);
    report({
      bench: `feed line as one row → PostgreSQL, ${v + 2} indexes: ${VARIANTS[v]!.name}`,
      figure: `${median(us).toFixed(1)} µs of server CPU a line (median of ${RUNS})`,
      target: 'design input: ≥ 20,000 lines/s on 2 cores leaves ≤ ~50 µs of server a line',
      data: `COPY of ${ROWS.toLocaleString('en')} lines into a table of ${BASE.toLocaleString('en')}`,
      command: 'KESSETSU_BENCH_PG_URL=… npm run bench -- feed-line-cost',
    });
  }
  await c.query('drop table fl');
  await c.end();
}

await main();

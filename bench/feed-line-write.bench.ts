// A CSV feed's first write (issue 17, docs/design/feed-lines.md): the same prepared rows written the stored way
// (writeBatch: three registry rows, three contributions, two keys, an edge and a feed entry a row) and as flat lines
// (insertNewLines: one feed_lines row), batches of 5,000 in one transaction, into fresh migrated databases, the two
// ways alternating. Parse and preparation are done before the clock starts; the ingest's hooks (lookup index, sids,
// warninglist hits) are outside both. PostgreSQL: the backend's CPU (/proc) and this thread's; PGlite (on this
// thread, so that its CPU is this thread's): the thread's CPU, statements and their COPY texts together.
//   BENCH_FEED_LINE_ROWS (default 100,000)  BENCH_RUNS (default 3)  BENCH_FEED_LINE_BACKENDS (default pglite,postgres)
//   BENCH_FEED_LINE_WAYS (default stored,lines: lines alone for a 1,000,000-row run)
//   KESSETSU_BENCH_PG_URL (PostgreSQL's case; its server must be on this machine)  BENCH_DB_PREFIX (default kessetsu_bench)
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Viewer } from '../src/access/viewer.ts';
import { openPglite, openPostgres, type Storage } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
// A bulk load's PGlite buffers, as `kessetsu import` gives them.
import { PGLITE_BULK_SHARED_BUFFERS_MB } from '../src/db/db.settings.ts';
import type { Database, OrgRow } from '../src/db/schema.ts';
import type { IngestParams } from '../src/ingest/ingest.params.ts';
import { csvSlices } from '../src/ingest/parsers/csv.parser.ts';
import { SlicePreparer } from '../src/ingest/prepare.ts';
import { feedLineOf, type FeedLine } from '../src/store/feed-line.ts';
import { insertNewLines } from '../src/store/feed-lines.repository.ts';
import { writeBatch, type PreparedObject } from '../src/store/knowledge.writer.ts';
import { feedCsv, freshPgDatabase, median, report } from './support.ts';

const ROWS = Number(process.env.BENCH_FEED_LINE_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BACKENDS = new Set((process.env.BENCH_FEED_LINE_BACKENDS ?? 'pglite,postgres').split(','));
const PG_URL = process.env.KESSETSU_BENCH_PG_URL;
const DB_PREFIX = process.env.BENCH_DB_PREFIX ?? 'kessetsu_bench';
const BATCH = 5_000;
const WAYS = new Set((process.env.BENCH_FEED_LINE_WAYS ?? 'stored,lines').split(','));
const csv = Buffer.from(feedCsv(ROWS));
const params = { format: 'csv', orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'cli' } as unknown as IngestParams;

async function freshOrg(db: Kysely<Database>): Promise<OrgRow> {
  await migrateToLatest(db);
  await sql`insert into orgs (name, kind, sector, default_tlp) values ('Bench Feed', 'industry', 'finance', 'green')`.execute(db);
  return db.selectFrom('orgs').selectAll().where('name', '=', 'Bench Feed').executeTakeFirstOrThrow();
}

// The feed's rows prepared for the organisation, in batches of BATCH rows (three objects each).
function prepared(org: OrgRow): PreparedObject[][] {
  const now = new Date();
  const viewer = { kind: 'user', userId: null, orgId: org.id, role: 'admin' } as unknown as Viewer;
  const preparer = new SlicePreparer(params, { viewer, org, ingestId: null }, now, undefined);
  const out: PreparedObject[][] = [];
  const slices = csvSlices(csv, { now, idSalt: org.id_salt }, BATCH);
  for (let r = slices.next(); !r.done; r = slices.next()) out.push(preparer.add(r.value.objects, new Set(r.value.generated)).filter((p) => p.record.type !== 'marking-definition'));
  return out;
}

function asLines(batches: PreparedObject[][]): FeedLine[][] {
  return batches.map((b) => {
    const out: FeedLine[] = [];
    for (let i = 0; i < b.length; i += 3) out.push(feedLineOf([b[i]!, b[i + 1]!, b[i + 2]!])!);
    return out;
  });
}

type Way = 'stored' | 'lines';
interface Figure {
  readonly server: number;
  readonly thread: number;
  readonly wall: number;
}

const procCpu = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s (Linux)
};

async function writeAll(db: Kysely<Database>, org: OrgRow, way: Way, backendPid: number | null): Promise<Figure> {
  const batches = prepared(org);
  const lines = way === 'lines' ? asLines(batches) : [];
  const s0 = backendPid === null ? 0 : procCpu(backendPid);
  const t0 = process.threadCpuUsage();
  const w0 = performance.now();
  await db.transaction().execute(async (trx) => {
    if (backendPid !== null) {
      const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
      if (pid !== backendPid) throw new Error('the transaction is not on the measured backend');
    }
    for (let i = 0; i < batches.length; i++) {
      if (way === 'stored') await writeBatch(trx, batches[i]!, { orgId: org.id });
      else await insertNewLines(trx, lines[i]!);
    }
  });
  const wall = performance.now() - w0;
  const t = process.threadCpuUsage(t0);
  return { server: backendPid === null ? 0 : procCpu(backendPid) - s0, thread: (t.user + t.system) / 1e6, wall: wall / 1000 };
}

interface Backend {
  readonly name: string;
  open(run: string): Promise<{ storage: Storage; pid: number | null; drop(): Promise<void> }>;
}

const backends: Backend[] = [];
if (BACKENDS.has('pglite'))
  backends.push({
    name: 'PGlite',
    async open() {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-feed-line-write-'));
      const storage = await openPglite(dir, undefined, { thread: 'main', sharedBuffersMb: PGLITE_BULK_SHARED_BUFFERS_MB });
      return { storage, pid: null, drop: async () => { await storage.close(); rmSync(dir, { recursive: true, force: true }); } };
    },
  });
if (BACKENDS.has('postgres') && PG_URL)
  backends.push({
    name: 'PostgreSQL',
    async open(run) {
      const name = `${DB_PREFIX}_flw_${run}`;
      const url = await freshPgDatabase(PG_URL, name);
      const storage = await openPostgres(url, 1);
      const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(storage.db)).rows[0]!.pid;
      return {
        storage,
        pid,
        drop: async () => {
          await storage.close();
          const admin = new pg.Client({ connectionString: PG_URL });
          await admin.connect();
          await admin.query(`drop database if exists "${name}" with (force)`);
          await admin.end();
        },
      };
    },
  });

for (const b of backends) {
  const figures: Record<Way, Figure[]> = { stored: [], lines: [] };
  for (let r = 0; r < RUNS; r++) {
    for (const way of ((r % 2 === 0 ? ['stored', 'lines'] : ['lines', 'stored']) as Way[]).filter((w) => WAYS.has(w))) {
      const { storage, pid, drop } = await b.open(`${way}_${r}`);
      try {
        const org = await freshOrg(storage.db);
        const f = await writeAll(storage.db, org, way, pid);
        figures[way].push(f);
        console.error(`${b.name} ${way} run ${r + 1}: wall ${f.wall.toFixed(1)} s, server CPU ${f.server.toFixed(1)} s, this thread ${f.thread.toFixed(1)} s, load ${os.loadavg()[0]!.toFixed(1)}`);
      } finally {
        await drop();
      }
    }
  }
  const m = (way: Way, k: keyof Figure) => median(figures[way].map((f) => f[k]));
  const us = (s: number) => ((s * 1e6) / ROWS).toFixed(0);
  const onPg = b.name === 'PostgreSQL';
  const part = (way: Way) => `${us(m(way, 'wall'))} µs a row wall${onPg ? `, server ${us(m(way, 'server'))} µs` : ''}, ${onPg ? 'importer' : 'PGlite and importer'} ${us(m(way, 'thread'))} µs`;
  report({
    bench: `a CSV feed's first write → ${b.name}: three stored objects a row vs one flat line (issue 17)`,
    figure: `${WAYS.has('stored') ? `stored ${part('stored')}; ` : ''}lines ${part('lines')}${WAYS.has('stored') ? `; ${onPg ? `server CPU ${(m('stored', 'server') / m('lines', 'server')).toFixed(2)}× less, ` : ''}${onPg ? 'importer' : 'thread'} CPU ${(m('stored', 'thread') / m('lines', 'thread')).toFixed(2)}× less, wall ${(m('stored', 'wall') / m('lines', 'wall')).toFixed(2)}×` : ''}; medians of ${RUNS}; load ${os.loadavg()[0]!.toFixed(1)}`,
    target: 'PostgreSQL ≥ 20,000 lines/s (≤ ~50 µs of server a line), PGlite ≥ 10,000/s',
    data: `${ROWS.toLocaleString('en')} CSV rows (bench feedCsv), batches of ${BATCH.toLocaleString('en')}, one transaction, fresh database`,
    command: `BENCH_FEED_LINE_ROWS=${ROWS} BENCH_RUNS=${RUNS}${WAYS.has('stored') ? '' : ' BENCH_FEED_LINE_WAYS=lines'} npm run bench -- feed-line-write`,
  });
}

// The importer's side of a flat feed line (issue 17, docs/design/feed-lines.md): the CPU a CSV row's write costs the
// importer once it is prepared, the stored way (three contributions' COPY lines with their canonical JSON and hashes,
// two keys, an edge, three registry entries) against the line's way (the checks of feedLineOf, three hashes from
// templates, one COPY row). Parse and preparation are the same for both and are not timed.
//   BENCH_FEED_LINE_ROWS (default 100,000)  BENCH_RUNS (default 5)
import type { Viewer } from '../src/access/viewer.ts';
import type { OrgRow } from '../src/db/schema.ts';
import type { IngestParams } from '../src/ingest/ingest.params.ts';
import { csvSlices } from '../src/ingest/parsers/csv.parser.ts';
import { SlicePreparer } from '../src/ingest/prepare.ts';
import { prebuildContent } from '../src/store/contribution-columns.ts';
import { edgeTails, keyTails } from '../src/store/contributions.repository.ts';
import { feedLineOf, lineCopyRow } from '../src/store/feed-line.ts';
import type { PreparedObject } from '../src/store/knowledge.writer.ts';
import { edgesOf } from '../src/store/object-row.ts';
import { registryColumns } from '../src/store/objects.repository.ts';
import { feedCsv, median, report } from './support.ts';

const ROWS = Number(process.env.BENCH_FEED_LINE_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BATCH = 5_000;

const org = { id: '00000000-0000-4000-8000-000000000001', id_salt: 'bench-salt', name: 'Bench', default_tlp: 'green', sector: 'finance', kind: 'member' } as unknown as OrgRow;
const viewer = { kind: 'user', userId: '00000000-0000-4000-8000-000000000002', orgId: org.id, role: 'admin' } as unknown as Viewer;
const params = { format: 'csv', tlp: 'amber', orgs: ['00000000-0000-4000-8000-00000000000a'], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'cli' } as unknown as IngestParams;
const csv = Buffer.from(feedCsv(ROWS));

type Triple = readonly [PreparedObject, PreparedObject, PreparedObject];

// Fresh records every run: a record keeps its canonical JSON and hash once made.
function prepared(): Triple[][] {
  const now = new Date();
  const preparer = new SlicePreparer(params, { viewer, org, ingestId: '00000000-0000-4000-8000-000000000003' }, now, undefined);
  const all: PreparedObject[] = [];
  const slices = csvSlices(csv, { now, idSalt: org.id_salt }, BATCH);
  for (let r = slices.next(); !r.done; r = slices.next()) all.push(...preparer.add(r.value.objects, new Set(r.value.generated)));
  const rows = all.filter((p) => p.record.type !== 'marking-definition');
  const batches: Triple[][] = [];
  for (let i = 0; i < rows.length; i += 3 * BATCH) {
    const batch: Triple[] = [];
    for (let j = i; j < Math.min(rows.length, i + 3 * BATCH); j += 3) batch.push([rows[j]!, rows[j + 1]!, rows[j + 2]!]);
    batches.push(batch);
  }
  return batches;
}

// What the write path builds for a batch of feed rows before the server sees it (knowledge.writer.ts buildBatch and the
// COPY texts of contributions, keys and edges); ids and seqs come from the server and are left out of both ways.
function storedWay(batches: Triple[][]): number {
  let bytes = 0;
  for (const batch of batches) {
    const flat = batch.flat();
    const content = prebuildContent(flat);
    for (const c of content.values()) bytes += c.line.length;
    const reg = registryColumns(flat.map((p) => p.record));
    bytes += reg.id.length;
    for (const [sco, ind, rel] of batch) {
      for (const k of keyTails(sco.record.id, sco.record.keys)) bytes += k.length;
      for (const k of keyTails(ind.record.id, ind.record.keys)) bytes += k.length;
      for (const e of edgeTails(edgesOf(rel.record.data))) bytes += e.length;
    }
  }
  return bytes;
}

function lineWay(batches: Triple[][]): number {
  let bytes = 0;
  for (const batch of batches) {
    for (const t of batch) {
      const line = feedLineOf(t);
      if (!line) throw new Error(`row of ${t[0].record.id} is not a line`);
      bytes += lineCopyRow(line).length;
    }
  }
  return bytes;
}

function timed(way: (b: Triple[][]) => number): { us: number; bytes: number } {
  const batches = prepared();
  const t0 = process.threadCpuUsage();
  const bytes = way(batches);
  const t = process.threadCpuUsage(t0);
  return { us: (t.user + t.system) / ROWS, bytes };
}

const stored: number[] = [];
const lines: number[] = [];
let sizes = { stored: 0, lines: 0 };
for (let r = 0; r < RUNS; r++) {
  // Alternating, so that a change of load falls on both.
  const first = r % 2 === 0;
  const a = first ? timed(storedWay) : undefined;
  const b = timed(lineWay);
  const c = a ?? timed(storedWay);
  stored.push(c.us);
  lines.push(b.us);
  sizes = { stored: c.bytes, lines: b.bytes };
  console.error(`run ${r + 1}: stored ${c.us.toFixed(1)} µs a row, line ${b.us.toFixed(1)} µs a row`);
}
const s = median(stored);
const l = median(lines);
report({
  bench: 'a CSV row\'s write as the importer builds it: three stored objects vs one flat line (issue 17)',
  figure: `stored ${s.toFixed(1)} µs a row (${(sizes.stored / ROWS).toFixed(0)} bytes of COPY text and array literals), line ${l.toFixed(1)} µs a row (${(sizes.lines / ROWS).toFixed(0)} bytes): ${(s / l).toFixed(2)}× less importer CPU; medians of ${RUNS}, thread CPU`,
  target: 'importer ≤ ~50 µs a line all told (docs/design/feed-lines.md 4.2)',
  data: `${ROWS.toLocaleString('en')} CSV rows (bench feedCsv), prepared, batches of ${BATCH.toLocaleString('en')}`,
  command: `BENCH_FEED_LINE_ROWS=${ROWS} BENCH_RUNS=${RUNS} npm run bench -- feed-line-build`,
});

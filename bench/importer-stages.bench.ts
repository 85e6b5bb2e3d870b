// The importer's own CPU for a CSV feed written as flat lines (issue 17), stage by stage and without a database: the
// parse as the worker runs it (runParseStream: CSV, ids, size and text checks, carried keys), the structured clone a
// slice takes to the main thread (v8 serialize + deserialize, as postMessage does), then the main thread's checks and
// preparation (StreamChecks), splitLines (feedLineOf: checks, contents, hashes) and the lines' COPY rows. Thread CPU,
// one thread: on a shared machine these move by a few percent where the ingest bench's CPU seconds move by ten.
// Not timed here: the review and hooks (warninglists, sids, alerts), the write (insertNewLines, the driver), the
// process start, and V8's helper threads (the ingest bench splits the importer's CPU by thread).
// Then, in the same process, a bound for docs/design/feed-lines.md 8.3 (not the product's path): the stages a line
// would cost if the parse worker sent lines instead of three objects — the CSV parse and its ids as today but no
// object's JSON text for its size nor its pattern's keys, a line's texts through the structured clone, and on the
// main thread only the line itself (its audience shared, its contents and hashes) and its COPY row. The checks the
// main thread would still make of a line (its TLP, its counts) are left out: a bound, and a lower one than a lane
// built for real would reach.
//   BENCH_STAGES_ROWS (default 100,000)  BENCH_RUNS (default 5)
import { deserialize, serialize } from 'node:v8';
import type { Viewer } from '../src/access/viewer.ts';
import type { OrgRow } from '../src/db/schema.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../src/db/schema.ts';
import type { IngestParams } from '../src/ingest/ingest.params.ts';
import { carryKeys } from '../src/ingest/parse/carried-keys.ts';
import { runParseStream, type ParseSlice } from '../src/ingest/parse/parse.task.ts';
import { StreamChecks } from '../src/ingest/stream.checks.ts';
import { DEFAULT_PREFIX_LIMITS } from '../src/observables/cidr.limit.ts';
import { createStixValidator } from '../src/stix/stix.validator.ts';
import { csvSlices } from '../src/ingest/parsers/csv.parser.ts';
import { LINE_SCO_TYPES, lineCopyRow, lineHashes, splitLines, type FeedLine, type LineAudience } from '../src/store/feed-line.ts';
import type { StixObject } from '../src/stix/stix.types.ts';
import { feedCsv, median, report } from './support.ts';

const ROWS = Number(process.env.BENCH_STAGES_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SLICE = 5000; // the hub's default ingest slice (objects)
const PIECE = 500; // ingest.service.ts checks a slice in pieces of this many objects

const org = { id: '00000000-0000-4000-8000-000000000001', id_salt: 'bench-salt', name: 'Bench', default_tlp: 'green', sector: 'finance', kind: 'member' } as unknown as OrgRow;
const viewer = { kind: 'user', userId: '00000000-0000-4000-8000-000000000002', orgId: org.id, role: 'admin' } as unknown as Viewer;
const params = { format: 'csv', orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'cli' } as unknown as IngestParams;
const csv = Buffer.from(feedCsv(ROWS));
const validator = createStixValidator(process.env.KESSETSU_STIX_SCHEMAS);
// The CLI's limits for a file (object size only): each object is serialized for its size on the worker.
const limits = { maxObjectBytes: 1024 * 1024, maxObjects: null, maxLines: null };
const noDatabase = (): Promise<Kysely<Database>> => Promise.reject(new Error('no object of this feed speaks as another organisation'));

const STAGES = ['parse', 'clone', 'checks', 'split', 'copyRows'] as const;
type Stage = (typeof STAGES)[number];

function cpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}

// Thread CPU by stage from now on: lap(stage) adds the time since the last lap to the stage.
function stageClock(): { lap: (stage: Stage) => void; perLine: () => Record<Stage, number> } {
  const ms = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  let t = cpuMs();
  return {
    lap: (stage) => {
      const now = cpuMs();
      ms[stage] += now - t;
      t = now;
    },
    perLine: () => Object.fromEntries(STAGES.map((s) => [s, (ms[s] * 1000) / ROWS])) as Record<Stage, number>,
  };
}

async function run(): Promise<{ us: Record<Stage, number>; lines: number }> {
  const slices = runParseStream(Buffer.from(csv), { format: 'csv', lenient: false, limits, prefixLimits: DEFAULT_PREFIX_LIMITS, idSalt: org.id_salt }, SLICE, validator);
  const checks = new StreamChecks({ params, viewer, org, ingestId: '00000000-0000-4000-8000-000000000003', now: new Date(), prefixLimits: DEFAULT_PREFIX_LIMITS, speakers: new Map(), fileTlp: undefined, parseChecked: false });
  let lines = 0;
  const { lap, perLine } = stageClock();
  for (let r = slices.next(); !r.done; r = slices.next()) {
    lap('parse');
    const s = deserialize(serialize(r.value)) as ParseSlice;
    lap('clone');
    carryKeys(s.objects, s.patternKeys);
    const facts = { generated: s.generated && new Set(s.generated), refsWithin: s.refsWithin, placeholders: s.placeholders, textChecked: s.textChecked, targets: s.targets };
    const batch = [];
    for (let j = 0; j < s.objects.length; j += PIECE) batch.push(...(await checks.add(s.objects.slice(j, j + PIECE), noDatabase, facts)));
    lap('checks');
    const split = splitLines(batch);
    lap('split');
    lines += split.lines.map(lineCopyRow).length;
    lap('copyRows');
  }
  return { us: perLine(), lines };
}

// A line as the worker would send it: its texts, no objects.
type Draft = [scoType: string, value: string, scoId: string, indicatorId: string, relationshipId: string, created: string, modified: string, validFrom: string, name: string | null, description: string | null, indicatorTypes: string[], labels: string[]];

// The observable, indicator and relationship a CSV row makes, as a line's texts (the bench's rows are all lines).
function draftOf(sco: StixObject, ind: StixObject, rel: StixObject): Draft {
  const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
  return [sco.type, String(sco.value), sco.id, ind.id, rel.id, String(ind.created), String(ind.modified), String(ind.valid_from), (ind.name as string | undefined) ?? null, (ind.description as string | undefined) ?? null, list(ind.indicator_types), list(ind.labels)];
}

async function runLane(): Promise<{ us: Record<Stage, number>; lines: number }> {
  // The audience prepare.ts gives every object of the feed (the organisation's default TLP, no recipients).
  const audience: LineAudience = { orgId: org.id, userId: viewer.userId, ingestId: '00000000-0000-4000-8000-000000000003', tlp: 'green', pap: null, anonymous: false, allowCount: true, confidence: null, recipientOrgs: [], recipientGroups: [], recipientUsers: [], firstSeen: new Date().toISOString(), lastSeen: new Date().toISOString() };
  let lastModified = '';
  let later = '';
  let lines = 0;
  const { lap, perLine } = stageClock();
  const slices = csvSlices(csv, { idSalt: org.id_salt }, SLICE);
  for (let r = slices.next(); !r.done; r = slices.next()) {
    const o = r.value.objects;
    const drafts: Draft[] = [];
    for (let k = 0; k + 2 < o.length; k++) {
      if (LINE_SCO_TYPES.has(o[k]!.type) && o[k + 1]!.type === 'indicator' && o[k + 2]!.type === 'relationship') drafts.push(draftOf(o[k]!, o[k + 1]!, o[k + 2]!));
    }
    lap('parse');
    const got = deserialize(serialize({ drafts, progress: r.value.progress })) as { drafts: Draft[] };
    lap('clone');
    lap('checks');
    const made: FeedLine[] = [];
    for (const [scoType, value, scoId, indicatorId, relationshipId, created, modified, validFrom, name, description, indicatorTypes, labels] of got.drafts) {
      // The TLP marking's millisecond (prepare.ts), once per distinct time.
      if (modified !== lastModified) later = new Date(Date.parse((lastModified = modified)) + 1).toISOString();
      const line = { audience, scoType, value, display: null, scoId, indicatorId, relationshipId, created, modified: later, validFrom, name, description, indicatorTypes, labels };
      made.push({ ...line, hashes: lineHashes(line) });
    }
    lap('split');
    lines += made.map(lineCopyRow).length;
    lap('copyRows');
  }
  return { us: perLine(), lines };
}

const measured = async (label: string, fn: () => Promise<{ us: Record<Stage, number>; lines: number }>): Promise<Record<Stage, number>> => {
  const runs: Record<Stage, number>[] = [];
  for (let r = 0; r < RUNS + 1; r++) {
    const { us, lines } = await fn();
    if (lines !== ROWS) throw new Error(`${label}: ${lines} lines of ${ROWS} rows: the feed is not all lines`);
    console.error(`${label} run ${r}${r === 0 ? ' (warm-up, not counted)' : ''}: ${STAGES.map((s) => `${s} ${us[s].toFixed(1)}`).join(', ')} µs a line`);
    if (r > 0) runs.push(us);
  }
  return Object.fromEntries(STAGES.map((s) => [s, median(runs.map((x) => x[s]))])) as Record<Stage, number>;
};
const med = await measured('today', run);
const lane = await measured('lines made on the worker (bound)', runLane);
const total = STAGES.reduce((a, s) => a + med[s], 0);
const laneTotal = STAGES.reduce((a, s) => a + lane[s], 0);
report({
  bench: "the importer's CPU a CSV line by stage, no database (issue 17)",
  figure: `${STAGES.map((s) => `${s} ${med[s].toFixed(1)}`).join(', ')} µs a line (${total.toFixed(1)} in all; parse and half the clone are the worker's, the rest the main thread's); medians of ${RUNS}, thread CPU`,
  target: 'the importer well under 50 µs a line of main-thread CPU',
  data: `${ROWS.toLocaleString('en')} CSV rows (bench feedCsv), slices of ${SLICE.toLocaleString('en')} objects`,
  command: `BENCH_STAGES_ROWS=${ROWS} BENCH_RUNS=${RUNS} npm run bench -- importer-stages`,
});
report({
  bench: "the importer's CPU a CSV line if the parse worker made the lines: a bound, not the product's path (issue 17, docs/design/feed-lines.md 8.3)",
  figure: `${STAGES.filter((s) => s !== 'checks').map((s) => `${s} ${lane[s].toFixed(1)}`).join(', ')} µs a line (${laneTotal.toFixed(1)} in all, against ${total.toFixed(1)} measured in the same process for today's path: ${(total / laneTotal).toFixed(2)}×); medians of ${RUNS}, thread CPU`,
  target: 'what a worker-made line could save the importer (CSV → PostgreSQL ≥ 20,000 lines/s)',
  data: `${ROWS.toLocaleString('en')} CSV rows (bench feedCsv), slices of ${SLICE.toLocaleString('en')} objects`,
  command: `BENCH_STAGES_ROWS=${ROWS} BENCH_RUNS=${RUNS} npm run bench -- importer-stages`,
});

// The importer's own CPU for a CSV feed written as flat lines (issue 17), stage by stage and without a database, two
// ways in the same process: the ingest's path, where the parse gives a flat row as a line draft (line-draft.ts:
// the CSV, its ids, the draft's checks; ParseRequest.lines), the structured clone takes the drafts to the main thread
// (v8 serialize + deserialize, as postMessage does), the main thread's checks prepare them (StreamChecks.add:
// TLP, audience) and a line's contents are hashed as its COPY row is made; and, as before the twenty-first session,
// three objects a row (each serialized for its size on the worker, its pattern's keys carried), their checks and
// preparation, splitLines (feedLineOf: checks, contents, hashes) and the COPY rows. Thread CPU, one thread: on a
// shared machine these move by a few percent where the ingest bench's CPU seconds move by ten.
// Not timed here: the review and hooks (warninglists, sids, alerts), the write (insertNewLines, the driver), the
// process start, and V8's helper threads (the ingest bench splits the importer's CPU by thread).
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
import { lineCopyRow, splitLines, withLines } from '../src/store/feed-line.ts';
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

// One import's stages. `lines`: the parse gives a row that is a flat line as a line draft (ParseRequest.lines, the
// ingest's path since the twenty-first session); without, as three objects the main thread splits into a line.
async function run(lines: boolean): Promise<{ us: Record<Stage, number>; lines: number }> {
  const slices = runParseStream(Buffer.from(csv), { format: 'csv', lenient: false, limits, prefixLimits: DEFAULT_PREFIX_LIMITS, idSalt: org.id_salt, lines }, SLICE, validator);
  const checks = new StreamChecks({ params, viewer, org, ingestId: '00000000-0000-4000-8000-000000000003', now: new Date(), prefixLimits: DEFAULT_PREFIX_LIMITS, speakers: new Map(), fileTlp: undefined, parseChecked: false });
  let made = 0;
  const { lap, perLine } = stageClock();
  for (let r = slices.next(); !r.done; r = slices.next()) {
    lap('parse');
    const s = deserialize(serialize(r.value)) as ParseSlice;
    lap('clone');
    carryKeys(s.objects, s.patternKeys);
    const facts = { generated: s.generated && new Set(s.generated), refsWithin: s.refsWithin, placeholders: s.placeholders, textChecked: s.textChecked, targets: s.targets };
    const batch = [];
    const drafted = [];
    const drafts = s.lines ?? [];
    for (let j = 0; j < s.objects.length || (j === 0 && drafts.length > 0); j += PIECE) {
      // The bench's rows are all lines: a slice's drafts come with its first piece (ingest.service.ts splits by place).
      const done = await checks.add(s.objects.slice(j, j + PIECE), noDatabase, facts, j === 0 ? drafts : [], j === 0 ? (s.lineSlots ?? []) : []);
      batch.push(...done.prepared);
      drafted.push(...done.lines);
    }
    lap('checks');
    const split = withLines(splitLines(batch), drafted);
    lap('split');
    made += split.lines.map(lineCopyRow).length; // hashes a drafted line's contents first (hashLine)
    lap('copyRows');
  }
  return { us: perLine(), lines: made };
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
const med = await measured('three objects a row', () => run(false));
const lane = await measured('line drafts', () => run(true));
const total = STAGES.reduce((a, s) => a + med[s], 0);
const laneTotal = STAGES.reduce((a, s) => a + lane[s], 0);
report({
  bench: "the importer's CPU a CSV line by stage, no database (issue 17)",
  figure: `${STAGES.map((s) => `${s} ${med[s].toFixed(1)}`).join(', ')} µs a line with three objects a row (${total.toFixed(1)} in all; parse and half the clone are the worker's, the rest the main thread's); medians of ${RUNS}, thread CPU`,
  target: 'the importer well under 50 µs a line of main-thread CPU',
  data: `${ROWS.toLocaleString('en')} CSV rows (bench feedCsv), slices of ${SLICE.toLocaleString('en')} objects`,
  command: `BENCH_STAGES_ROWS=${ROWS} BENCH_RUNS=${RUNS} npm run bench -- importer-stages`,
});
report({
  bench: "the importer's CPU a CSV line with line drafts, the ingest's path (issue 17, docs/design/feed-lines.md 8.4)",
  figure: `${STAGES.map((s) => `${s} ${lane[s].toFixed(1)}`).join(', ')} µs a line (${laneTotal.toFixed(1)} in all, against ${total.toFixed(1)} measured in the same process with three objects a row: ${(total / laneTotal).toFixed(2)}×); medians of ${RUNS}, thread CPU`,
  target: 'the importer well under 50 µs a line of main-thread CPU (CSV → PostgreSQL ≥ 20,000 lines/s)',
  data: `${ROWS.toLocaleString('en')} CSV rows (bench feedCsv), slices of ${SLICE.toLocaleString('en')} objects`,
  command: `BENCH_STAGES_ROWS=${ROWS} BENCH_RUNS=${RUNS} npm run bench -- importer-stages`,
});

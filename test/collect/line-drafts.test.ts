import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Kysely } from 'kysely';
import type { Database, OrgRow } from '../../src/db/schema.ts';
import type { Viewer } from '../../src/access/viewer.ts';
import type { IngestParams } from '../../src/ingest/ingest.params.ts';
import { NO_LIMITS, type ObjectLimits } from '../../src/ingest/ingest.limits.ts';
import { carryKeys } from '../../src/ingest/parse/carried-keys.ts';
import { lineDraftOf, type LineDraft } from '../../src/ingest/parse/line-draft.ts';
import { runParseStream, type ParseHead } from '../../src/ingest/parse/parse.task.ts';
import { csvSlices } from '../../src/ingest/parsers/csv.parser.ts';
import { StreamChecks, type StreamOutcome } from '../../src/ingest/stream.checks.ts';
import { DEFAULT_PREFIX_LIMITS } from '../../src/observables/cidr.limit.ts';
import { createStixValidator } from '../../src/stix/stix.validator.ts';
import { hashLine, lineHashes, preparedOfLine, splitLines, type FeedLine } from '../../src/store/feed-line.ts';
import type { PreparedObject } from '../../src/store/knowledge.writer.ts';
import type { StixObject } from '../../src/stix/stix.types.ts';

// Issue 17, docs/design/feed-lines.md 8.3: a CSV feed's flat rows leave the parse worker as line drafts and become
// feed lines without their three objects. Whatever goes that way must come out exactly as the objects' path makes it:
// the same lines (texts, audience, the TLP marking's millisecond, hashes), the same other objects, the same errors,
// warnings and counts with the same indexes, and the same three objects when a line goes the stored way after all.

const org = { id: '00000000-0000-4000-8000-000000000001', id_salt: 'salt-of-org', name: 'Org', default_tlp: 'green', sector: 'finance', kind: 'member' } as unknown as OrgRow;
const viewer = { kind: 'user', userId: '00000000-0000-4000-8000-000000000002', orgId: org.id, role: 'admin' } as unknown as Viewer;
const base = { format: 'csv', orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'cli' } as unknown as IngestParams;
const validator = createStixValidator(process.env.KESSETSU_STIX_SCHEMAS);
const noDatabase = (): Promise<Kysely<Database>> => Promise.reject(new Error('no object of these feeds speaks as another organisation'));

const rows = [
  'value,type,tags,comment,date',
  `"http://x.example/a'b?d=""e""",url,"tlp:amber,tag\twith tab","line one\nline two",2026-11-30 10:00`,
  'phish.example.com,domain-name,フィッシング,偽サイト 「銀行」,',
  '198.51.100.7,ipv4-addr,scanner,,',
  '2001:db8::1,ipv6-addr,x,,2026-11-30T01:02:03Z',
  'someone@example.org,email-addr,,,',
  '203.0.113.9,ipv4-addr,tlp:red,,2026-11-30',
  'clear.example.net,domain-name,tlp:clear,,',
  'amber.example.net,domain-name,TLP:AMBER+STRICT,,',
  '10.0.0.0/8,ipv4-addr,,too broad,',
  '198.51.100.0/24,ipv4-addr,,a range,',
  'back.example.org,domain-name,,a back\\slash,',
  `ctl.example.org,domain-name,,"a control ${String.fromCharCode(1)} char",`,
  'emoji.example.org,domain-name,,🎣 bait,',
  'd41d8cd98f00b204e9800998ecf8427e,md5,,a hash,',
  'phish.example.com,domain-name,again,,',
  'CVE-2024-3094,,,,',
  'not a value at all,,,,',
  `big.example.org,domain-name,,${'x'.repeat(3000)},`,
  'ok.example.org,domain-name,,fine,',
  '',
];
const csv = Buffer.from(rows.join('\n'));

interface Outcome {
  readonly lines: FeedLine[];
  readonly rest: PreparedObject[];
  readonly outcome: StreamOutcome;
  readonly head: ParseHead;
  readonly split: ReturnType<typeof splitLines>;
}

// The streamed ingest's checks and preparation over a whole feed, with or without line drafts, and the lines the
// write would take: the drafts' (hashed as their rows are) and those splitLines finds among the objects.
async function take(body: Buffer, params: IngestParams, lines: boolean, sliceObjects: number, limits: ObjectLimits): Promise<Outcome> {
  const checks = new StreamChecks({ params, viewer, org, ingestId: '00000000-0000-4000-8000-000000000003', now: new Date('2026-12-01T00:00:00.000Z'), prefixLimits: DEFAULT_PREFIX_LIMITS, speakers: new Map(), fileTlp: undefined });
  // The drafts' contents hashed on the worker at the TLP the ingest gives them, as the service asks.
  const lineTlps = lines ? { requested: params.tlp ?? null, orgDefault: org.default_tlp } : undefined;
  const slices = runParseStream(body, { format: 'csv', lenient: params.lenient, limits, prefixLimits: DEFAULT_PREFIX_LIMITS, idSalt: org.id_salt, lines, lineTlps }, sliceObjects, validator);
  const prepared: PreparedObject[] = [];
  const drafted: FeedLine[] = [];
  let r = slices.next();
  for (; !r.done; r = slices.next()) {
    const s = r.value;
    carryKeys(s.objects, s.patternKeys);
    if (!lines) expect(s.lines).toBeUndefined();
    const facts = { generated: s.generated && new Set(s.generated), refsWithin: s.refsWithin, placeholders: s.placeholders, textChecked: s.textChecked, targets: s.targets };
    // Every draft came hashed: the lines' hashes compared below are the worker's.
    for (const d of s.lines ?? []) expect(d[13]).not.toBeNull();
    const done = await checks.add(s.objects, noDatabase, facts, s.lines ?? [], s.lineSlots ?? []);
    for (const l of done.lines) expect(l.hashes).toEqual(lineHashes(l));
    prepared.push(...done.prepared);
    drafted.push(...done.lines.map(hashLine));
  }
  const split = splitLines(prepared);
  return { lines: [...drafted, ...split.lines], rest: [...split.rest], outcome: checks.finish(r.value), head: r.value, split };
}

const byIndicator = (a: FeedLine, b: FeedLine): number => (a.indicatorId < b.indicatorId ? -1 : 1);
// A line as plain data (its audience object is shared by reference in one path and not in the other).
const plain = (l: FeedLine): unknown => ({ ...l, audience: { ...l.audience } });
// A prepared object as what is written of it: its record's columns, content and hash, its contribution and flag.
const written = (p: PreparedObject): unknown => ({ ...p.record, contentHash: p.record.contentHash, contribution: p.contribution, generated: p.generated === true });

describe('line drafts: a flat row made a line on the parse worker is the line the objects make', () => {
  // The parse stamps an importer-made indicator with the time it reads the row: one time for both paths.
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T09:00:00.000Z'));
  });
  afterAll(() => vi.useRealTimers());
  const cases: { name: string; params: IngestParams; limits: ObjectLimits }[] = [
    { name: 'defaults', params: base, limits: NO_LIMITS },
    { name: 'tlp:amber to an organisation, confidence 60, lenient, objects of 2,048 bytes at most', params: { ...base, tlp: 'amber', orgs: ['00000000-0000-4000-8000-00000000000a'], confidence: 60, lenient: true } as IngestParams, limits: { ...NO_LIMITS, maxObjectBytes: 2048 } },
    { name: 'tlp:red to a user, no count', params: { ...base, tlp: 'red', users: [viewer.userId], allowCount: false } as IngestParams, limits: { ...NO_LIMITS, maxObjectBytes: 1024 * 1024 } },
    { name: 'tlp:clear, pap:green', params: { ...base, tlp: 'clear', pap: 'green' } as IngestParams, limits: NO_LIMITS },
  ];
  for (const c of cases)
    for (const size of [1, 7, 5000])
      it(`${c.name}, slices of ${size}`, async () => {
        const objects = await take(csv, c.params, false, size, c.limits);
        const drafts = await take(csv, c.params, true, size, c.limits);
        // The objects' path finds lines here (else the comparison says nothing), and the drafts took most of them.
        expect(objects.lines.length).toBeGreaterThan(8);
        expect(drafts.split.lines.length).toBeLessThan(objects.lines.length / 2);
        expect(drafts.lines.sort(byIndicator).map(plain)).toEqual(objects.lines.sort(byIndicator).map(plain));
        expect(drafts.rest.map(written)).toEqual(objects.rest.map(written));
        expect(drafts.outcome).toEqual(objects.outcome);
        expect(drafts.head).toEqual(objects.head);
        // A line that goes the stored way after all (a re-import, a refused line) is the three objects the parse made.
        for (const line of drafts.lines) expect(preparedOfLine(line).map(written)).toEqual(objects.split.objectsOf(objects.lines.find((l) => l.indicatorId === line.indicatorId)!).map(written));
      });

  it("keeps the worker's hashes only when they were made at the TLP the ingest gives the line, and makes them otherwise", async () => {
    const made: StixObject[][] = [];
    const g = csvSlices(Buffer.from('value,tags\nkept.example.org,\nred.example.org,tlp:red\n'), { idSalt: org.id_salt, draft: (s, i, r) => (made.push([s, i, r]), undefined) }, 5000);
    for (let r = g.next(); !r.done; r = g.next());
    const [plainRow, redRow] = made;
    // Hashed at amber (an ingest asking for amber): the unmarked row's line is at amber, the red row's at red.
    const amber = { requested: 'amber' as const, orgDefault: 'green' as const };
    const unmarked = lineDraftOf(plainRow![0]!, plainRow![1]!, plainRow![2]!, null, amber)!;
    const red = lineDraftOf(redRow![0]!, redRow![1]!, redRow![2]!, null, amber)!;
    expect(unmarked[13]![0]).toBe('amber');
    expect(red[13]![0]).toBe('red');
    const checks = (params: IngestParams) => new StreamChecks({ params, viewer, org, ingestId: '00000000-0000-4000-8000-000000000003', now: new Date('2026-12-01T00:00:00.000Z'), prefixLimits: DEFAULT_PREFIX_LIMITS, speakers: new Map(), fileTlp: undefined });
    const linesOf = async (params: IngestParams, drafts: LineDraft[]) => (await checks(params).add([], noDatabase, {}, drafts, drafts.map(() => 0))).lines;
    // The ingest gives amber: the worker's hashes are kept (a forged one shows it), and they are the right ones.
    const forged: LineDraft = [...unmarked.slice(0, 13), ['amber', 'forged-i', 'forged-o', 'forged-r']] as unknown as LineDraft;
    const [kept] = await linesOf({ ...base, tlp: 'amber' } as IngestParams, [forged]);
    expect(kept!.hashes).toEqual({ indicator: 'forged-i', observable: 'forged-o', relationship: 'forged-r' });
    const [right, stricter] = await linesOf({ ...base, tlp: 'amber' } as IngestParams, [unmarked, red]);
    expect(right!.hashes).toEqual(lineHashes(right!));
    expect(stricter!.audience.tlp).toBe('red');
    expect(stricter!.hashes).toEqual(lineHashes(stricter!));
    // The ingest gives clear (the worker expected amber): made on the main thread, at clear, a millisecond later.
    const [made2] = await linesOf({ ...base, tlp: 'clear' } as IngestParams, [forged]);
    expect(made2!.audience.tlp).toBe('clear');
    expect(Date.parse(made2!.modified) - Date.parse(unmarked[6])).toBe(1);
    expect(hashLine(made2!).hashes).toEqual(lineHashes(made2!));
    expect(made2!.hashes.indicator).not.toBe('forged-i');
  });

  it('the errors name the same objects by the same index when lines stand among them', async () => {
    const lenient = { ...base, lenient: true } as IngestParams;
    const limits = { ...NO_LIMITS, maxObjectBytes: 2048 };
    const objects = await take(csv, lenient, false, 4, limits);
    const drafts = await take(csv, lenient, true, 4, limits);
    const where = (o: Outcome): string[] => [...o.outcome.errors, ...o.outcome.warnings, ...o.head.errors].map((e) => `${e.where}: ${e.reason}`);
    expect(where(drafts)).toEqual(where(objects));
    // The broad range, the object too large and the rows that are no value are each named.
    expect(where(drafts).some((w) => w.includes('10.0.0.0/8'))).toBe(true);
    expect(where(drafts).some((w) => /objects\[\d+\]/.test(w))).toBe(true);
  });

  it('a file over the object limit is refused alike, lines counted as three objects each', async () => {
    const many = Buffer.from(['value', ...Array.from({ length: 40 }, (_, i) => `h${i}.example.com`), ''].join('\n'));
    for (const maxObjects of [119, 120, 121]) {
      const outcome = async (lines: boolean): Promise<string> => {
        try {
          const r = await take(many, base, lines, 10, { ...NO_LIMITS, maxObjects });
          return `${r.lines.length} lines, ${r.outcome.objects} objects`;
        } catch (err) {
          return (err as Error).message;
        }
      };
      expect(await outcome(true)).toBe(await outcome(false));
    }
  });

  it('a row goes as objects when its draft could differ: a range, a backslash, a control character or a line break, a surrogate pair, a text near the size limit', () => {
    const made: StixObject[][] = [];
    const g = csvSlices(csv, { idSalt: org.id_salt, draft: (s, i, r) => (made.push([s, i, r]), lineDraftOf(s, i, r, 4096)) }, 5000);
    let r = g.next();
    const slice = r.value as { objects: StixObject[]; lines: unknown[] };
    for (; !r.done; r = g.next());
    const values = slice.objects.map((o) => o.value).filter((v) => typeof v === 'string');
    expect(values).toEqual(["http://x.example/a'b?d=%22e%22", '10.0.0.0/8', '198.51.100.0/24', 'back.example.org', 'ctl.example.org', 'emoji.example.org', 'big.example.org']);
    expect(slice.lines.length).toBe(made.length - 7);
    expect(lineDraftOf(made[0]![0]!, made[0]![1]!, made[0]![2]!, 100)).toBeUndefined();
  });
});

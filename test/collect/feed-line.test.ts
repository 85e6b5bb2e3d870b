import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/access/viewer.ts';
import type { OrgRow } from '../../src/db/schema.ts';
import type { IngestParams } from '../../src/ingest/ingest.params.ts';
import { csvSlices } from '../../src/ingest/parsers/csv.parser.ts';
import { SlicePreparer } from '../../src/ingest/prepare.ts';
import { canonicalJson } from '../../src/shared/canonical-json.ts';
import { feedLineOf, lineContents, lineHashes, objectsOfLine, splitLines, splitLinesPaced, type FeedLine } from '../../src/store/feed-line.ts';
import type { PreparedObject } from '../../src/store/knowledge.writer.ts';
import { sharedData, sharedDataOrSkip } from '../support/shared-data.ts';

// A flat feed line (docs/design/feed-lines.md) must give back exactly what the stored path writes for a feed row:
// the same three contents, byte for byte, and the same content hashes. Rows that are not exactly a line are refused.

const org = { id: '00000000-0000-4000-8000-000000000001', id_salt: 'salt-of-org', name: 'Org', default_tlp: 'green', sector: 'finance', kind: 'member' } as unknown as OrgRow;
const viewer = { kind: 'user', userId: '00000000-0000-4000-8000-000000000002', orgId: org.id, role: 'admin' } as unknown as Viewer;
const base = { format: 'csv', orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'cli' } as unknown as IngestParams;
const now = new Date('2026-12-06T03:00:00.000Z');

/** A CSV prepared as the streamed ingest prepares it (the parse's ids of the organisation, slices of 500). */
function prepare(csv: Buffer, params: IngestParams = base): PreparedObject[] {
  const preparer = new SlicePreparer(params, { viewer, org, ingestId: '00000000-0000-4000-8000-000000000003' }, now, undefined);
  const out: PreparedObject[] = [];
  const slices = csvSlices(csv, { now, idSalt: org.id_salt }, 500);
  for (let r = slices.next(); !r.done; r = slices.next()) out.push(...preparer.add(r.value.objects, new Set(r.value.generated)));
  return out;
}

/** The rows' triples: each based-on relationship with the indicator and observable it joins. */
function triples(prepared: readonly PreparedObject[]): [PreparedObject, PreparedObject, PreparedObject][] {
  const byId = new Map(prepared.map((p) => [p.record.id, p]));
  return prepared
    .filter((p) => p.record.type === 'relationship')
    .map((r) => [byId.get(String(r.record.data.target_ref))!, byId.get(String(r.record.data.source_ref))!, r]);
}

/** Every line of a file checked against the stored path; answers the lines. */
function checkAll(prepared: readonly PreparedObject[]): FeedLine[] {
  const lines: FeedLine[] = [];
  for (const triple of triples(prepared)) {
    const line = feedLineOf(triple);
    expect(line, `${triple[0].record.id} is a line`).toBeDefined();
    const [sco, indicator, relationship] = objectsOfLine(line!);
    const stored = triple.map((p) => p.record.canonicalData());
    expect([canonicalJson(sco), canonicalJson(indicator), canonicalJson(relationship)]).toEqual(stored);
    const c = lineContents(line!);
    expect([c.observable, c.indicator, c.relationship]).toEqual(stored);
    expect(lineHashes(line!)).toEqual(line!.hashes);
    expect(line!.hashes).toEqual({ observable: triple[0].record.contentHash, indicator: triple[1].record.contentHash, relationship: triple[2].record.contentHash });
    lines.push(line!);
  }
  return lines;
}

describe('feed lines: a CSV row as one line, and back (issue 17)', () => {
  it('hostile texts come back byte for byte: quotes, backslashes, tabs and newlines, non-Latin text, lone surrogates in labels', () => {
    const csv = Buffer.from(
      [
        'value,type,tags,comment,date',
        `"http://x.example/a'b\\\\c?d=""e""",url,"tlp:amber,tag\twith tab","line one\nline two\\\\n",2026-11-30 10:00`,
        "phish.example.com,domain-name,フィッシング,偽サイト 「銀行」,",
        '198.51.100.7,ipv4-addr,,,',
        '2001:db8::1,ipv6-addr,x,,2026-11-30T01:02:03Z',
        'someone@example.org,email-addr,,,',
        `bad.example.net,domain-name,"\uD800lone",\uDFFF,`,
      ].join('\n'),
    );
    const lines = checkAll(prepare(csv));
    expect(lines.map((l) => l.scoType)).toEqual(['url', 'domain-name', 'ipv4-addr', 'ipv6-addr', 'email-addr', 'domain-name']);
    // The row's own TLP and the organisation's default: the marking, and the millisecond prepare adds with it.
    expect(lines.map((l) => l.audience.tlp)).toEqual(['amber', 'green', 'green', 'green', 'green', 'green']);
    expect(lines[1]!.modified).toBe('2026-12-06T03:00:00.001Z');
    expect(lines[0]!.modified).toBe('2026-12-06T03:00:00.000Z');
    expect(lines[0]!.description).toBe('line one\nline two\\\\n');
  });

  it('an ingest TLP stricter than a row’s, recipients and confidence stay the three contributions’ own', () => {
    const csv = Buffer.from(['value,tags', '198.51.100.9,tlp:green', 'evil.example.com,'].join('\n'));
    const params = { ...base, tlp: 'amber', orgs: ['00000000-0000-4000-8000-00000000000a'], groups: ['00000000-0000-4000-8000-00000000000b'], confidence: 70 } as unknown as IngestParams;
    const lines = checkAll(prepare(csv, params));
    expect(lines.map((l) => [l.audience.tlp, l.audience.recipientOrgs, l.audience.confidence])).toEqual([
      ['amber', ['00000000-0000-4000-8000-00000000000a'], 70],
      ['amber', ['00000000-0000-4000-8000-00000000000a'], 70],
    ]);
    const red = checkAll(prepare(csv, { ...base, tlp: 'red', users: ['00000000-0000-4000-8000-00000000000c'] } as unknown as IngestParams));
    expect(red.map((l) => [l.audience.tlp, l.audience.recipientUsers, l.audience.allowCount])).toEqual([
      ['red', ['00000000-0000-4000-8000-00000000000c'], false],
      ['red', ['00000000-0000-4000-8000-00000000000c'], false],
    ]);
  });

  it('each line keeps its own contributions\' audience when lines of other audiences come between (the audience object is shared only while equal)', () => {
    const csv = Buffer.from(['value,tags', '198.51.100.9,', 'evil.example.com,', 'other.example.net,'].join('\n'));
    const a = triples(prepare(csv));
    const b = triples(prepare(csv, { ...base, tlp: 'amber', confidence: 40, orgs: ['00000000-0000-4000-8000-00000000000a'] } as unknown as IngestParams));
    const c = triples(prepare(csv, { ...base, confidence: 41 } as unknown as IngestParams));
    const mixed = [a[0]!, a[1]!, b[0]!, c[0]!, c[1]!, a[2]!, b[1]!, b[2]!, c[2]!];
    for (const t of mixed) {
      const { objectId: _, ...own } = t[0].contribution;
      expect(feedLineOf(t)!.audience).toEqual(own);
    }
    expect(new Set(mixed.map((t) => feedLineOf(t)!.audience.confidence))).toEqual(new Set([null, 40, 41]));
  });

  it('refuses what a line cannot give back: another property, another marking, another pattern, a split audience, other keys, other types', () => {
    const [triple] = triples(prepare(Buffer.from('value\n198.51.100.7\n')));
    expect(feedLineOf(triple!)).toBeDefined();
    const [s, i, r] = triple!;
    const withData = (p: PreparedObject, data: Record<string, unknown>): PreparedObject => ({ ...p, record: { ...p.record, data: { ...p.record.data, ...data } as PreparedObject['record']['data'], keys: p.record.keys, contentHash: p.record.contentHash, canonicalData: p.record.canonicalData } });
    const refused: [PreparedObject, PreparedObject, PreparedObject][] = [
      [withData(s, { x_extra: 1 }), i, r],
      [s, withData(i, { confidence: 80 }), r],
      [s, withData(i, { valid_until: '2027-01-01T00:00:00.000Z' }), r],
      [s, withData(i, { pattern: "[ipv4-addr:value = '198.51.100.8']" }), r],
      [s, withData(i, { name: '' }), r],
      [s, withData(i, { labels: [] }), r],
      [withData(s, { object_marking_refs: ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82'] }), i, r],
      [s, i, withData(r, { relationship_type: 'indicates' })],
      [s, i, withData(r, { modified: '2030-01-01T00:00:00.000Z' })],
      [s, { ...i, contribution: { ...i.contribution, confidence: 5 } }, r],
      [s, { ...i, contribution: { ...i.contribution, recipientOrgs: ['00000000-0000-4000-8000-00000000000a'] } }, r],
      [{ ...s, record: { ...s.record, keys: [] } }, i, r],
      [withData(s, { type: 'mac-addr' }), i, r],
    ];
    for (const t of refused) expect(feedLineOf(t)).toBeUndefined();
  });

  it('splitLines takes each row that is a line with its three objects, and leaves everything else in order', () => {
    const prepared = prepare(Buffer.from('value,type\n198.51.100.7,ipv4-addr\nphish.example.com,domain-name\nhttp://x.example/a,url\n'));
    const rows = triples(prepared);
    expect(rows).toHaveLength(3);
    // An id twice in one batch (the stored way deduplicates it) is never part of a line; nor is an indicator with another property.
    const odd = { ...rows[2]![1], record: { ...rows[2]![1].record, data: { ...rows[2]![1].record.data, x_extra: 1 } as PreparedObject['record']['data'] } };
    const batch = [...prepared.map((p) => (p === rows[2]![1] ? odd : p)), rows[0]![0]];
    const split = splitLines(batch);
    expect(split.lines.map((l) => l.value)).toEqual(['phish.example.com']);
    expect(split.objectsOf(split.lines[0]!)).toEqual(rows[1]);
    const taken = new Set(rows[1]);
    expect(split.rest).toEqual(batch.filter((p) => !taken.has(p)));
    expect(splitLines(prepared.filter((p) => p.record.type !== 'relationship')).lines).toEqual([]);
  });

  it('splitLinesPaced splits as splitLines does, pausing between pieces (a line whose objects span two pieces included)', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `198.51.100.${i},ipv4-addr`);
    const prepared = prepare(Buffer.from(`value,type\n${rows.join('\n')}\n`));
    // Relationships first: each line's indicator and observable come in later pieces than its relationship.
    const batch = [...prepared.filter((p) => p.record.type === 'relationship'), ...prepared.filter((p) => p.record.type !== 'relationship'), prepared[5]!];
    let pauses = 0;
    const paced = await splitLinesPaced(batch, async () => void pauses++, 7);
    const whole = splitLines(batch);
    expect(pauses).toBe(Math.ceil(batch.length / 7) - 1);
    expect(paced.lines).toEqual(whole.lines);
    expect(paced.rest).toEqual(whole.rest);
    expect(paced.lines.map((l) => [...paced.objectsOf(l)])).toEqual(whole.lines.map((l) => [...whole.objectsOf(l)]));
    expect(paced.lines.length).toBe(39); // the row whose object comes twice is not a line
  });

  describe('on the real feeds (../shared/data)', () => {
    if (!sharedDataOrSkip()) return;
    it.each(['feeds/jpcert-phishurl/202412.csv', 'feeds/jpcert-phishurl/201901.csv', 'feeds/abusech/feodo-ipblocklist-2024-04-04.csv'])('%s: every row’s objects are one line, and come back as stored', (file) => {
      const prepared = prepare(readFileSync(sharedData(...file.split('/'))));
      const lines = checkAll(prepared);
      expect(lines.length).toBeGreaterThan(20);
      // Nothing of the file is left over: each object is in exactly one line (the marking definitions aside).
      expect(prepared.filter((p) => p.record.type !== 'marking-definition').length).toBe(3 * lines.length);
    });
  });
});

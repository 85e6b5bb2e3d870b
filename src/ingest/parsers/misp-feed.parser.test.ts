import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../../test/support/shared-data.ts';
import { createStixValidator } from '../../stix/stix.validator.ts';
import { parseMispFeedDir, parseMispFeedManifest } from './misp-feed.parser.ts';
import { ParseError, type ParseResult } from './parse-result.ts';

async function walk(dir: string): Promise<{ file: string; result: ParseResult }[]> {
  const out: { file: string; result: ParseResult }[] = [];
  for await (const item of parseMispFeedDir(dir)) out.push(item);
  return out;
}

function add(into: Record<string, number>, counts: unknown): void {
  for (const [k, v] of Object.entries((counts ?? {}) as Record<string, number>)) into[k] = (into[k] ?? 0) + v;
}

describe.runIf(hasSharedData())('parseMispFeedDir on the malvuln feed', () => {
  it('parses every event the manifest lists and counts attributes as an independent count does', async () => {
    const items = await walk(sharedData('misp', 'feed-malvuln', 'feed'));
    // The folder holds 704 entries in events/: 702 event files, manifest.json, and a stray one-byte file "events"
    // (ls feed/events | wc -l; jq length feed/events/manifest.json → 702).
    const events = items.filter((i) => i.file !== 'manifest.json');
    expect(events).toHaveLength(702);
    expect(events.every((e) => e.result.objects.some((o) => o.type === 'report'))).toBe(true);

    // What is odd about the feed is said once, up front.
    const feed = items[0]!;
    expect(feed.file).toBe('manifest.json');
    expect(feed.result.objects).toEqual([]);
    const reasons = feed.result.warnings.map((w) => w.reason).join('\n');
    expect(reasons).toMatch(/feed index, not a MISP manifest/);
    expect(reasons).toMatch(/list of entries, not MISP's object keyed by event uuid/);
    expect(reasons).toMatch(/not \.json ignored: events/);

    // Totals computed once with Python over feed/events/misp_event_*.json:
    //   Counter(a['type'] for e in events for a in e['Event']['Attribute'])                      (event level)
    //   Counter(a['type'] for e in events for o in e['Event']['Object'] for a in o['Attribute']) (object level)
    const attrs: Record<string, number> = {};
    const objectAttrs: Record<string, number> = {};
    for (const e of events) {
      add(attrs, e.result.summary?.attributes_by_type);
      add(objectAttrs, e.result.summary?.object_attributes_by_type);
    }
    expect(attrs).toEqual({ text: 4969, comment: 1404, link: 2101, md5: 702, filename: 395, port: 610 });
    expect(objectAttrs).toEqual({ text: 2800, filename: 395, link: 1400, vulnerability: 702, port: 609 });

    // One real defect in the feed: an md5 attribute holding "<md5>.exe"; it is the only error, and named.
    const errors = events.flatMap((e) => e.result.errors);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.where).toBe('events/misp_event_6b9afcad282516173c0ab8a6eb91e8b4.json#Event.Attribute[10].value');

    // Every event is tagged tlp:clear and tlp:white (both CLEAR).
    expect(events.every((e) => e.result.tlp === 'clear')).toBe(true);
    // Manifest MD5s match the files (md5sum), so no event carries a mismatch warning.
    expect(events.some((e) => e.result.warnings.some((w) => /MD5/.test(w.reason)))).toBe(false);
    // Everything made passes the STIX 2.1 validator with the OASIS schemas.
    const validator = createStixValidator(sharedData('stix', 'schemas'));
    const invalid = events.flatMap((e) => validator.validateBundle({ type: 'bundle', id: 'bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8', objects: e.result.objects }).errors);
    expect(invalid).toEqual([]);
    // Ids come from the event uuids the manifest lists.
    const first = events.find((e) => e.file === 'events/misp_event_00199eb3fd1a0aa6771b7f12fad895a0.json')!;
    expect(first.result.objects.find((o) => o.type === 'report')?.id).toBe('report--aeb51e3b-09d9-4f8d-b2b1-2e7091c22bb4');
  });
});

describe('parseMispFeedManifest', () => {
  it('reads the standard uuid-keyed manifest and skips keys that are not uuids', () => {
    const m = parseMispFeedManifest({ '5a3cd5b6-9568-4342-b2ab-4c62950d210f': { info: 'x' }, 'not-a-uuid': { info: 'y' } });
    expect(m.kind).toBe('manifest');
    expect(m.entries).toEqual([{ uuid: '5a3cd5b6-9568-4342-b2ab-4c62950d210f', info: 'x' }]);
    expect(m.warnings[0]!.where).toBe('manifest.json["not-a-uuid"]');
  });

  it('refuses what is no manifest at all', () => {
    expect(() => parseMispFeedManifest('manifest')).toThrow(ParseError);
    expect(() => parseMispFeedManifest({ version: 1 })).toThrow(/no event entries/);
  });
});

describe('parseMispFeedDir on a crafted feed', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-feed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const good = '00000000-0000-4000-8000-000000000001';
  const broken = '00000000-0000-4000-8000-000000000002';
  const missing = '00000000-0000-4000-8000-000000000003';
  const mismatch = '00000000-0000-4000-8000-000000000004';

  it('one bad event never stops the feed; a path out of the folder is never read', async () => {
    mkdirSync(path.join(dir, 'feed'));
    const root = path.join(dir, 'feed');
    writeFileSync(path.join(dir, 'secret.json'), JSON.stringify({ Event: { uuid: good, info: 'outside', Attribute: [{ type: 'domain', value: 'outside.example.com' }] } }));
    const event = (uuid: string) => JSON.stringify({ Event: { uuid, info: 'ok', date: '2024-01-01', Attribute: [{ type: 'domain', value: 'ok.example.com', to_ids: true }] } });
    writeFileSync(path.join(root, `${good}.json`), event(good));
    writeFileSync(path.join(root, `${broken}.json`), '{"Event": {"uuid": ');
    writeFileSync(path.join(root, `${mismatch}.json`), event(good));
    writeFileSync(path.join(root, 'hashes.csv'), '');
    writeFileSync(path.join(root, 'manifest.json'), JSON.stringify({ [good]: { info: 'ok' }, [broken]: {}, [missing]: {}, [mismatch]: {} }));
    const items = await walk(root);
    const byFile = new Map(items.map((i) => [i.file, i.result]));
    expect(byFile.get(`${good}.json`)?.objects.filter((o) => o.type === 'indicator')).toHaveLength(1);
    expect(byFile.get(`${broken}.json`)?.errors[0]!.reason).toMatch(/not valid JSON/);
    expect(byFile.get(`${missing}.json`)?.errors[0]!.reason).toMatch(/not found in the feed folder/);
    expect(byFile.get(`${mismatch}.json`)?.warnings[0]!.reason).toMatch(/is not the manifest's/);

    writeFileSync(path.join(root, 'manifest.json'), JSON.stringify([{ filename: '../secret.json', uuid: good }]));
    const escaped = await walk(root);
    const outside = escaped.find((i) => i.file === '../secret.json');
    expect(outside?.result.errors[0]!.reason).toMatch(/not found in the feed folder/);
    expect(escaped.some((i) => i.result.objects.some((o) => o.value === 'outside.example.com'))).toBe(false);
  });

  it('without a manifest, reads every .json file as an event and says so', async () => {
    const root = path.join(dir, 'bare');
    mkdirSync(root);
    writeFileSync(path.join(root, 'a.json'), JSON.stringify({ Event: { uuid: good, info: 'a', Attribute: [{ type: 'url', value: 'http://a.example.com/x' }] } }));
    const items = await walk(root);
    expect(items[0]!.result.errors[0]!.reason).toMatch(/reading every \.json file/);
    expect(items[1]!.file).toBe('a.json');
    expect(items[1]!.result.objects.some((o) => o.type === 'url')).toBe(true);
  });
});

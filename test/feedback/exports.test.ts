import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { parseStix } from '../../src/ingest/parsers/stix.parser.ts';
import { parseMispEvent } from '../../src/ingest/parsers/misp.parser.ts';
import { isSco, type StixObject } from '../../src/stix/stix.types.ts';
import { tlpOfMarkingId, tlpOfMarkingRefs } from '../../src/trust/tlp.ts';
import { ingestStix, startFeedbackHub } from './support.ts';

const OASIS = ['apt1.json', 'poisonivy.json', 'infrastructure.json', 'sighting-of-observed-data.json', 'using-granular-markings.json', 'malicious-email-indicator-with-attachment.json'];

function withoutTlp(o: StixObject): StixObject {
  const refs = (o.object_marking_refs ?? []).filter((r) => !tlpOfMarkingId(r));
  const { object_marking_refs: _drop, ...rest } = o;
  return refs.length ? { ...rest, object_marking_refs: refs } : rest;
}

async function exportAs(hub: TestHub, key: string, query: string): Promise<string> {
  const res = await hub.server.inject({ method: 'GET', url: `/api/v1/export?${query}`, headers: as(key) });
  if (res.statusCode !== 200) throw new Error(`export ${query}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return res.body;
}

describeStorage('feed back: exports round-trip through the importers', (backend) => {
  let hub: TestHub;
  let a: TestMember;
  let b: TestMember;
  let c: TestMember;
  const data = hasSharedData();

  beforeAll(async () => {
    // The OASIS apt1 example names a /15: this test compares bundles object for object, so it admits ranges down to /8.
    hub = await startFeedbackHub(backend, {}, { KESSETSU_MIN_CIDR_PREFIX_V4: '8' });
    a = await makeMember(hub, { name: 'Exporter Test Contributor' });
    b = await makeMember(hub);
    c = await makeMember(hub);
  });
  afterAll(async () => hub?.close());

  it.runIf(data)('STIX: OASIS example bundles come back object for object, with the TLP 2.0 marking of the view', async () => {
    for (const file of OASIS) {
      const text = readFileSync(sharedData('stix', 'oasis-examples', file), 'utf8');
      const original = (JSON.parse(text) as { objects: StixObject[] }).objects.filter((o) => o.type !== 'marking-definition' || !tlpOfMarkingId(o.id));
      await ingestStix(hub, a.key, text, 'tlp=green');
      const ids = original.map((o) => o.id).join(',');
      // As the contributor: the examples' TLP:RED objects are its own person's to see.
      const body = await exportAs(hub, a.key, `format=stix&ids=${encodeURIComponent(ids)}`);
      const parsed = parseStix(body, hub.app.validator);
      expect(parsed.errors, file).toEqual([]);
      const back = new Map(parsed.objects.map((o) => [o.id, o]));
      for (const o of original) {
        const got = back.get(o.id);
        expect(got, `${file}: ${o.id}`).toBeDefined();
        // An object that gained its TLP marking here is a new version of it: `modified` a millisecond later.
        const { modified: gotModified, ...gotRest } = withoutTlp(got!);
        const { modified: origModified, ...origRest } = withoutTlp(o);
        expect(gotRest, `${file}: ${o.id}`).toEqual(origRest);
        if (typeof origModified === 'string') expect([origModified, new Date(Date.parse(origModified) + 1).toISOString()], `${file}: ${o.id}`).toContain(gotModified);
        // Each object carries the level it is seen at (GREEN, or stricter where the example marked it so).
        if (o.type !== 'marking-definition') expect(tlpOfMarkingRefs(got!.object_marking_refs), `${file}: ${o.id}`).toBeDefined();
      }
      // The TLP 2.0 definitions written back are the OASIS ones.
      const green = parsed.objects.find((o) => o.id === 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb');
      expect(green ?? JSON.parse(body).objects.find((o: StixObject) => o.id === 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb')).toBeDefined();
    }
  });

  it('STIX: AMBER+STRICT only to the organisations it names; anonymous contributions never name their contributor', async () => {
    const now = new Date().toISOString();
    const me = { type: 'identity', spec_version: '2.1', id: `identity--${crypto.randomUUID()}`, created: now, modified: now, name: 'Exporter Test Contributor', identity_class: 'organization' };
    const strict = { type: 'indicator', spec_version: '2.1', id: `indicator--${crypto.randomUUID()}`, created: now, modified: now, name: 'strict one', pattern: "[domain-name:value = 'strict-export.example']", pattern_type: 'stix', valid_from: now };
    const anon = { type: 'indicator', spec_version: '2.1', id: `indicator--${crypto.randomUUID()}`, created: now, modified: now, created_by_ref: me.id, name: 'anonymous one', pattern: "[domain-name:value = 'anon-export.example']", pattern_type: 'stix', valid_from: now };
    await ingestStix(hub, a.key, JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [strict] }), `tlp=amber%2Bstrict&orgs=${b.org.id}`);
    await ingestStix(hub, a.key, JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [me, anon] }), 'tlp=green&anonymous=true');
    const forB = JSON.parse(await exportAs(hub, b.key, 'format=stix&type=indicator'));
    const forC = JSON.parse(await exportAs(hub, c.key, 'format=stix&type=indicator'));
    const strictB = forB.objects.find((o: StixObject) => o.id === strict.id);
    expect(strictB.object_marking_refs).toContain('marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003');
    expect(forB.objects.some((o: StixObject) => o.id === 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003')).toBe(true);
    expect(forC.objects.some((o: StixObject) => o.id === strict.id)).toBe(false);
    const anonB = forB.objects.find((o: StixObject) => o.id === anon.id);
    expect(anonB.created_by_ref).not.toBe(me.id);
    const everything = await exportAs(hub, c.key, 'format=stix');
    expect(everything).not.toContain('Exporter Test Contributor');
    expect(everything).toContain('anon-export.example');
  });

  it.runIf(data)('MISP: a real 370-attribute event comes back with the same observables, indicators, rules and TLP', async () => {
    const fresh = await startFeedbackHub(backend);
    try {
      const m = await makeMember(fresh);
      const raw = readFileSync(sharedData('misp', 'events', 'long_event.json'));
      const res = await fresh.server.inject({ method: 'POST', url: '/api/v1/ingest?format=misp', headers: { ...as(m.key), 'content-type': 'application/json' }, payload: raw });
      expect(res.statusCode, res.body).toBe(200);
      const original = parseMispEvent(raw).objects;
      const event = JSON.parse(await exportAs(fresh, m.key, 'format=misp'));
      const back = parseMispEvent(event).objects;
      // What MISP attributes carry: observables (same deterministic ids), STIX-pattern indicators (the
      // same patterns, made from the same observables) and rules; tlp:white comes back as TLP:CLEAR.
      const scoIds = (xs: StixObject[]) => new Set(xs.filter((o) => isSco(o.type) || o.type === 'vulnerability').map((o) => o.id));
      const patterns = (xs: StixObject[]) => new Set(xs.filter((o) => o.type === 'indicator').map((o) => `${String(o.pattern_type)}:${String(o.pattern)}`));
      expect(scoIds(back)).toEqual(scoIds(original));
      expect(patterns(back)).toEqual(patterns(original));
      // 258 indicators: the event's 258 to_ids attributes (python: sum(a['to_ids'])), less imphash and pehash
      // that STIX patterns here do not carry, plus the YARA and Snort rules that are indicators without to_ids.
      // 298 distinct observables and vulnerabilities, as the importer reads the event.
      expect(scoIds(back).size).toBe(298);
      expect(patterns(back).size).toBe(258);
      // The event's own report has no level of its own (attributes carry theirs; an event tag would raise them all).
      for (const o of back.filter((x) => x.type !== 'marking-definition' && x.type !== 'report')) expect(tlpOfMarkingRefs(o.object_marking_refs), o.id).toBe('clear');
      expect(JSON.stringify(event)).not.toContain(m.org.name);
    } finally {
      await fresh.close();
    }
  });

  it('MISP: each attribute carries the TLP its caller sees it at', async () => {
    const now = new Date().toISOString();
    const ind = (value: string) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${crypto.randomUUID()}`, created: now, modified: now, name: value, pattern: `[domain-name:value = '${value}']`, pattern_type: 'stix', valid_from: now });
    const bundle = (o: object) => JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [o] });
    await ingestStix(hub, a.key, bundle(ind('green-misp-test.jp')), 'tlp=green');
    await ingestStix(hub, a.key, bundle(ind('amber-misp-test.jp')), `tlp=amber&orgs=${b.org.id}`);
    const back = parseMispEvent(JSON.parse(await exportAs(hub, b.key, 'format=misp&type=indicator'))).objects;
    const tlpOf = (v: string) => tlpOfMarkingRefs(back.find((o) => o.type === 'indicator' && o.name === v)?.object_marking_refs);
    expect(tlpOf('green-misp-test.jp')).toBe('green');
    expect(tlpOf('amber-misp-test.jp')).toBe('amber');
    const forC = parseMispEvent(JSON.parse(await exportAs(hub, c.key, 'format=misp&type=indicator'))).objects;
    expect(forC.some((o) => o.name === 'amber-misp-test.jp')).toBe(false);
  });

  it('refuses ids that are not STIX ids, and clusters that do not exist', async () => {
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=stix&ids=%27%3B%20drop%20table', headers: as(b.key) })).statusCode).toBe(400);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=stix&cluster=c1', headers: as(b.key) })).statusCode).toBe(404);
  });
});

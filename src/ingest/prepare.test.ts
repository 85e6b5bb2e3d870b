import { describe, expect, it } from 'vitest';
import type { OrgRow } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { derivedId, generatedIndicatorId } from './parsers/stable-id.factory.ts';
import type { IngestParams } from './ingest.params.ts';
import { prepareObjects, SlicePreparer } from './prepare.ts';
import { csvSlices, parseCsv } from './parsers/csv.parser.ts';
import { runParseStream } from './parse/parse.task.ts';
import { createStixValidator } from '../stix/stix.validator.ts';
import { NO_LIMITS } from './ingest.limits.ts';

const org = { id: '00000000-0000-4000-8000-000000000001', id_salt: 'salt-of-org', name: 'Org', default_tlp: 'green', sector: 'finance', kind: 'member' } as unknown as OrgRow;
const viewer = { kind: 'user', userId: '00000000-0000-4000-8000-000000000002', orgId: org.id, role: 'admin' } as unknown as Viewer;
const params = { format: 'csv', orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'cli' } as unknown as IngestParams;
const t = '2026-11-01T00:00:00.000Z';
const pattern = "[ipv4-addr:value = '198.51.100.7']";
const indicator = (id: string): StixObject => ({ type: 'indicator', spec_version: '2.1', id, created: t, modified: t, pattern, pattern_type: 'stix', valid_from: t }) as StixObject;
const relationship = (id: string, source: string, target: string): StixObject => ({ type: 'relationship', spec_version: '2.1', id, created: t, modified: t, relationship_type: 'based-on', source_ref: source, target_ref: target }) as StixObject;

describe('prepareObjects: importer-made ids', () => {
  it('gives generated indicators and the relationships derived from them ids of the organisation; contributors’ own ids stay', () => {
    const sco = { type: 'ipv4-addr', spec_version: '2.1', id: 'ipv4-addr--6c2e2b0e-0a5b-5d6f-9c57-2a4f2bd0f6c1', value: '198.51.100.7' } as StixObject;
    const generated = generatedIndicatorId(pattern);
    const derived = derivedId('relationship', [generated, 'based-on', sco.id]);
    const own = 'indicator--2f1e7a4c-8f0b-4c1e-9a7d-5b3c2d1e0f9a'; // version 4: the contributor's
    const ownRel = 'relationship--8d5c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';
    const v5NotDerived = 'indicator--0b1c2d3e-4f5a-5b6c-8d7e-9f0a1b2c3d4e'; // version 5, but not the placeholder
    const parsed = { format: 'csv' as const, objects: [sco, indicator(generated), relationship(derived, generated, sco.id), indicator(own), relationship(ownRel, generated, sco.id), indicator(v5NotDerived)], errors: [], warnings: [] };
    const { prepared } = prepareObjects(parsed, params, { viewer, org, ingestId: null }, new Date(t));
    const ids = prepared.map((p) => p.record.id);
    const salted = ids[1]!;
    expect(salted).toMatch(/^indicator--[0-9a-f-]{36}$/);
    expect(salted).not.toBe(generated);
    expect(ids[2]).toBe(derivedId('relationship', [salted, 'based-on', sco.id]));
    expect(ids.slice(3)).toEqual([own, ownRel, v5NotDerived]);
    // A contributor's relationship keeps its id, and points at the organisation's indicator.
    expect(prepared[4]!.record.data.source_ref).toBe(salted);
    expect(prepared.map((p) => p.generated)).toEqual([false, true, true, false, false, false]);
    // The same file again gives the same ids (idempotent re-import).
    expect(prepareObjects(parsed, params, { viewer, org, ingestId: null }, new Date(t)).prepared.map((p) => p.record.id)).toEqual(ids);
  });
});

describe('SlicePreparer: ids the parse made the organisation’s (issue 17)', () => {
  const now = new Date(t);
  const who = { viewer, org, ingestId: null };
  const csv = Buffer.from(['value,type,tags', '198.51.100.7,ipv4-addr,tlp:amber', 'bad.example.com,domain-name,', 'http://x.example.net/a?b=1,url,', '198.51.100.7,ipv4-addr,', 'd41d8cd98f00b204e9800998ecf8427e,md5,', 'CVE-2024-3094,,', ''].join('\n'));

  it('a CSV parsed in slices with the organisation’s salt prepares to the same records, ids and flags as the whole file', () => {
    const whole = prepareObjects(parseCsv(csv, { now }), params, who, now).prepared;
    const preparer = new SlicePreparer(params, who, now, undefined);
    const sliced = [];
    const slices = csvSlices(csv, { now, idSalt: org.id_salt }, 2);
    for (let r = slices.next(); !r.done; r = slices.next()) sliced.push(...preparer.add(r.value.objects, new Set(r.value.generated)));
    expect(sliced).toEqual(whole);
    // Four values with an indicator each (the CVE has none): indicator and based-on relationship.
    expect(sliced.filter((p) => p.generated).map((p) => p.record.type)).toEqual(Array(4).fill(['indicator', 'relationship']).flat());
  });

  it('an object the parse drops (too large) is named by the id a whole-file parse gives it', () => {
    const big = Buffer.from(['value,comment', `big.example.org,${'x'.repeat(3000)}`, 'small.example.org,fine', ''].join('\n'));
    const limits = { ...NO_LIMITS, maxObjectBytes: 2048 };
    const req = { format: 'csv' as const, lenient: true, limits };
    const g = runParseStream(big, { ...req, idSalt: org.id_salt }, 100, createStixValidator(undefined));
    let r = g.next();
    const slice = r.value as { objects: { id: string }[]; placeholders?: Record<string, string>; refsWithin?: boolean };
    for (; !r.done; r = g.next());
    const whole = parseCsv(big);
    const placeholder = whole.objects.find((o) => o.type === 'indicator' && String(o.description).startsWith('xxx'))!.id;
    expect(r.value.errors.map((e) => e.where)).toEqual([`objects[1] (${placeholder})`]);
    expect(Object.values(slice.placeholders!)).toEqual([placeholder]);
    expect(slice.refsWithin).toBeUndefined();
    expect(slice.objects.some((o) => o.id === placeholder)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import type { OrgRow } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { derivedId, generatedIndicatorId } from './parsers/stable-id.factory.ts';
import type { IngestParams } from './ingest.params.ts';
import { prepareObjects } from './prepare.ts';

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

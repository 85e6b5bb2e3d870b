import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData, sharedDataOrSkip } from '../../test/support/shared-data.ts';
import { createStixValidator, type StixValidator } from './stix.validator.ts';
import type { StixObject } from './stix.types.ts';

const haveData = hasSharedData();
const SCHEMAS = sharedData('stix', 'schemas');
const readJson = (...parts: string[]): unknown => JSON.parse(readFileSync(sharedData('stix', ...parts), 'utf8'));

// Both validators are built once: schemas are read and compiled once per validator, as in the hub.
const plain = createStixValidator(undefined);
const withSchemas = haveData ? createStixValidator(SCHEMAS) : plain;
const validators: [string, StixValidator][] = [
  ['spec rules only', plain],
  ['spec rules and OASIS schemas', withSchemas],
];

describe.runIf(haveData)('the cti-stix-validator examples get their verdicts', () => {
  // Verdicts from the file names and from the upstream tests that use them (misc_tests.py):
  // identity_custom is valid with a "should start with x_" warning, invalid_* are invalid.
  const expected: Record<string, { valid: boolean; where?: string; warning?: RegExp }> = {
    'identity.json': { valid: true },
    'identity_custom.json': { valid: true, warning: /should have names that start with "x_": foo/ },
    'identity_unicode.json': { valid: true },
    'identity_warning.json': { valid: true },
    'invalid_braces.json': { valid: false },
    'invalid_comma.json': { valid: false },
    'invalid_identity.json': { valid: false, where: 'objects[0].modified' },
    'invalid_timestamp.json': { valid: false, where: 'objects[0].modified' },
    'tlp-amber.json': { valid: true },
    'tool.json': { valid: true, warning: /foo_value, bar_value/ },
  };

  it('the folder holds exactly the files with a known verdict', () => {
    const files = readdirSync(sharedData('stix', 'validator-test-examples')).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, v] of validators) {
    for (const [file, verdict] of Object.entries(expected)) {
      it(`${file} is ${verdict.valid ? 'valid' : 'invalid'} (${name})`, () => {
        const text = readFileSync(sharedData('stix', 'validator-test-examples', file), 'utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          expect(verdict.valid).toBe(false); // not JSON at all: invalid_braces, invalid_comma
          return;
        }
        const r = v.validateBundle(json);
        expect(r.errors.length === 0).toBe(verdict.valid);
        if (verdict.where) expect(r.errors.map((e) => e.where)).toContain(verdict.where);
        if (verdict.warning) expect(r.warnings.map((w) => w.reason).join('\n')).toMatch(verdict.warning);
      });
    }
  }
});

describe.runIf(haveData)('real STIX 2.1 content validates', () => {
  const oasisFiles = haveData ? readdirSync(sharedData('stix', 'oasis-examples')).filter((f) => f.endsWith('.json')) : [];

  for (const [name, v] of validators) {
    it(`every object of the 17 OASIS example files (${name})`, () => {
      expect(oasisFiles).toHaveLength(17);
      let total = 0;
      for (const file of oasisFiles) {
        const r = v.validateBundle(readJson('oasis-examples', file));
        expect(r.errors, file).toEqual([]);
        total += r.objects.length;
      }
      // 322 = sum over the files of (.objects | length), or 1 for the one lone object (interop-objectmarking-test.json), by jq.
      expect(total).toBe(322);
    });

    it(`the TLP 1.0 and TLP 2.0 marking definitions (${name})`, () => {
      for (const file of ['tlp-1.0-markings.json', 'tlp-2.0-markings.json']) {
        const r = v.validateBundle(readJson('tlp', file));
        expect(r.errors, file).toEqual([]);
        expect(r.objects.length, file).toBe(file.startsWith('tlp-1') ? 4 : 5);
      }
    });

    it(`every object of MITRE ATT&CK for ICS, x-mitre types only warn (${name})`, () => {
      const r = v.validateBundle(readJson('mitre-attack', 'ics-attack-17.1.json'));
      expect(r.errors).toEqual([]);
      expect(r.objects).toHaveLength(1651); // jq '.objects | length'
      // 81 objects of x-mitre-* types: jq '[.objects[] | select(.type | startswith("x-"))] | length'
      expect(r.warnings.filter((w) => /custom object type "x-mitre-/.test(w.reason))).toHaveLength(81);
    });
  }
});

describe.runIf(haveData)('the spec rules catch what is wrong, naming where', () => {
  if (!sharedDataOrSkip()) return;
  const bundle = (file: string) => readJson('oasis-examples', file) as { objects: StixObject[] };
  const indicator = bundle('indicator-for-c2-ip-address.json').objects[0]!;
  const sighting = bundle('sighting-of-observed-data.json').objects.find((o) => o.type === 'sighting')!;
  const observed = bundle('sighting-of-observed-data.json').objects.find((o) => o.type === 'observed-data')!;
  const relationship = bundle('indicator-for-malicious-url.json').objects.find((o) => o.type === 'relationship')!;
  const malware = bundle('malware-indicator-for-file-hash.json').objects.find((o) => o.type === 'malware')!;
  const without = (o: StixObject, key: string): StixObject => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key)) as StixObject;

  const cases: [string, StixObject, string, RegExp][] = [
    ['id prefix differs from the type', { ...indicator, id: 'malware--33fe3b22-0201-47cf-85d0-97c02164528d' }, 'id', /differs from the type/],
    ['id suffix not an RFC 4122 UUID (version 0)', { ...indicator, id: 'indicator--33fe3b22-0201-07cf-85d0-97c02164528d' }, 'id', /RFC 4122/],
    ['id suffix not an RFC 4122 UUID (variant)', { ...indicator, id: 'indicator--33fe3b22-0201-47cf-05d0-97c02164528d' }, 'id', /RFC 4122/],
    ['id missing', without(indicator, 'id'), 'id', /missing/],
    ['spec_version missing', without(indicator, 'spec_version'), 'spec_version', /missing/],
    ['spec_version 2.0', { ...indicator, spec_version: '2.0' }, 'spec_version', /2\.0/],
    ['timestamp with an offset, not Z', { ...indicator, valid_from: '2014-05-08T09:00:00+09:00' }, 'valid_from', /RFC 3339/],
    ['timestamp on 30 February', { ...indicator, valid_from: '2014-02-30T09:00:00Z' }, 'valid_from', /RFC 3339/],
    ['timestamp with month 13', { ...indicator, valid_until: '2014-13-08T09:00:00Z' }, 'valid_until', /RFC 3339/],
    ['created without milliseconds', { ...indicator, created: '2014-05-08T09:00:00Z' }, 'created', /millisecond/],
    ['modified before created', { ...indicator, modified: '2014-05-08T08:59:59.999Z' }, 'modified', /later than or equal to created/],
    ['valid_until not after valid_from', { ...indicator, valid_until: '2014-05-08T09:00:00Z' }, 'valid_until', /later than valid_from/],
    ['indicator without pattern', without(indicator, 'pattern'), 'pattern', /missing/],
    ['indicator without pattern_type', without(indicator, 'pattern_type'), 'pattern_type', /missing/],
    ['indicator without valid_from', without(indicator, 'valid_from'), 'valid_from', /missing/],
    ['created_by_ref to a non-identity', { ...indicator, created_by_ref: malware.id }, 'created_by_ref', /identity/],
    ['object_marking_refs to an identity', { ...indicator, object_marking_refs: [sighting.created_by_ref as string] }, 'object_marking_refs[0]', /marking-definition/],
    ['confidence over 100', { ...indicator, confidence: 101 }, 'confidence', /0 to 100/],
    ['sighting_of_ref to an SRO', { ...sighting, sighting_of_ref: relationship.id }, 'sighting_of_ref', /SDO/],
    ['sighting_of_ref to an SCO', { ...sighting, sighting_of_ref: 'file--364fe3e5-b1f4-5ba3-b951-ee5983b3538d' }, 'sighting_of_ref', /SDO/],
    ['observed_data_refs to an indicator', { ...sighting, observed_data_refs: [indicator.id] }, 'observed_data_refs[0]', /observed-data/],
    ['where_sighted_refs to malware', { ...sighting, where_sighted_refs: [malware.id] }, 'where_sighted_refs[0]', /identity or location/],
    ['sighting without sighting_of_ref', without(sighting, 'sighting_of_ref'), 'sighting_of_ref', /missing/],
    ['last_seen before first_seen', { ...sighting, last_seen: '2017-02-28T19:07:24.000Z' }, 'last_seen', /first_seen/],
    ['relationship from a marking definition', { ...relationship, source_ref: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da' }, 'source_ref', /SDO or SCO/],
    ['relationship to a sighting', { ...relationship, target_ref: sighting.id }, 'target_ref', /SDO or SCO/],
    ['relationship without relationship_type', without(relationship, 'relationship_type'), 'relationship_type', /missing/],
    ['relationship type in capitals', { ...relationship, relationship_type: 'Indicates' }, 'relationship_type', /lower-case/],
    ['malware without is_family', without(malware, 'is_family'), 'is_family', /missing/],
    ['malware family without name', without({ ...malware, is_family: true }, 'name'), 'name', /missing/],
    ['sample_refs to a URL', { ...malware, sample_refs: ['url--c1477287-23ac-5971-a010-5c287877fa60'] }, 'sample_refs[0]', /file or artifact/],
    ['observed-data object_refs to an SDO', { ...observed, object_refs: [malware.id] }, 'object_refs[0]', /SCO or relationship/],
    ['observed-data with both objects and object_refs', { ...observed, objects: { '0': { type: 'ipv4-addr', value: '10.0.0.1' } } }, 'object_refs', /exactly one/],
    ['number_observed zero', { ...observed, number_observed: 0 }, 'number_observed', /1 to 999999999/],
    ['empty list', { ...indicator, indicator_types: [] }, 'indicator_types', /empty list/],
    ['reserved property name', { ...indicator, severity: 'high' }, 'severity', /reserves/],
    ['custom property name with capitals', { ...indicator, x_Foo: 1 }, 'x_Foo', /a-z, 0-9 and underscore/],
    ['unknown type without x- prefix', { ...indicator, type: 'widget', id: 'widget--33fe3b22-0201-47cf-85d0-97c02164528d' }, 'type', /unknown type/],
    ['a bundle inside a bundle', { type: 'bundle', id: 'bundle--33fe3b22-0201-47cf-85d0-97c02164528d' }, 'type', /bundle/],
    ['granular marking with neither marking_ref nor lang', { ...indicator, granular_markings: [{ selectors: ['name'] }] }, 'granular_markings[0]', /exactly one/],
    ['external reference without source_name', { ...indicator, external_references: [{ url: 'https://example.com/' }] }, 'external_references[0].source_name', /source_name/],
  ];

  it('the unchanged objects are valid (so each case below fails for its own reason)', () => {
    for (const o of [indicator, sighting, observed, relationship, malware]) expect(withSchemas.validateObject(o, 'objects[7]')).toEqual([]);
  });

  for (const [name, v] of validators) {
    for (const [what, obj, prop, reason] of cases) {
      it(`${what} (${name})`, () => {
        const errors = v.validateObject(obj, 'objects[12]');
        const match = errors.find((e) => e.where === `objects[12].${prop}`);
        expect(match, JSON.stringify(errors)).toBeDefined();
        expect(match!.reason).toMatch(reason);
      });
    }
  }

  it('a custom x- object and x_ properties are taken with warnings', () => {
    const custom = { ...indicator, type: 'x-acme-widget', id: 'x-acme-widget--33fe3b22-0201-47cf-85d0-97c02164528d', x_acme_size: 3 };
    const r = withSchemas.checkObject(custom, 'objects[0]');
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.reason).join()).toMatch(/custom object type "x-acme-widget"/);
    const withProp = withSchemas.checkObject({ ...indicator, x_acme_score: 7 }, 'objects[1]');
    expect(withProp.errors).toEqual([]);
    expect(withProp.warnings).toEqual([{ where: 'objects[1]', reason: 'custom properties taken as they are: x_acme_score' }]);
  });

  it('an object of a type defined by an extension definition is taken with a warning', () => {
    const obj = {
      type: 'acme-widget',
      spec_version: '2.1',
      id: 'acme-widget--33fe3b22-0201-47cf-85d0-97c02164528d',
      created: '2020-01-01T00:00:00.000Z',
      modified: '2020-01-01T00:00:00.000Z',
      extensions: { 'extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62': { extension_type: 'new-sdo' } },
    };
    const r = withSchemas.checkObject(obj, 'objects[0]');
    expect(r.errors).toEqual([]);
    expect(r.warnings[0]!.reason).toMatch(/defined by extension-definition--9c59fd79/);
  });

  it('the schemas catch what the rules leave to them', () => {
    const errors = withSchemas.validateObject({ ...indicator, name: 42 }, 'objects[5]');
    expect(errors).toEqual([{ where: 'objects[5].name', reason: 'must be string (schema)' }]);
    expect(plain.validateObject({ ...indicator, name: 42 }, 'objects[5]')).toEqual([]);
  });
});

describe('hostile input never throws and is named', () => {
  const hostile: unknown[] = [
    null, 42, 'text', [], [1, 2], {}, { objects: 'x' }, { type: 'bundle', id: 'bundle--x', objects: [null, 1, 'a', [], {}] },
    { type: 'bundle', id: 'bundle--33fe3b22-0201-47cf-85d0-97c02164528d', objects: [{ type: 'a'.repeat(100_000) }] },
  ];
  for (const [name, v] of validators) {
    it(`returns errors, never throws (${name})`, () => {
      const long = 'a'.repeat(100_000);
      const sco = { type: 'ipv4-addr', id: 'ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd', value: '198.51.100.3' };
      const bundle = { type: 'bundle', id: 'bundle--33fe3b22-0201-47cf-85d0-97c02164528d' };
      const more = [
        { ...bundle, objects: [{ ...sco, [`x_${long}_refs`]: [] }] },
        { ...bundle, objects: [{ ...sco, [`x_${long}_ref`]: long }] },
        { ...bundle, objects: [{ ...sco, id: long }] },
        { ...bundle, objects: [{ ...sco, [long]: 1 }] },
      ];
      for (const input of [...hostile, ...more]) {
        const r = v.validateBundle(input);
        expect(r.errors.length, JSON.stringify(input).slice(0, 80)).toBeGreaterThan(0);
        for (const e of r.errors) expect(e.reason.length + e.where.length).toBeLessThan(400);
      }
    });

    it(`patterns that backtrack badly in the OASIS schemas are not reachable (${name})`, () => {
      // ([a-z][a-z0-9]*)+ against 'aaaa…!' takes exponential time; 40 letters would hang for days.
      const evil = `${'a'.repeat(40)}!`;
      const base = {
        type: 'ipv4-addr',
        id: 'ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd',
        value: '198.51.100.3',
      };
      expect(v.validateObject({ ...base, extensions: { [evil]: { a: 1 } } }, 'objects[0]').map((e) => e.where)).toContain(`objects[0].extensions.${evil}`);
      expect(v.validateObject({ ...base, type: evil }, 'objects[0]').map((e) => e.where)).toEqual(['objects[0].type']);
      expect(v.validateObject({ ...base, extensions: { [`${'a'.repeat(40)}-ext`]: { x_a: 1 } } }, 'objects[0]')).toEqual([]);
    });

    it(`names of Object.prototype members are plain names (${name})`, () => {
      const obj = JSON.parse(
        '{"type":"constructor","spec_version":"2.1","id":"constructor--33fe3b22-0201-47cf-85d0-97c02164528d","created":"2020-01-01T00:00:00.000Z",' +
          '"modified":"2020-01-01T00:00:00.000Z","__proto__":{"x":1},"constructor_ref":"identity--ae5028d4-9354-4f19-a076-7bf6b25fdb36",' +
          '"extensions":{"extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62":{"extension_type":"new-sdo"}}}',
      ) as unknown;
      const r = v.checkObject(obj, 'objects[0]');
      expect(r.errors.map((e) => e.where)).toEqual(['objects[0].__proto__']);
      expect(v.validateObject({ type: 'x-constructor', id: 'x-constructor--33fe3b22-0201-47cf-85d0-97c02164528d' }, 'objects[0]')).toEqual([]);
    });

    it(`deeply nested values are cut off with an error (${name})`, () => {
      let deep: Record<string, unknown> = { leaf_ref: 'identity--ae5028d4-9354-4f19-a076-7bf6b25fdb36' };
      for (let i = 0; i < 5000; i++) deep = { x_next: deep };
      const obj = { type: 'ipv4-addr', id: 'ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd', value: '198.51.100.3', x_deep: deep };
      expect(v.validateObject(obj, 'objects[0]')[0]!.reason).toMatch(/nested deeper/);
    });
  }
});

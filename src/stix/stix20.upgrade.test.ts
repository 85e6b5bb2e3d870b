import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { createStixValidator } from './stix.validator.ts';
import { isStix20Bundle, upgradeStix20Bundle } from './stix20.upgrade.ts';
import type { StixObject } from './stix.types.ts';
import { ParseError } from '../ingest/parsers/parse-result.ts';

const haveData = hasSharedData();
const readJson = (...parts: string[]): unknown => JSON.parse(readFileSync(sharedData('stix', ...parts), 'utf8'));
const v = haveData ? createStixValidator(sharedData('stix', 'schemas')) : createStixValidator(undefined);
const asBundle = (objects: StixObject[]) => ({ type: 'bundle', id: 'bundle--5d0e3f1c-8c1b-4a53-9f0e-3a6b8c2d1e4f', objects });

describe.runIf(haveData)('real STIX 2.0 bundles', () => {
  const files = haveData
    ? [
        ...readdirSync(sharedData('stix', 'stix20-unit42')).filter((f) => f.endsWith('.json')).map((f) => ['stix20-unit42', f] as const),
        ['stix20-pymisp', 'stix2-misp-test.json'] as const,
      ]
    : [];
  // Objects per file (jq '.objects | length'), plus the two SCOs the MISP observed-data embeds.
  const counts: Record<string, number> = {
    '2024-02-08-Pikabot.json': 10,
    '2024-02-27-Akira-Ransomware.json': 19,
    'blackcat-ransomware.json': 190,
    'hellokitty-ransomware.json': 56,
    'hive-ransomware.json': 130,
    'stix2-misp-test.json': 3 + 2,
  };

  it('are all recognised as 2.0, and 2.1 bundles are not', () => {
    expect(files).toHaveLength(6);
    for (const [dir, f] of files) expect(isStix20Bundle(readJson(dir, f)), f).toBe(true);
    for (const f of readdirSync(sharedData('stix', 'oasis-examples'))) {
      if (f.endsWith('.json')) expect(isStix20Bundle(readJson('oasis-examples', f)), f).toBe(false);
    }
    expect(isStix20Bundle(readJson('mitre-attack', 'ics-attack-17.1.json'))).toBe(false);
  });

  for (const [dir, file] of files) {
    it(`${file}: every upgraded object passes the validator with the OASIS schemas`, () => {
      const original = readJson(dir, file);
      const before = JSON.stringify(original);
      const { objects, warnings } = upgradeStix20Bundle(original);
      expect(warnings).toEqual([]);
      expect(objects).toHaveLength(counts[file]!);
      const r = v.validateBundle(asBundle(objects));
      expect(r.errors).toEqual([]);
      expect(r.objects).toHaveLength(objects.length);
      expect(JSON.stringify(original)).toBe(before); // the input is not modified
    });
  }

  it('moves labels to the 2.1 vocabularies', () => {
    const { objects } = upgradeStix20Bundle(readJson('stix20-unit42', 'hive-ransomware.json'));
    const indicator = objects.find((o) => o.type === 'indicator')!;
    expect(indicator).toMatchObject({ spec_version: '2.1', indicator_types: ['malicious-activity'], pattern_type: 'stix' });
    expect(indicator.labels).toBeUndefined();
    expect(objects.find((o) => o.type === 'malware')).toMatchObject({ malware_types: ['ransomware'], is_family: true, name: 'Hive' });
    expect(objects.find((o) => o.type === 'report')).toMatchObject({ report_types: ['intrusion-set'] });
    expect(objects.find((o) => o.type === 'identity')).toMatchObject({ identity_class: 'unknown' });
  });

  it('turns the MISP observed-data objects into SCOs with the spec deterministic ids', () => {
    const { objects } = upgradeStix20Bundle(readJson('stix20-pymisp', 'stix2-misp-test.json'));
    // uuid5(STIX namespace, '{"value":"8.8.8.8"}') and then over '{"protocols":["ipv4"],"src_ref":"ipv4-addr--2f68…"}', in Python.
    const ip = 'ipv4-addr--2f689bf9-0ff2-545f-aa61-e495eb8cecc7';
    const traffic = 'network-traffic--c5e082e7-39ce-5d78-84e1-c539a9001bd9';
    const observed = objects.find((o) => o.type === 'observed-data')!;
    expect(observed.objects).toBeUndefined();
    expect(observed.object_refs).toEqual([ip, traffic]);
    expect(objects.slice(3)).toEqual([
      { type: 'ipv4-addr', spec_version: '2.1', id: ip, value: '8.8.8.8' },
      { type: 'network-traffic', spec_version: '2.1', id: traffic, src_ref: ip, protocols: ['ipv4'] },
    ]);
  });
});

describe('observed-data with references between embedded observables', () => {
  const od = 'observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf';
  const sha256 = 'fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db';
  const bundle = {
    type: 'bundle',
    spec_version: '2.0',
    id: 'bundle--44af6c39-c09b-49c5-9de2-394224b04982',
    objects: [
      {
        type: 'observed-data',
        id: od,
        created: '2016-04-06T19:58:16Z',
        modified: '2016-04-06T19:58:16Z',
        first_observed: '2015-12-21T19:00:00Z',
        last_observed: '2015-12-21T19:00:00Z',
        number_observed: 1,
        objects: {
          '0': { type: 'email-addr', value: 'jdoe@example.com', display_name: 'John Doe' },
          '1': { type: 'email-message', is_multipart: false, from_ref: '0', subject: 'Invoice', body: 'see attached' },
          '2': { type: 'directory', path: 'C:\\Users\\jdoe', contains_refs: ['3'] },
          '3': { type: 'file', name: 'invoice.exe', hashes: { 'SHA-256': sha256 }, parent_directory_ref: '2', created: '2016-05-12T08:17:27Z', is_encrypted: false },
          '4': { type: 'process', pid: 1221, name: 'invoice.exe', binary_ref: '3', child_refs: ['5'] },
          '5': { type: 'process', pid: 1222, parent_ref: '4' },
          '6': { type: 'domain-name', value: 'example.com', resolves_to_refs: ['7', '9'] },
          '7': { type: 'ipv4-addr', value: '198.51.100.3' },
        },
      },
      {
        type: 'marking-definition',
        id: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
        created: '2017-01-20T00:00:00.000Z',
        definition_type: 'tlp',
        definition: { tlp: 'amber' },
      },
      {
        type: 'indicator',
        id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
        created: '2016-04-06T20:03:48.000Z',
        modified: '2016-04-06T20:03:48.000Z',
        labels: ['malicious-activity'],
        pattern: "[file:hashes.'SHA-256' = 'fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db']",
        valid_from: '2016-01-01T00:00:00Z',
        object_marking_refs: ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82'],
        granular_markings: [{ marking_ref: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82', selectors: ['labels.[0]'] }],
      },
    ],
  };
  // Ids computed in Python: uuid5(STIX namespace, sorted compact JSON of the contributing properties);
  // processes have none, so uuid5(Kessetsu namespace, "<observed-data id>/<key>").
  const ids = {
    addr: 'email-addr--6deb37bd-12b7-54ae-805f-5f7146f3d171',
    message: 'email-message--955860cf-9048-5361-bb47-846f46e9cde4',
    dir: 'directory--cd2b34e9-9135-5ade-92ee-da8d629680aa',
    file: 'file--8cd4bb25-a915-5672-b67e-775bc0118d3d',
    proc4: 'process--728546cf-c3b2-53f9-bb99-5dfa704587d8',
    proc5: 'process--760c59b4-e6dd-5b58-88bc-3bddcc78a865',
    domain: 'domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7',
    ip: 'ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4',
  };
  const { objects, warnings } = upgradeStix20Bundle(bundle);
  const byId = new Map(objects.map((o) => [o.id, o]));

  it('is recognised as 2.0', () => expect(isStix20Bundle(bundle)).toBe(true));

  it('gives each observable its id and rewrites the key references, cycles included', () => {
    expect(objects[0]!.object_refs).toEqual(Object.values(ids));
    expect(byId.get(ids.message)).toMatchObject({ from_ref: ids.addr });
    expect(byId.get(ids.dir)).toMatchObject({ contains_refs: [ids.file] });
    expect(byId.get(ids.file)).toMatchObject({ parent_directory_ref: ids.dir, ctime: '2016-05-12T08:17:27Z' });
    expect(byId.get(ids.proc4)).toMatchObject({ image_ref: ids.file, child_refs: [ids.proc5] });
    expect(byId.get(ids.proc5)).toMatchObject({ parent_ref: ids.proc4 });
    expect(byId.get(ids.domain)).toMatchObject({ resolves_to_refs: [ids.ip] });
  });

  it('warns of what 2.1 cannot say, naming where', () => {
    expect(warnings.map((w) => w.where).sort()).toEqual(
      [
        "objects[0].objects['3'].is_encrypted",
        "objects[0].objects['4'].name",
        "objects[0].objects['6'].resolves_to_refs[1]",
      ].sort(),
    );
  });

  it('keeps the TLP 1.0 marking by id, moves granular selectors with the labels, and validates', () => {
    expect(byId.get('marking-definition--f88d31f6-486f-44da-b317-01333bde0b82')).toEqual({
      type: 'marking-definition',
      spec_version: '2.1',
      id: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
      created: '2017-01-20T00:00:00.000Z',
      definition_type: 'tlp',
      name: 'TLP:AMBER', // 2.1 predefines the object whole; the 2.0 one had no name
      definition: { tlp: 'amber' },
    });
    const indicator = byId.get('indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f')!;
    expect(indicator.object_marking_refs).toEqual(['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82']);
    expect(indicator.granular_markings).toEqual([{ marking_ref: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82', selectors: ['indicator_types.[0]'] }]);
    expect(indicator.created).toBe('2016-04-06T20:03:48.000Z');
    expect(objects[0]!.created).toBe('2016-04-06T19:58:16.000Z');
    expect(v.validateBundle(asBundle(objects)).errors).toEqual([]);
  });

  it('gives the same ids when the same file is upgraded again', () => {
    expect(upgradeStix20Bundle(bundle).objects.map((o) => o.id)).toEqual(objects.map((o) => o.id));
  });
});

describe('hostile 2.0 input', () => {
  it('a non-bundle is a ParseError naming why', () => {
    for (const input of [null, 'x', [], { type: 'indicator' }]) expect(() => upgradeStix20Bundle(input)).toThrow(ParseError);
    expect(() => upgradeStix20Bundle({ type: 'bundle', objects: 'x' })).toThrow(/objects: must be a list/);
  });

  it('garbage objects stay at their index for the validator to name', () => {
    const { objects } = upgradeStix20Bundle({ type: 'bundle', spec_version: '2.0', id: 'bundle--44af6c39-c09b-49c5-9de2-394224b04982', objects: [7, null, { type: 'observed-data', objects: { a: 5, b: { type: '' } } }] });
    expect(objects.slice(0, 2)).toEqual([7, null]);
    const r = v.validateBundle(asBundle(objects));
    expect(r.errors.map((e) => e.where)).toEqual(expect.arrayContaining(['objects[0]', 'objects[1]', 'objects[2].id']));
  });

  it('names of Object.prototype members are plain names', () => {
    const json = JSON.parse(
      '{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[{"type":"observed-data","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",' +
        '"objects":{"constructor":{"type":"constructor","toString":"x","__proto__":{"polluted":true}},"1":{"type":"file","name":"a","constructor":1}}}]}',
    ) as unknown;
    const { objects } = upgradeStix20Bundle(json);
    // Integer-like keys come first in a JSON object's key order, so "1" before "constructor".
    expect(objects.map((o) => o.type)).toEqual(['observed-data', 'file', 'constructor']);
    expect(Object.getPrototypeOf(objects[2])).toBe(Object.prototype);
    expect(Object.keys(objects[2]!)).toEqual(['type', 'spec_version', 'id', 'toString', '__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('is not fooled by what is not a bundle or is 2.1', () => {
    expect(isStix20Bundle(null)).toBe(false);
    expect(isStix20Bundle({ type: 'bundle', objects: [{ type: 'ipv4-addr', value: '1.2.3.4' }] })).toBe(false);
    expect(isStix20Bundle({ type: 'bundle', objects: [{ type: 'indicator' }] })).toBe(true);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../../test/support/shared-data.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { TLP2_MARKING_IDS } from '../../trust/tlp.ts';
import { parsePattern } from '../../observables/pattern.parser.ts';
import { createStixValidator } from '../../stix/stix.validator.ts';
import { parseMispEvent } from './misp.parser.ts';
import { ParseError } from './parse-result.ts';

const NOW = '2026-01-01T00:00:00.000Z';
const load = (name: string): unknown => JSON.parse(readFileSync(sharedData('misp', 'events', name), 'utf8'));
const parse = (name: string) => parseMispEvent(load(name), name, { now: NOW });
const ofType = (objects: readonly StixObject[], type: string) => objects.filter((o) => o.type === type);
const rels = (objects: readonly StixObject[], type: string) => objects.filter((o) => o.type === 'relationship' && o.relationship_type === type);

// Event-level attribute counts per type, computed once with Python independently of this code:
//   python3 -c "import json,collections,sys; d=json.load(open(sys.argv[1])); e=d.get('Event',d);
//               print(dict(collections.Counter(a['type'] for a in e.get('Attribute',[]))))" FILE
const ATTRIBUTE_TYPES: Record<string, Record<string, number>> = {
  '57c4445b-c548-4654-af0b-4be3950d210f.json': { comment: 1, filename: 1, link: 2, md5: 1, 'regkey|value': 1, sha1: 1, sha256: 1, text: 1 },
  'existing_event.json': { domain: 7, link: 1, text: 1 },
  'galaxy_1.json': { attachment: 1, comment: 1, link: 1, sha256: 1 },
  'japanese_test.json': { text: 1 },
  'long_event.json': {
    domain: 3, 'email-attachment': 3, 'email-src': 2, 'email-subject': 2, filename: 18, 'filename|md5': 46, 'filename|sha256': 46, hostname: 21,
    imphash: 1, 'ip-dst': 9, link: 64, md5: 31, pdb: 3, pehash: 1, sha1: 58, sha256: 41, snort: 1, ssdeep: 1, url: 14, vulnerability: 4, yara: 1,
  },
  'mainly_objects_1.json': {},
  'misp_event.json': { text: 1, url: 1 },
  'new_misp_event.json': {},
  'sighting_1.json': { domain: 4, url: 1 },
};

describe.runIf(hasSharedData())('parseMispEvent on the real MISP events', () => {
  it.each(Object.entries(ATTRIBUTE_TYPES))('%s: counts attributes by type as an independent count does', (file, expected) => {
    const r = parse(file);
    expect(r.format).toBe('misp');
    expect(r.summary?.attributes_by_type).toEqual(expected);
    // Same ids however often and whenever the event is imported.
    const again = parseMispEvent(load(file), file, { now: '2030-06-01T00:00:00.000Z' });
    expect(again.objects.map((o) => o.id)).toEqual(r.objects.map((o) => o.id));
    expect(new Set(r.objects.map((o) => o.id)).size).toBe(r.objects.length);
    // Every STIX pattern made parses under the STIX 2.1 grammar.
    for (const i of ofType(r.objects, 'indicator').filter((x) => x.pattern_type === 'stix')) expect(parsePattern(String(i.pattern))).toMatchObject({ ok: true });
    // The creating organisation is shown, never made the author of the objects.
    expect(r.objects.some((o) => 'created_by_ref' in o)).toBe(false);
  });

  it('everything made from the real events passes the STIX 2.1 validator with the OASIS schemas, without a warning', () => {
    const validator = createStixValidator(sharedData('stix', 'schemas'));
    for (const file of Object.keys(ATTRIBUTE_TYPES)) {
      const check = validator.validateBundle({ type: 'bundle', id: 'bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8', objects: parse(file).objects });
      expect(check.errors, file).toEqual([]);
      expect(check.warnings, file).toEqual([]);
    }
  });

  it('object attributes are counted apart (existing_event: python Counter over Object[].Attribute[].type)', () => {
    const r = parse('existing_event.json');
    expect(r.summary?.object_attributes_by_type).toEqual({ filename: 15, sha1: 37, text: 37, 'ip-dst': 12, domain: 12 });
    expect(r.summary?.objects_by_name).toEqual({ file: 37, 'domain-ip': 12 });
  });

  it('a tlp:white event is CLEAR: result tlp, every object marked, the marking definition included', () => {
    const r = parse('57c4445b-c548-4654-af0b-4be3950d210f.json');
    expect(r.tlp).toBe('clear');
    const clear = TLP2_MARKING_IDS.clear;
    for (const o of r.objects.filter((x) => x.type !== 'marking-definition')) expect(o.object_marking_refs).toEqual([clear]);
    expect(r.objects.find((o) => o.id === clear)?.type).toBe('marking-definition');
  });

  it('an event without a TLP tag leaves TLP to the submitter', () => {
    const r = parse('sighting_1.json');
    expect(r.tlp).toBeUndefined();
    expect(r.objects.some((o) => o.object_marking_refs)).toBe(false);
  });

  it('re-uses MISP uuids: report--<event uuid>, indicator--<attribute uuid>', () => {
    const r = parse('57c4445b-c548-4654-af0b-4be3950d210f.json');
    const report = r.objects.find((o) => o.type === 'report')!;
    expect(report.id).toBe('report--57c4445b-c548-4654-af0b-4be3950d210f');
    expect(report.name).toBe('Ransomware - Xorist');
    const md5 = r.objects.find((o) => o.id === 'indicator--57c4448b-454c-4d17-90d1-4d2f950d210f')!;
    expect(md5.pattern).toBe("[file:hashes.MD5 = '0749bae92ca336a02c83d126e04ec628']");
    expect(md5.valid_from).toBe('2016-08-29T14:19:55.000Z'); // attribute timestamp 1472480395
    expect(md5.indicator_types).toEqual(['malicious-activity']); // category "Payload delivery"
    // Five to_ids attributes: filename, md5, sha1, sha256, regkey|value.
    expect(ofType(r.objects, 'indicator')).toHaveLength(5);
    expect(report.object_refs).toEqual(expect.arrayContaining(r.objects.filter((o) => o.type !== 'report' && o.type !== 'marking-definition').map((o) => o.id)));
    expect(summaryOf(r).creator_org).toBe('CIRCL');
  });

  it('escapes backslashes and quotes in patterns (regkey|value)', () => {
    const r = parse('57c4445b-c548-4654-af0b-4be3950d210f.json');
    const reg = r.objects.find((o) => o.id === 'indicator--57c54b0f-27a4-458b-8e63-4455950d210f')!;
    expect(reg.pattern).toBe(
      "[windows-registry-key:key = 'Software\\\\Wow6432Node\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run' AND windows-registry-key:values[*].data = '%TEMP%\\\\3Z4wnG9603it23y.exe']",
    );
  });

  it('long_event: 256 to_ids attributes with a pattern + the YARA and Snort rules = 258 indicators', () => {
    // to_ids attributes: 258 (jq '[.Event.Attribute[]|select(.to_ids)]|length'); imphash and pehash have no STIX pattern.
    const r = parse('long_event.json');
    const indicators = ofType(r.objects, 'indicator');
    expect(indicators).toHaveLength(258);
    expect(indicators.filter((i) => i.pattern_type === 'yara')).toHaveLength(1);
    expect(indicators.filter((i) => i.pattern_type === 'snort')).toHaveLength(1);
    expect(indicators.find((i) => i.pattern_type === 'yara')?.name).toBe('kivars_service');
    expect(ofType(r.objects, 'vulnerability').map((v) => v.name).sort()).toEqual(['CVE-2012-0158', 'CVE-2012-1856', 'CVE-2015-1641', 'CVE-2015-1770']);
    expect(rels(r.objects, 'based-on')).toHaveLength(256);
    // The 64 links are references of the report, not observables.
    expect((ofType(r.objects, 'report')[0]!.external_references as unknown[]).length).toBeGreaterThan(1);
    expect(ofType(r.objects, 'url').some((u) => String(u.value).includes('welivesecurity'))).toBe(false);
    expect(r.warnings.map((w) => w.reason)).toEqual(expect.arrayContaining(['1 × attribute type imphash: not converted', '3 × attribute type pdb: not converted']));
  });

  it('existing_event: a file object is one file SCO, one indicator per object, indicators indicate the galaxies', () => {
    const r = parse('existing_event.json');
    const ind = r.objects.find((o) => o.id === 'indicator--5a3cd5b6-9568-4342-b2ab-4c62950d210f')!;
    expect(ind.pattern).toBe("[file:hashes.'SHA-1' = '68064fc152e23d56e541714af52651cb4ba81aaf' AND file:name = 'Bulletin.doc']");
    const file = r.objects.find((o) => o.type === 'file' && o.name === 'Bulletin.doc')!;
    expect(file.hashes).toEqual({ 'SHA-1': '68064fc152e23d56e541714af52651cb4ba81aaf' });
    const domainIp = r.objects.find((o) => o.id === 'indicator--5a3ce58a-3198-4cb8-9d51-44e5950d210f')!;
    expect(domainIp.pattern).toBe("[ipv4-addr:value = '87.236.211.182'] AND [domain-name:value = 'servicecdp.com']");
    // 7 domain attributes + 37 file + 12 domain-ip objects, all to_ids.
    expect(ofType(r.objects, 'indicator')).toHaveLength(56);
    const actor = ofType(r.objects, 'threat-actor');
    expect(actor.map((a) => a.name)).toEqual(['Sofacy']);
    expect(ofType(r.objects, 'malware').map((m) => m.name).sort()).toEqual(['ADVSTORESHELL', 'CHOPSTICK', 'Downdelph', 'JHUHUGIT', 'USBStealer', 'XAgentOSX', 'XTunnel']);
    expect(ofType(r.objects, 'tool')).toHaveLength(6); // 4 tool + 2 exploit-kit clusters
    // Each of the 56 indicators indicates the threat actor and the 7 malware families.
    expect(rels(r.objects, 'indicates')).toHaveLength(56 * 8);
  });

  it('galaxy_1: MITRE clusters keep their ATT&CK ids; unknown galaxies become labels', () => {
    const r = parse('galaxy_1.json');
    const apt1 = ofType(r.objects, 'intrusion-set').find((o) => o.name === 'APT1')!;
    expect((apt1.external_references as unknown[])[0]).toEqual({ source_name: 'mitre-attack', external_id: 'G0006' });
    expect(apt1.aliases).toEqual(['Comment Crew', 'Comment Group', 'Comment Panda']);
    expect(ofType(r.objects, 'malware').find((o) => o.name === 'BACKSPACE')?.is_family).toBe(true);
    const report = ofType(r.objects, 'report')[0]!;
    expect(report.labels).toEqual(expect.arrayContaining(['misp-galaxy:guidelines="Leak of confidential information"', 'circl:incident-classification="malware"']));
  });

  it('mainly_objects_1: PE-section hashes never become file observables', () => {
    const r = parse('mainly_objects_1.json');
    const hashes = ofType(r.objects, 'file').flatMap((f) => Object.values((f.hashes ?? {}) as Record<string, string>));
    expect(hashes).not.toContain('06219fe6e30e15dce12688ca2b434890');
    const full = ofType(r.objects, 'file').find((f) => f.name === 'mswinupdate.exe')!;
    expect(full.size).toBe(6144);
    expect(Object.keys(full.hashes as object).sort()).toEqual(['MD5', 'SHA-1', 'SHA-256', 'SHA-512', 'SSDEEP']);
    // Object indicators: the 3 to_ids file objects (pe-section and pe objects carry no observable).
    expect(ofType(r.objects, 'indicator')).toHaveLength(3);
  });

  it('sighting_1: type-0 sightings become STIX sightings, false positives are counted, expiration ends validity', () => {
    const r = parse('sighting_1.json');
    const sightings = ofType(r.objects, 'sighting');
    expect(sightings).toHaveLength(2);
    const s = sightings.find((x) => x.sighting_of_ref === 'indicator--5b6464ca-e73c-4707-9b8a-d0350acd0835')!;
    expect(s).toMatchObject({ count: 1, first_seen: '2019-02-27T07:52:30.000Z', last_seen: '2019-02-27T07:52:30.000Z' });
    expect(summaryOf(r).false_positive_sightings).toBe(3);
    const expired = r.objects.find((o) => o.id === 'indicator--5b6464ca-e0a0-40e0-8e21-d0350acd0835')!;
    expect(expired.valid_until).toBe('2019-02-27T07:52:48.000Z'); // date_sighting 1551253968 of the type-2 sighting
    expect(summaryOf(r)).toMatchObject({ creator_org: 'Synovus Financial', distribution: { level: 3, name: 'all communities' } });
    expect(ofType(r.objects, 'malware').map((m) => m.aliases)).toEqual([['Ursnif', 'CRM', 'Snifula', 'Papras']]);
  });

  it('an empty event makes no report and says so', () => {
    const r = parse('new_misp_event.json');
    expect(r.objects).toEqual([]);
    expect(r.warnings[0]?.reason).toMatch(/nothing STIX can carry/);
  });

  it('refuses a JSON list that holds no event (sharing_groups.json)', () => {
    expect(() => parse('sharing_groups.json')).toThrow(ParseError);
  });
});

function summaryOf(r: { summary?: Record<string, unknown> }): Record<string, unknown> {
  return r.summary ?? {};
}

const UUID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function event(attrs: unknown[], tags: string[] = [], extra: Record<string, unknown> = {}): unknown {
  return { Event: { uuid: UUID(1), info: 'synthetic', date: '2024-05-01', timestamp: '1714560000', Tag: tags.map((name) => ({ name })), Attribute: attrs, ...extra } };
}

describe('parseMispEvent on crafted events', () => {
  it('attribute-level TLP: the stricter of event and attribute wins', () => {
    const r = parseMispEvent(
      event(
        [
          { uuid: UUID(10), type: 'ip-dst', value: '198.51.100.7', to_ids: true, Tag: [{ name: 'tlp:red' }] },
          { uuid: UUID(11), type: 'domain', value: 'looser.example.com', to_ids: true, Tag: [{ name: 'tlp:clear' }] },
          { uuid: UUID(12), type: 'domain', value: 'plain.example.com', to_ids: false },
        ],
        ['tlp:amber+strict', 'PAP:GREEN'],
      ),
    );
    expect(r.tlp).toBe('amber+strict');
    const marking = (id: string) => r.objects.find((o) => o.id === id)?.object_marking_refs;
    expect(marking(`indicator--${UUID(10)}`)).toEqual([TLP2_MARKING_IDS.red]);
    expect(marking(`indicator--${UUID(11)}`)).toEqual([TLP2_MARKING_IDS['amber+strict']]);
    expect(r.objects.find((o) => o.type === 'domain-name' && o.value === 'plain.example.com')?.object_marking_refs).toEqual([TLP2_MARKING_IDS['amber+strict']]);
    expect(r.summary?.pap).toBe('green');
    expect(ofType(r.objects, 'marking-definition').map((m) => m.name).sort()).toEqual(['TLP:AMBER+STRICT', 'TLP:RED']);
  });

  it('composite types: ip|port, domain|ip, filename|sha256, AS, btc, hostname', () => {
    const r = parseMispEvent(
      event([
        { uuid: UUID(20), type: 'ip-dst|port', value: '203.0.113.5|8443', to_ids: true },
        { uuid: UUID(21), type: 'domain|ip', value: 'c2.example.com|203.0.113.9', to_ids: true },
        { uuid: UUID(22), type: 'filename|sha256', value: "it's.exe|" + 'a'.repeat(64), to_ids: true },
        { uuid: UUID(23), type: 'AS', value: 'AS64500', to_ids: false },
        { uuid: UUID(24), type: 'hostname', value: 'www.example.org', to_ids: true },
      ]),
    );
    const pattern = (n: number) => r.objects.find((o) => o.id === `indicator--${UUID(n)}`)?.pattern;
    expect(pattern(20)).toBe("[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.5' AND network-traffic:dst_port = 8443]");
    expect(pattern(21)).toBe("[domain-name:value = 'c2.example.com' AND domain-name:resolves_to_refs[*].value = '203.0.113.9']");
    expect(pattern(22)).toBe(`[file:hashes.'SHA-256' = '${'a'.repeat(64)}' AND file:name = 'it\\'s.exe']`);
    expect(r.objects.find((o) => o.type === 'autonomous-system')?.number).toBe(64500);
    expect(pattern(24)).toBe("[domain-name:value = 'www.example.org']");
  });

  it('fraud objects: a Japanese bank account, coin addresses on their chains, a phone number', () => {
    const obj = (uuid: string, name: string, attrs: [string, string, string][]) => ({
      uuid,
      name,
      Attribute: attrs.map(([relation, type, value]) => ({ object_relation: relation, type, value, to_ids: true })),
    });
    const r = parseMispEvent(
      event([{ type: 'phone-number', value: '+81 3-1234-5678', to_ids: false }], [], {
        Object: [
          obj(UUID(40), 'bank-account', [['institution-code', 'text', '0001'], ['branch', 'text', '001'], ['personal-account-type', 'text', 'B - Personal Current'], ['account', 'bank-account-nr', '1234567']]),
          obj(UUID(41), 'coin-address', [['address', 'btc', '1BoatSLRHtKNngkdXEeobR76b53LETtpyT'], ['symbol', 'text', 'BTC']]),
          obj(UUID(42), 'coin-address', [['address', 'btc', '0x52908400098527886e0f7030069857d2e4169ee7'], ['symbol', 'text', 'ETH']]),
          obj(UUID(43), 'bank-account', [['iban', 'iban', 'DE89370400440532013000'], ['account', 'bank-account-nr', '0532013000']]),
        ],
      }),
    );
    expect(r.errors).toEqual([]);
    expect(ofType(r.objects, 'bank-account')[0]).toMatchObject({ bank_code: '0001', branch_code: '001', account_type: 'futsu', account_number: '1234567' });
    expect(ofType(r.objects, 'cryptocurrency-wallet').map((w) => w.chain)).toEqual(['bitcoin', 'ethereum']);
    expect(r.objects.find((o) => o.id === `indicator--${UUID(41)}`)?.pattern).toBe("[cryptocurrency-wallet:chain = 'bitcoin' AND cryptocurrency-wallet:address = '1BoatSLRHtKNngkdXEeobR76b53LETtpyT']");
    expect(r.objects.find((o) => o.id === `indicator--${UUID(40)}`)?.pattern).toMatch(/^\[bank-account:country = 'JP' AND bank-account:bank_code = '0001'/);
    expect(ofType(r.objects, 'phone-number')).toHaveLength(1);
    expect(r.warnings.map((w) => w.reason)).toContain('1 × account that is not Japanese (bank code, branch code, number) in a bank-account object: not converted');
  });

  it('hostile attributes: each bad one is an error naming it, the rest still converts', () => {
    const r = parseMispEvent(
      event([
        'not an object',
        { type: 'ip-dst' },
        { type: 'md5', value: 'zz-not-a-hash', to_ids: true },
        { type: 'ip-dst', value: { $gt: '' } },
        { type: 'url', value: 'x'.repeat(1_000_001) },
        { uuid: UUID(31), type: 'filename', value: "a'] OR [ipv4-addr:value = '0.0.0.0", to_ids: true },
        { uuid: UUID(30), type: 'ip-src', value: '192.0.2.44', to_ids: true, Sighting: 'nonsense' },
      ]),
    );
    const where = r.errors.map((e) => e.where);
    expect(where).toEqual(expect.arrayContaining(['Event.Attribute[0]', 'Event.Attribute[1].value', 'Event.Attribute[2].value', 'Event.Attribute[3].value', 'Event.Attribute[4].value']));
    expect(r.objects.some((o) => o.id === `indicator--${UUID(30)}`)).toBe(true);
    expect(r.objects.find((o) => o.id === `indicator--${UUID(31)}`)?.pattern).toBe("[file:name = 'a\\'] OR [ipv4-addr:value = \\'0.0.0.0']");
  });

  it('several events in a response each get a report; the strictest TLP is the file TLP', () => {
    const one = (event([{ type: 'domain', value: 'a.example.com' }], ['tlp:green']) as { Event: object }).Event;
    const two = { ...(event([{ type: 'domain', value: 'b.example.com' }], ['tlp:amber']) as { Event: object }).Event, uuid: UUID(2) };
    const r = parseMispEvent({ response: [{ Event: one }, { Event: two }] });
    expect(ofType(r.objects, 'report').map((o) => o.id)).toEqual([`report--${UUID(1)}`, `report--${UUID(2)}`]);
    expect(r.tlp).toBe('amber');
    expect(r.summary?.events).toBe(2);
  });

  it('refuses what is not a MISP event, naming what it got', () => {
    expect(() => parseMispEvent('{"type": "bundle"', 'x.json')).toThrow(/not valid JSON/);
    expect(() => parseMispEvent({ type: 'bundle', objects: [] }, 'x.json')).toThrow(/not a MISP event/);
    expect(() => parseMispEvent(null)).toThrow(ParseError);
  });
});

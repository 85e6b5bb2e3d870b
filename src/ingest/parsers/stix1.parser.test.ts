import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../../test/support/shared-data.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { TLP2_MARKING_IDS } from '../../trust/tlp.ts';
import { parsePattern } from '../../observables/pattern.parser.ts';
import { ParseError } from './parse-result.ts';
import { parseStix1 } from './stix1.parser.ts';

const NOW = '2026-01-01T00:00:00.000Z';
const idiom = (name: string) => parseStix1(readFileSync(sharedData('stix', 'stix1x', 'stixproject-idioms', name)), name, { now: NOW });
const ofType = (objects: readonly StixObject[], type: string) => objects.filter((o) => o.type === type);

describe.runIf(hasSharedData())('parseStix1 on the STIX Project idioms', () => {
  it('every idiom converts, and every pattern made parses under the STIX 2.1 grammar', () => {
    const files = readdirSync(sharedData('stix', 'stix1x', 'stixproject-idioms')).filter((f) => f.endsWith('.xml'));
    expect(files).toHaveLength(9);
    for (const f of files) {
      const r = idiom(f);
      expect(r.errors).toEqual([]);
      for (const i of ofType(r.objects, 'indicator')) expect(parsePattern(String(i.pattern))).toMatchObject({ ok: true });
    }
  });

  it('indicator for a C2 IP: title, timestamp, id from the STIX 1 id, based-on its observable', () => {
    const r = idiom('indicator-for-c2-ip-address.xml');
    expect(r.format).toBe('stix1');
    const [ind] = ofType(r.objects, 'indicator');
    expect(ind).toMatchObject({
      id: 'indicator--33fe3b22-0201-47cf-85d0-97c02164528d',
      name: 'IP Address for known C2 channel',
      pattern: "[ipv4-addr:value = '10.0.0.0']",
      valid_from: '2014-05-08T09:00:00.000Z',
      labels: ['IP Watchlist'],
    });
    const ip = ofType(r.objects, 'ipv4-addr')[0]!;
    expect(r.objects.some((o) => o.type === 'relationship' && o.source_ref === ind!.id && o.target_ref === ip.id && o.relationship_type === 'based-on')).toBe(true);
  });

  it('a ##comma## watchlist with apply_condition ANY is an OR of three addresses', () => {
    const r = idiom('IP_Watchlist-1.2.xml');
    expect(ofType(r.objects, 'ipv4-addr').map((o) => o.value)).toEqual(['10.0.0.0', '10.0.0.1', '10.0.0.2']);
    expect(ofType(r.objects, 'indicator')[0]!.pattern).toBe("[ipv4-addr:value = '10.0.0.0' OR ipv4-addr:value = '10.0.0.1' OR ipv4-addr:value = '10.0.0.2']");
  });

  it('observables outside indicators are kept as observables', () => {
    const r = idiom('command-and-control-ip-list.xml');
    expect(ofType(r.objects, 'ipv4-addr').map((o) => o.value)).toEqual(['198.51.100.2', '198.51.100.17', '203.0.113.19']);
    expect(ofType(r.objects, 'indicator')).toEqual([]);
  });

  it('a file hash indicator indicates the malware its TTP names', () => {
    const r = idiom('malware-indicator-for-file-hash.xml');
    const [ind] = ofType(r.objects, 'indicator');
    expect(ind!.pattern).toBe("[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']");
    const [malware] = ofType(r.objects, 'malware');
    expect(malware).toMatchObject({ name: 'Poison Ivy', is_family: true });
    expect(r.objects.some((o) => o.relationship_type === 'indicates' && o.source_ref === ind!.id && o.target_ref === malware!.id)).toBe(true);
  });

  it('e-mail indicators: subject and attachment conditions become LIKE tests, confidence is mapped', () => {
    const r = idiom('malicious-email-indicator-with-attachment.xml');
    const byName = new Map(ofType(r.objects, 'indicator').map((i) => [i.name, i]));
    expect(byName.get('Malicious E-mail Subject Line')).toMatchObject({ pattern: "[email-message:subject LIKE '[IMPORTANT] Please Review Before%']", confidence: 15 });
    expect(byName.get('Malicious E-mail Attachment')?.pattern).toBe(
      "[email-message:body_multipart[*].body_raw_ref.name LIKE 'Final Report%' AND email-message:body_multipart[*].body_raw_ref.name LIKE '%.doc.exe']",
    );
    expect(byName.get('Malicious E-mail')?.confidence).toBe(85);
    // StartsWith names no single value: no observable is made.
    expect(ofType(r.objects, 'file')).toEqual([]);
  });

  it('a URL indicator', () => {
    expect(ofType(idiom('indicator-for-malicious-url.xml').objects, 'indicator')[0]!.pattern).toBe("[url:value = 'http://x4z9arb.cn/4712']");
  });

  it('names what it does not convert', () => {
    expect(idiom('campaign-v-actors.xml').warnings.map((w) => w.reason)).toEqual([
      '1 × stix Campaign: not converted (only indicators, observables and malware are)',
      '1 × stix Threat_Actor: not converted (only indicators, observables and malware are)',
    ]);
    expect(idiom('multiple-reports-in-package.xml').warnings.map((w) => w.reason)).toContain('2 × stix Report: not converted (only indicators, observables and malware are)');
    expect(idiom('kill-chain.xml').warnings[0]!.reason).toMatch(/no observable of this indicator has a STIX 2.1 pattern/);
  });

  it('the MISP STIX 1 export: the incident observable is kept, the incident is named as not converted', () => {
    const r = parseStix1(readFileSync(sharedData('stix', 'stix1x', 'pymisp', 'stix1-misp-export.xml')), 'misp.xml');
    expect(ofType(r.objects, 'ipv4-addr').map((o) => o.value)).toEqual(['8.8.8.8']);
    expect(r.warnings.map((w) => w.reason)).toContain('1 × stix Incident: not converted (only indicators, observables and malware are)');
    expect(r.summary?.title).toBe('Export from ORGNAME MISP');
  });
});

const pkg = (header: string, indicator: string) => `<?xml version="1.0"?>
<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" xmlns:indicator="http://stix.mitre.org/Indicator-2" xmlns:cybox="http://cybox.mitre.org/cybox-2"
  xmlns:marking="http://data-marking.mitre.org/Marking-1" xmlns:tlpMarking="http://data-marking.mitre.org/extensions/MarkingStructure#TLP-1"
  xmlns:DomainNameObj="http://cybox.mitre.org/objects#DomainNameObject-1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="example:Package-1" version="1.2">
  <stix:STIX_Header><stix:Handling><marking:Marking><marking:Marking_Structure xsi:type="tlpMarking:TLPMarkingStructureType" color="${header}"/></marking:Marking></stix:Handling></stix:STIX_Header>
  <stix:Indicators>${indicator}</stix:Indicators>
</stix:STIX_Package>`;
const domainIndicator = (id: string, color: string | undefined, value: string) => `
    <stix:Indicator xsi:type="indicator:IndicatorType" id="example:indicator-${id}" timestamp="2020-01-02T03:04:05Z">
      <indicator:Title>bad domain</indicator:Title>
      ${color ? `<indicator:Handling><marking:Marking><marking:Marking_Structure xsi:type="tlpMarking:TLPMarkingStructureType" color="${color}"/></marking:Marking></indicator:Handling>` : ''}
      <indicator:Observable><cybox:Object><cybox:Properties xsi:type="DomainNameObj:DomainNameObjectType"><DomainNameObj:Value condition="Equals">${value}</DomainNameObj:Value></cybox:Properties></cybox:Object></indicator:Observable>
    </stix:Indicator>`;

describe('parseStix1 on crafted packages', () => {
  const A = '11111111-1111-4111-8111-111111111111';
  const B = '22222222-2222-4222-8222-222222222222';

  it('TLP from the header marks everything; an indicator marking RED is stricter for that indicator', () => {
    const r = parseStix1(pkg('AMBER', domainIndicator(A, undefined, 'a.example.com') + domainIndicator(B, 'RED', 'b.example.com')));
    expect(r.tlp).toBe('amber');
    expect(r.objects.find((o) => o.id === `indicator--${A}`)?.object_marking_refs).toEqual([TLP2_MARKING_IDS.amber]);
    expect(r.objects.find((o) => o.id === `indicator--${B}`)?.object_marking_refs).toEqual([TLP2_MARKING_IDS.red]);
    expect(r.objects.find((o) => o.value === 'a.example.com')?.object_marking_refs).toEqual([TLP2_MARKING_IDS.amber]);
    expect(r.objects.find((o) => o.value === 'b.example.com')?.object_marking_refs).toEqual([TLP2_MARKING_IDS.red]);
  });

  it('a malformed exact value is an error naming the object; the package still converts', () => {
    const r = parseStix1(pkg('GREEN', domainIndicator(A, undefined, 'not a domain!') + domainIndicator(B, undefined, "x.example.com")));
    expect(r.errors[0]!.reason).toMatch(/DomainName "not a domain!"/);
    expect(r.objects.some((o) => o.id === `indicator--${B}`)).toBe(true);
    expect(r.objects.some((o) => o.id === `indicator--${A}`)).toBe(false);
  });

  it('refuses entity declarations, malformed XML and other roots, naming what it found', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1">&b;</stix:STIX_Package>';
    expect(() => parseStix1(bomb, 'bomb.xml')).toThrow(/entity declarations/);
    expect(() => parseStix1('<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1"><a></stix:STIX_Package>', 'bad.xml')).toThrow(/bad.xml line 1/);
    expect(() => parseStix1('<rss version="2.0"><channel/></rss>', 'feed.xml')).toThrow(ParseError);
    expect(() => parseStix1('<rss version="2.0"><channel/></rss>', 'feed.xml')).toThrow(/<rss>/);
    expect(() => parseStix1('', 'empty.xml')).toThrow(/empty/);
    const deep = `<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1">${'<a>'.repeat(500)}${'</a>'.repeat(500)}</stix:STIX_Package>`;
    expect(() => parseStix1(deep, 'deep.xml')).toThrow(ParseError);
  });
});

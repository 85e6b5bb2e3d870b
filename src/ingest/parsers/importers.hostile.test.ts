import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePattern } from '../../observables/pattern.parser.ts';
import { sniffFormat } from './format.sniffer.ts';
import { parseMispEvent } from './misp.parser.ts';
import { parseOpenIoc } from './openioc.parser.ts';
import { ParseError, type ParseResult } from './parse-result.ts';
import { parseStix1 } from './stix1.parser.ts';

// Whatever the input, the importers answer a result or a ParseError, and every STIX pattern they make parses.
function wellBehaved(run: () => ParseResult): void {
  let r: ParseResult;
  try {
    r = run();
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return;
  }
  for (const o of r.objects) {
    if (o.type === 'indicator' && o.pattern_type === 'stix') expect(parsePattern(String(o.pattern)), String(o.pattern)).toMatchObject({ ok: true });
  }
  expect(new Set(r.objects.map((o) => o.id)).size).toBe(r.objects.length);
}

const MISP_TYPES = [
  'ip-dst', 'ip-src|port', 'domain', 'hostname|port', 'domain|ip', 'url', 'uri', 'link', 'email-src', 'email-subject', 'email-attachment',
  'md5', 'sha256', 'filename|sha1', 'malware-sample', 'filename', 'AS', 'mac-address', 'btc', 'phone-number', 'vulnerability', 'yara',
  'regkey|value', 'mutex', 'x509-fingerprint-sha1', 'text', 'port', '__proto__', 'constructor', 'ssdeep', 'tlsh',
];
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("a'] OR [x:y = 'z", '\\', "\\'", '198.51.100.1|99999', 'example.com|198.51.100.2', 'x|', '|', 'CVE-2021-44228', '', ' ', '\u0000', '１９８．５１．１００．１'),
);
const attribute = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...MISP_TYPES), fc.anything()),
    value: fc.oneof(nasty, fc.anything()),
    to_ids: fc.oneof(fc.boolean(), fc.constantFrom('1', 0, null)),
    uuid: fc.oneof(fc.uuid(), fc.string({ maxLength: 10 })),
    timestamp: fc.oneof(fc.integer(), fc.string({ maxLength: 12 })),
    Tag: fc.array(fc.record({ name: fc.oneof(fc.constantFrom('tlp:red', 'tlp:white', 'PAP:AMBER', 'misp-galaxy:mitre-malware="X - S0001"', 'tlp:bogus'), fc.string()) }), { maxLength: 3 }),
    Sighting: fc.array(fc.record({ type: fc.constantFrom('0', '1', '2', '9'), date_sighting: fc.oneof(fc.integer(), fc.string()) }), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const mispEvent = fc.record(
  {
    uuid: fc.oneof(fc.uuid(), fc.anything()),
    info: fc.oneof(fc.string(), fc.anything()),
    date: fc.oneof(fc.constant('2024-01-02'), fc.string()),
    Attribute: fc.oneof(fc.array(attribute, { maxLength: 12 }), fc.anything()),
    Object: fc.array(fc.record({ name: fc.constantFrom('file', 'domain-ip', 'x509', 'bank-account', 'coin-address', 'pe-section', 'zzz'), uuid: fc.uuid(), Attribute: fc.array(attribute, { maxLength: 5 }) }), { maxLength: 4 }),
    Galaxy: fc.anything(),
    Tag: fc.anything(),
  },
  { requiredKeys: [] },
);

describe('importers on hostile input', () => {
  it('parseMispEvent: any JSON, and events with random attributes', () => {
    fc.assert(fc.property(fc.jsonValue(), (json) => wellBehaved(() => parseMispEvent(json, 'fuzz', { now: '2024-01-01T00:00:00.000Z' }))), { numRuns: 200 });
    fc.assert(fc.property(mispEvent, (event) => wellBehaved(() => parseMispEvent({ Event: event }, 'fuzz', { now: '2024-01-01T00:00:00.000Z' }))), { numRuns: 300 });
  });

  const SEARCHES = ['FileItem/Md5sum', 'FileItem/FileName', 'FileItem/SizeInBytes', 'FileItem/FileExtension', 'Network/DNS', 'PortItem/remoteIP', 'PortItem/remotePort', 'Email/Subject', 'RegistryItem/Path', 'UrlHistoryItem/URL', 'ProcessItem/name'];
  const CONDITIONS = ['is', 'isnot', 'contains', 'containsnot', 'starts-with', 'ends-with', 'matches', 'greater-than', 'bogus'];
  const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const item = fc.tuple(fc.constantFrom(...SEARCHES), fc.constantFrom(...CONDITIONS), nasty, fc.boolean()).map(
    ([search, condition, content, negate]) =>
      `<IndicatorItem id="${crypto.randomUUID()}" condition="${condition}"${negate ? ' negate="true"' : ''}><Context document="x" search="${search}"/><Content type="string">${xmlText(content)}</Content></IndicatorItem>`,
  );
  const tree: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, item, fc.tuple(fc.constantFrom('AND', 'OR'), fc.array(tie('node'), { maxLength: 4 })).map(([op, kids]) => `<Indicator operator="${op}" id="${crypto.randomUUID()}">${kids.join('')}</Indicator>`)),
  })).node;

  it('parseOpenIoc: random indicator trees, and random text', () => {
    fc.assert(
      fc.property(tree, (body) => wellBehaved(() => parseOpenIoc(`<ioc xmlns="http://schemas.mandiant.com/2010/ioc"><definition><Indicator operator="OR">${body}</Indicator></definition></ioc>`, 'fuzz'))),
      { numRuns: 200 },
    );
    fc.assert(fc.property(fc.string(), (text) => wellBehaved(() => parseOpenIoc(text, 'fuzz'))), { numRuns: 200 });
  });

  it('parseStix1: random observables and random text', () => {
    const obs = fc.tuple(fc.constantFrom('Address_Value', 'Value', 'File_Name', 'Subject'), fc.constantFrom('Equals', 'Contains', 'StartsWith', 'FitsPattern', 'Nonsense'), nasty).map(
      ([el, condition, v]) =>
        `<indicator:Observable><cybox:Object><cybox:Properties xsi:type="X:${el === 'Address_Value' ? 'AddressObjectType' : el === 'Value' ? 'URIObjectType' : el === 'File_Name' ? 'FileObjectType' : 'EmailMessageObjectType'}">${el === 'Subject' ? '<X:Header>' : ''}<X:${el} condition="${condition}">${xmlText(v)}</X:${el}>${el === 'Subject' ? '</X:Header>' : ''}</cybox:Properties></cybox:Object></indicator:Observable>`,
    );
    fc.assert(
      fc.property(fc.array(obs, { maxLength: 4 }), (parts) =>
        wellBehaved(() =>
          parseStix1(
            `<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" xmlns:indicator="x" xmlns:cybox="y" xmlns:X="z" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><stix:Indicators><stix:Indicator id="e:i-1" xsi:type="indicator:IndicatorType">${parts.join('')}</stix:Indicator></stix:Indicators></stix:STIX_Package>`,
            'fuzz',
          ),
        ),
      ),
      { numRuns: 200 },
    );
    fc.assert(fc.property(fc.string(), (text) => wellBehaved(() => parseStix1(text, 'fuzz'))), { numRuns: 200 });
  });

  it('sniffFormat: any bytes get a format or a reason, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.option(fc.string({ maxLength: 20 })), (bytes, name) => {
        const r = sniffFormat(Buffer.from(bytes), name ?? undefined);
        expect(typeof r.reason).toBe('string');
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (text) => {
        expect(typeof sniffFormat(Buffer.from(text)).reason).toBe('string');
      }),
      { numRuns: 500 },
    );
  });
});

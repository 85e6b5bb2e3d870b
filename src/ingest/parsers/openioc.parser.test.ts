import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../../test/support/shared-data.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { isSco } from '../../stix/stix.types.ts';
import { parsePattern } from '../../observables/pattern.parser.ts';
import { createStixValidator } from '../../stix/stix.validator.ts';
import { parseOpenIoc } from './openioc.parser.ts';
import { ParseError } from './parse-result.ts';
import { parseStix1 } from './stix1.parser.ts';

const NOW = '2026-01-01T00:00:00.000Z';
const file = (name: string) => readFileSync(sharedData('stix', 'stix1x', 'openioc-to-stix', name));

/** The observable facts of a result: "file name X", "file MD5 Y", "<type> <value or key>". */
function atoms(objects: readonly StixObject[]): string[] {
  const out = new Set<string>();
  for (const o of objects.filter((x) => isSco(x.type))) {
    if (o.type === 'file') {
      if (typeof o.name === 'string') out.add(`file name ${o.name}`);
      for (const [a, h] of Object.entries((o.hashes ?? {}) as Record<string, string>)) out.add(`file ${a} ${h}`);
    } else out.add(`${o.type} ${String(o.value ?? o.key ?? o.name)}`);
  }
  return [...out].sort();
}

describe.runIf(hasSharedData())('parseOpenIoc on the Mandiant IOCs, against their STIX 1 conversions', () => {
  it.each(['duqu', 'shelldc_backdoor', 'stuxnet', 'zeus'])('%s: the OpenIOC and its STIX 1 conversion give the same observables', (name) => {
    const ioc = parseOpenIoc(file(`${name}.ioc.xml`), `${name}.ioc.xml`, { now: NOW });
    const stix = parseStix1(file(`${name}.stix.xml`), `${name}.stix.xml`, { now: NOW });
    expect(ioc.format).toBe('openioc');
    expect(ioc.errors).toEqual([]);
    expect(atoms(ioc.objects)).toEqual(atoms(stix.objects));
    for (const i of [...ioc.objects, ...stix.objects].filter((o) => o.type === 'indicator')) expect(parsePattern(String(i.pattern))).toMatchObject({ ok: true });
  });

  it('everything made from the IOCs and the STIX 1 files passes the STIX 2.1 validator with the OASIS schemas', () => {
    const validator = createStixValidator(sharedData('stix', 'schemas'));
    const dirs = ['openioc-to-stix', 'stixproject-idioms', 'pymisp'];
    for (const d of dirs) {
      for (const f of readdirSync(sharedData('stix', 'stix1x', d)).filter((x) => x.endsWith('.xml'))) {
        const body = readFileSync(sharedData('stix', 'stix1x', d, f));
        const r = f.endsWith('.ioc.xml') ? parseOpenIoc(body, f, { now: NOW }) : parseStix1(body, f, { now: NOW });
        const check = validator.validateBundle({ type: 'bundle', id: 'bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8', objects: r.objects });
        expect([...check.errors, ...check.warnings], f).toEqual([]);
      }
    }
  });

  it('stuxnet: the observables are the whole file names and registry paths the IOC tests', () => {
    // Read off stuxnet.ioc.xml: six FileItem/FileName values with an extension, two RegistryItem/Path values.
    expect(atoms(parseOpenIoc(file('stuxnet.ioc.xml'), 'stuxnet', { now: NOW }).objects)).toEqual([
      'file name mdmcpq3.PNF',
      'file name mdmeric3.PNF',
      'file name mrxcls.sys',
      'file name mrxnet.sys',
      'file name oem6C.PNF',
      'file name oem7A.PNF',
      'windows-registry-key HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\MRxCls\\ImagePath',
      'windows-registry-key HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\MRxNet\\ImagePath',
    ]);
  });

  it('stuxnet: one indicator per OR branch it can express; AND groups with a part it cannot are dropped whole', () => {
    // Top-level OR of 10: .stub section name (no STIX path), 4 file names, the driver AND group (no path),
    // 2 AND groups file name + certificate subject (no path for the subject), 2 AND groups registry path + text.
    const r = parseOpenIoc(file('stuxnet.ioc.xml'), 'stuxnet', { now: NOW });
    const ids = r.objects.filter((o) => o.type === 'indicator').map((o) => o.id);
    expect(ids).toEqual([
      'indicator--156bc4b6-a2a1-4735-bfe8-6c8d1f7eae38',
      'indicator--e57d9a5b-5e6a-41ec-87c8-ee67f3ed2e20',
      'indicator--63d7bee6-b575-4d56-8d43-1c5eac57658f',
      'indicator--e6bff12a-e23d-45ea-94bd-8289f806bea7',
      'indicator--00538c36-88fe-42ea-a70f-136a2fb53834',
      'indicator--d8d9b32c-f648-4552-9805-93c05ed48219',
    ]);
    const reg = r.objects.find((o) => o.id === 'indicator--00538c36-88fe-42ea-a70f-136a2fb53834')!;
    expect(reg.pattern).toBe(
      "[windows-registry-key:key LIKE '%HKEY_LOCAL_MACHINE\\\\SYSTEM\\\\ControlSet001\\\\Services\\\\MRxCls\\\\ImagePath%' AND windows-registry-key:values[*].data LIKE '%mrxcls.sys%']",
    );
    expect(reg).toMatchObject({ name: 'STUXNET VIRUS (METHODOLOGY)', valid_from: '2011-11-04T19:35:05.000Z', labels: ['methodology'] });
    expect(r.warnings.map((w) => w.reason)).toContain('4 × term DriverItem/DeviceItem/AttachedToDriverName: no STIX 2.1 form here, not converted');
  });

  it('zeus: nothing convertible; says so by term', () => {
    const r = parseOpenIoc(file('zeus.ioc.xml'), 'zeus', { now: NOW });
    expect(r.objects).toEqual([]);
    expect(r.warnings.map((w) => w.reason)).toEqual([
      'no branch of the IOC has a STIX 2.1 pattern; no indicator made',
      '1 × term ProcessItem/name: no STIX 2.1 form here, not converted',
      '3 × term ProcessItem/HandleList/Handle/Type: no STIX 2.1 form here, not converted',
      '8 × term ProcessItem/HandleList/Handle/Name: no STIX 2.1 form here, not converted',
    ]);
  });

  it('shelldc: "contains gzg" names no file, "contains ws_data.dll" does', () => {
    const a = atoms(parseOpenIoc(file('shelldc_backdoor.ioc.xml'), 'shelldc', { now: NOW }).objects);
    expect(a).toContain('file name ws_data.dll');
    expect(a.some((x) => x.includes('gzg'))).toBe(false);
  });
});

const IOC11 = `<?xml version="1.0" encoding="utf-8"?>
<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa" last-modified="2020-02-03T04:05:06Z">
  <metadata><short_description>Dropper</short_description><description>crafted</description></metadata>
  <criteria>
    <Indicator id="bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb" operator="OR">
      <Indicator id="cccccccc-cccc-4ccc-8ccc-cccccccccccc" operator="AND">
        <IndicatorItem id="dddddddd-dddd-4ddd-8ddd-dddddddddddd" condition="is"><Context document="FileItem" search="FileItem/Md5sum"/><Content type="md5">D41D8CD98F00B204E9800998ECF8427E</Content></IndicatorItem>
        <IndicatorItem id="eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee" condition="is"><Context document="FileItem" search="FileItem/FileName"/><Content type="string">it's.exe</Content></IndicatorItem>
      </Indicator>
      <IndicatorItem id="ffffffff-ffff-4fff-8fff-ffffffffffff" condition="is"><Context document="PortItem" search="PortItem/remoteIP"/><Content type="IP">198.51.100.77</Content></IndicatorItem>
      <IndicatorItem id="12121212-1212-4121-8121-121212121212" condition="is" negate="true"><Context document="Network" search="Network/DNS"/><Content type="string">good.example.com</Content></IndicatorItem>
      <IndicatorItem id="13131313-1313-4131-8131-131313131313" condition="is"><Context document="Network" search="Network/DNS"/><Content type="string">not a domain</Content></IndicatorItem>
    </Indicator>
  </criteria>
</OpenIOC>`;

describe('parseOpenIoc on a crafted OpenIOC 1.1 document', () => {
  const r = parseOpenIoc(IOC11, 'crafted.ioc');
  const pattern = (id: string) => r.objects.find((o) => o.id === `indicator--${id}`)?.pattern;

  it('an AND of hash and name is one file and one indicator; values are normalised and quotes escaped', () => {
    expect(pattern('cccccccc-cccc-4ccc-8ccc-cccccccccccc')).toBe("[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:name = 'it\\'s.exe']");
    expect(atoms(r.objects)).toEqual(['file MD5 d41d8cd98f00b204e9800998ecf8427e', "file name it's.exe", 'ipv4-addr 198.51.100.77']);
  });

  it('remote IPs become network-traffic tests; negate becomes NOT and makes no observable', () => {
    expect(pattern('ffffffff-ffff-4fff-8fff-ffffffffffff')).toBe("[network-traffic:dst_ref.value = '198.51.100.77']");
    expect(pattern('12121212-1212-4121-8121-121212121212')).toBe("[domain-name:value NOT = 'good.example.com']");
  });

  it('a malformed exact value is an error naming the item', () => {
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.where).toBe('crafted.ioc IndicatorItem 13131313-1313-4131-8131-131313131313');
    expect(pattern('13131313-1313-4131-8131-131313131313')).toBeUndefined();
  });

  it('refuses a document that is not OpenIOC', () => {
    expect(() => parseOpenIoc('<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1"/>', 'x.xml')).toThrow(ParseError);
    expect(() => parseOpenIoc('<ioc xmlns="http://schemas.mandiant.com/2010/ioc"><short_description>x</short_description></ioc>', 'x.ioc')).toThrow(/no <definition>/);
  });
});

import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../../test/support/shared-data.ts';
import { createStixValidator } from '../../stix/stix.validator.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { DEFAULT_PREFIX_LIMITS } from '../../observables/cidr.limit.ts';
import { NO_LIMITS, enforceObjectLimits, type ObjectLimits } from '../ingest.limits.ts';
import { withoutBroadCidrs } from '../broad-cidr.check.ts';
import { parseStix, stixSlices } from './stix.parser.ts';

// A STIX bundle given out in slices (issue 17) comes to what the whole-file path makes of it: parseStix, then the
// object limits, then the broad CIDRs; the same objects in the same order, errors, warnings and summary.
const v = createStixValidator(hasSharedData() ? sharedData('stix', 'schemas') : undefined);
const T = '2026-11-01T00:00:00.000Z';
const uuid = (i: number, version = 4) => `00000000-0000-${version}000-8000-${i.toString(16).padStart(12, '0')}`;
const indicator = (i: number, extra: Record<string, unknown> = {}) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${uuid(i)}`, created: T, modified: T, name: `ind ${i}`, pattern: `[domain-name:value = 'd${i}.example.org']`, pattern_type: 'stix', valid_from: T, ...extra });
const ipv4 = (i: number, value: string) => ({ type: 'ipv4-addr', spec_version: '2.1', id: `ipv4-addr--${uuid(i)}`, value });
const rel = (i: number, source: string, target: string) => ({ type: 'relationship', spec_version: '2.1', id: `relationship--${uuid(i)}`, created: T, modified: T, relationship_type: 'related-to', source_ref: source, target_ref: target });
const bundle = (objects: unknown[], extra: Record<string, unknown> = {}) => Buffer.from(JSON.stringify({ type: 'bundle', id: `bundle--${uuid(999_999)}`, objects, ...extra }));
const many = (n: number, from = 0) => Array.from({ length: n }, (_, i) => indicator(from + i));

function whole(body: Buffer, lenient: boolean, limits: ObjectLimits) {
  try {
    return withoutBroadCidrs(enforceObjectLimits(parseStix(body, v, { lenient }), limits, lenient), DEFAULT_PREFIX_LIMITS, lenient);
  } catch (err) {
    return { thrown: (err as Error).message };
  }
}

function sliced(body: Buffer, lenient: boolean, limits: ObjectLimits, size: number) {
  const objects: StixObject[] = [];
  const sizes: number[] = [];
  try {
    const g = stixSlices(body, v, { lenient, limits, prefixLimits: DEFAULT_PREFIX_LIMITS }, size);
    for (let r = g.next(); ; r = g.next()) {
      if (r.done) {
        // A bundle refused whole gave what it had before it knew: the caller rolls that back.
        const kept = r.value.summary?.rejected_all === true ? [] : objects;
        return { result: { ...r.value, objects: kept }, sizes };
      }
      sizes.push(r.value.objects.length);
      objects.push(...r.value.objects);
    }
  } catch (err) {
    return { result: { thrown: (err as Error).message }, sizes };
  }
}

const broadRange = '1.0.0.0/8';
// A file written as Python's json.dumps writes by default: every character past ASCII as a backslash-u escape.
const asciiOnly = (body: Buffer): Buffer => Buffer.from(body.toString('utf8').replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
const cases: Record<string, { objects: unknown[]; limits?: ObjectLimits; extra?: Record<string, unknown>; ascii?: boolean }> = {
  'valid objects': { objects: many(40) },
  'an invalid object late': { objects: [...many(30), { ...indicator(30), pattern: undefined }, ...many(5, 31)] },
  'text the database cannot hold': { objects: [...many(20), indicator(20, { name: 'bad \u0000 name' }), ...many(10, 21)] },
  'a lone surrogate': { objects: [...many(20), indicator(20, { name: 'bad \ud800 name' }), ...many(10, 21)] },
  'storable text escaped, and text that is not': { objects: [...many(10), indicator(10, { name: 'caf\u00e9 \u{1F600}' }), ...many(5, 11), indicator(16, { name: 'bad \ud800 name' })], ascii: true },
  'storable text escaped, within the limits': { objects: [...many(10), indicator(10, { description: '\u65e5\u672c'.repeat(100) })], limits: { ...NO_LIMITS, maxObjectBytes: 2048 }, ascii: true },
  'an object within the limit that only its exact size shows': { objects: [...many(10), indicator(10, { description: 'x'.repeat(1500) }), ...many(5, 11)], limits: { ...NO_LIMITS, maxObjectBytes: 2048 } },
  'an object too large and text the database cannot hold': { objects: [...many(10), indicator(10, { description: 'x'.repeat(3000) }), indicator(11, { name: 'bad \u0000 name' })], limits: { ...NO_LIMITS, maxObjectBytes: 2048 } },
  'an object too large': { objects: [...many(25), indicator(25, { description: 'x'.repeat(3000) }), ...many(5, 26)], limits: { ...NO_LIMITS, maxObjectBytes: 2048 } },
  'too many objects': { objects: many(30), limits: { ...NO_LIMITS, maxObjects: 20 } },
  'too many objects and an invalid one': { objects: [...many(30), { type: 'indicator' }], limits: { ...NO_LIMITS, maxObjects: 20 } },
  'a broad range with relationships before and after it': {
    objects: [...many(10), rel(100, `indicator--${uuid(1)}`, `ipv4-addr--${uuid(200)}`), ...many(20, 10), ipv4(200, broadRange), ipv4(201, '192.0.2.1'), rel(101, `ipv4-addr--${uuid(200)}`, `indicator--${uuid(2)}`), indicator(300, { pattern: `[ipv4-addr:value = '${broadRange}']` }), ...many(10, 40)],
  },
  'several versions of one id far apart': { objects: [indicator(1), ...many(20, 2), indicator(1, { modified: '2026-11-02T00:00:00.000Z' }), indicator(1), ...many(10, 30)] },
  'no objects': { objects: [] },
};

describe('stixSlices: a bundle in slices, as the whole-file path takes it', () => {
  for (const [name, c] of Object.entries(cases)) {
    for (const lenient of [false, true]) {
      it(`${name}${lenient ? ', lenient' : ''}`, () => {
        const body = c.ascii ? asciiOnly(bundle(c.objects, c.extra)) : bundle(c.objects, c.extra);
        const limits = c.limits ?? NO_LIMITS;
        const s = sliced(Buffer.from(body), lenient, limits, 7);
        expect(s.result).toEqual(whole(Buffer.from(body), lenient, limits));
      });
    }
  }

  it('gives slices of about the size asked, never between two versions of one id', () => {
    const s = sliced(bundle(cases['several versions of one id far apart']!.objects), false, NO_LIMITS, 7);
    // Versions at 0, 21 and 22: the first slice reaches past the last of them.
    expect(s.sizes[0]).toBe(23);
    expect(s.sizes.slice(1, -1).every((n) => n === 7)).toBe(true);
  });

  it('an upgraded STIX 2.0 bundle: broad ranges are warnings when strict, as whole', () => {
    const objects = [
      { type: 'indicator', id: `indicator--${uuid(1)}`, created: T, modified: T, labels: ['malicious-activity'], pattern: "[domain-name:value = 'a.example.org']", valid_from: T },
      { type: 'indicator', id: `indicator--${uuid(2)}`, created: T, modified: T, labels: ['malicious-activity'], pattern: `[ipv4-addr:value = '${broadRange}']`, valid_from: T },
    ];
    const body = bundle(objects, { spec_version: '2.0' });
    for (const lenient of [false, true]) {
      const s = sliced(Buffer.from(body), lenient, NO_LIMITS, 1);
      const w = whole(Buffer.from(body), lenient, NO_LIMITS);
      expect(s.result).toEqual(w);
      expect((w as { format: string }).format).toBe('stix20');
    }
  });

  it('a strict bundle with a broad range gives no slice at all', () => {
    const s = sliced(bundle(cases['a broad range with relationships before and after it']!.objects), false, NO_LIMITS, 7);
    expect(s.sizes).toEqual([]);
  });

  it('a file that is not JSON fails as the whole path does', () => {
    expect(sliced(Buffer.from('{"type":"bundle",'), false, NO_LIMITS, 7).result).toEqual(whole(Buffer.from('{"type":"bundle",'), false, NO_LIMITS));
  });
});

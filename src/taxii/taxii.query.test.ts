import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors.ts';
import { acceptsTaxii, isTaxiiContentType } from './taxii.media.ts';
import { MAX_LIMIT, decodeNext, encodeNext, isTimestamp, parseFilter, queryBinding, timestampMicros, type MatchField } from './taxii.query.ts';

const ALL: ReadonlySet<MatchField> = new Set(['id', 'type', 'version', 'spec_version']);
const ID = 'indicator--cd981c25-8042-4166-8945-51178443bdac';

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    return (err as AppError).message;
  }
  throw new Error('expected a 400');
}

describe('TAXII media types', () => {
  it('accepts TAXII 2.1 (versioned or not), wildcards and an absent header; refuses the rest', () => {
    for (const a of [undefined, '', '*/*', 'application/*', 'application/taxii+json', 'application/taxii+json;version=2.1', 'APPLICATION/TAXII+JSON; Version="2.1"', 'text/html;q=0.9, application/taxii+json;version=2.1;q=0.5'])
      expect(acceptsTaxii(a), String(a)).toBe(true);
    for (const a of ['application/json', 'application/taxii+json;version=2.0', 'application/stix+json;version=2.1', 'application/taxii+json;q=0', 'garbage', ';;;'])
      expect(acceptsTaxii(a), a).toBe(false);
  });

  it('recognises the POST content type', () => {
    expect(isTaxiiContentType('application/taxii+json;version=2.1')).toBe(true);
    expect(isTaxiiContentType('application/taxii+json')).toBe(true);
    for (const c of [undefined, 'application/json', 'application/taxii+json;version=2.0', 'text/plain']) expect(isTaxiiContentType(c)).toBe(false);
  });
});

describe('TAXII filters', () => {
  it('defaults: latest version, the largest page, no other filter', () => {
    const f = parseFilter({}, ALL);
    expect(f).toEqual({ addedAfter: undefined, ids: [], types: [], versions: { first: false, last: true, all: false, timestamps: [] }, specVersions: undefined, limit: MAX_LIMIT, next: undefined });
  });

  it('reads lists given with commas or repeated, and caps huge limits', () => {
    const f = parseFilter({ 'match[type]': ['indicator,malware', 'relationship'], 'match[version]': 'first,2016-01-01T00:00:00.000Z', 'match[id]': ID, 'match[spec_version]': '2.0,2.1', limit: '99999999999999999999999' }, ALL);
    expect(f.types).toEqual(['indicator', 'malware', 'relationship']);
    expect(f.versions).toEqual({ first: true, last: false, all: false, timestamps: ['2016-01-01T00:00:00.000Z'] });
    expect(f.ids).toEqual([ID]);
    expect(f.specVersions).toEqual(['2.0', '2.1']);
    expect(f.limit).toBe(MAX_LIMIT);
    expect(parseFilter({ limit: '7' }, ALL).limit).toBe(7);
  });

  it('names the parameter at fault', () => {
    expect(badRequest(() => parseFilter({ limit: '0' }, ALL))).toMatch(/^limit:/);
    expect(badRequest(() => parseFilter({ limit: '1e3' }, ALL))).toMatch(/^limit:/);
    expect(badRequest(() => parseFilter({ added_after: '2016-01-01' }, ALL))).toMatch(/^added_after:/);
    expect(badRequest(() => parseFilter({ added_after: '2016-13-01T00:00:00Z' }, ALL))).toMatch(/^added_after:/);
    expect(badRequest(() => parseFilter({ 'match[version]': 'latest' }, ALL))).toMatch(/^match\[version\]:/);
    expect(badRequest(() => parseFilter({ 'match[id]': 'indicator--1' }, ALL))).toMatch(/^match\[id\]:/);
    expect(badRequest(() => parseFilter({ 'match[type]': 'Indicator' }, ALL))).toMatch(/^match\[type\]:/);
    expect(badRequest(() => parseFilter({ 'match[type]': 'indicator,' }, ALL))).toMatch(/empty value/);
    expect(badRequest(() => parseFilter({ 'match[type]': Array.from({ length: 201 }, () => 'x').join(',') }, ALL))).toMatch(/at most 200/);
    expect(badRequest(() => parseFilter({ 'match[spec_version]': 'two' }, ALL))).toMatch(/^match\[spec_version\]:/);
    expect(badRequest(() => parseFilter({ 'match[type]': 'indicator' }, new Set<MatchField>(['version'])))).toMatch(/not supported by this endpoint/);
    expect(badRequest(() => parseFilter({ limit: ['1', '2'] }, ALL))).toMatch(/once/);
  });

  it('timestamps: RFC 3339 UTC with up to nanoseconds; micros compare across precisions', () => {
    expect(isTimestamp('2016-01-01T00:00:00Z')).toBe(true);
    expect(isTimestamp('2016-01-01T00:00:00.123456789Z')).toBe(true);
    expect(isTimestamp('2016-01-01T00:00:00+09:00')).toBe(false);
    expect(timestampMicros('2016-01-01T00:00:00.5Z') - timestampMicros('2016-01-01T00:00:00Z')).toBe(500_000);
    expect(timestampMicros('2016-01-01T00:00:00.000001Z') > timestampMicros('2016-01-01T00:00:00Z')).toBe(true);
  });
});

describe('next tokens', () => {
  const f = parseFilter({ 'match[type]': 'indicator' }, ALL);
  const binding = queryBinding('objects', 'c1', null, f);

  it('round-trip for the same query, whatever the limit', () => {
    const token = encodeNext(binding, { t: '2026-01-01T00:00:00.123456Z', s: 42 });
    expect(decodeNext(token, queryBinding('objects', 'c1', null, { ...f, limit: 3 }))).toEqual({ t: '2026-01-01T00:00:00.123456Z', s: 42 });
  });

  it('are refused for another endpoint, collection, object or filter, and when forged or garbled', () => {
    const token = encodeNext(binding, { t: '2026-01-01T00:00:00.123456Z', s: 42 });
    for (const other of [queryBinding('manifest', 'c1', null, f), queryBinding('objects', 'c2', null, f), queryBinding('objects', 'c1', ID, f), queryBinding('objects', 'c1', null, { ...f, types: ['malware'] })])
      expect(badRequest(() => decodeNext(token, other))).toMatch(/another query/);
    for (const bad of ['x', Buffer.from('{"b":1}').toString('base64url'), Buffer.from(JSON.stringify({ b: binding, t: 'now', s: 1 })).toString('base64url'), Buffer.from(JSON.stringify({ b: binding, t: '2026-01-01T00:00:00Z', s: -1 })).toString('base64url')])
      expect(badRequest(() => decodeNext(bad, binding))).toMatch(/^next:/);
  });
});

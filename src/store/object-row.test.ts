import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../shared/canonical-json.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { objectRecord, scopeKey } from './object-row.ts';

const t = '2026-11-01T00:00:00.000Z';
const indicator = { type: 'indicator', spec_version: '2.1', id: 'indicator--2f1e7a4c-8f0b-4c1e-9a7d-5b3c2d1e0f9a', created: t, modified: t, name: 'n', pattern: "[ipv4-addr:value = '198.51.100.7']", pattern_type: 'stix', valid_from: t } as StixObject;

describe('objectRecord', () => {
  it('hashes the canonical content when first asked, the same on every read and for equal content in any key order', () => {
    const r = objectRecord(indicator, { keys: ['ipv4:198.51.100.7'], patternUsable: true });
    expect(r.contentHash).toBe(hash('sha1', canonicalJson(indicator), 'base64url'));
    expect(r.contentHash).toBe(r.contentHash);
    const reordered = Object.fromEntries(Object.entries(indicator).reverse()) as StixObject;
    expect(objectRecord(reordered).contentHash).toBe(r.contentHash);
    expect(objectRecord({ ...indicator, name: 'm' }).contentHash).not.toBe(r.contentHash);
    expect({ id: r.id, type: r.type, created: r.created, modified: r.modified, name: r.name, keys: r.keys, patternUsable: r.patternUsable, data: r.data }).toEqual({
      id: indicator.id, type: 'indicator', created: t, modified: t, name: 'n', keys: ['ipv4:198.51.100.7'], patternUsable: true, data: indicator,
    });
    // An observable has no created/modified of its own; its value is its display.
    const ip = objectRecord({ type: 'ipv4-addr', spec_version: '2.1', id: 'ipv4-addr--6c2e2b0e-0a5b-5d6f-9c57-2a4f2bd0f6c1', value: '198.51.100.7' } as StixObject);
    expect([ip.created, ip.modified, ip.value, ip.display]).toEqual([null, null, '198.51.100.7', '198.51.100.7']);
  });
});

describe('scopeKey', () => {
  it('tells audiences apart by content, whichever arrays come one after the other', () => {
    const orgs = ['b', 'a'];
    const base = { tlp: 'amber' as const, anonymous: false, recipientOrgs: orgs, recipientGroups: [] as string[], recipientUsers: [] as string[] };
    expect(scopeKey(base)).toBe('amber|o:a,b|g:|u:|a:0');
    expect(scopeKey(base)).toBe('amber|o:a,b|g:|u:|a:0'); // the kept key
    expect(scopeKey({ ...base, tlp: 'red' })).toBe('red|o:a,b|g:|u:|a:0');
    expect(scopeKey({ ...base, anonymous: true })).toBe('amber|o:a,b|g:|u:|a:1');
    expect(scopeKey({ ...base, recipientOrgs: ['a'] })).toBe('amber|o:a|g:|u:|a:0');
    expect(scopeKey({ ...base, recipientGroups: ['g'] })).toBe('amber|o:a,b|g:g|u:|a:0');
    expect(scopeKey({ ...base, recipientUsers: ['u2', 'u1'] })).toBe('amber|o:a,b|g:|u:u1,u2|a:0');
    expect(scopeKey(base)).toBe('amber|o:a,b|g:|u:|a:0');
    expect(orgs).toEqual(['b', 'a']); // the caller's array is not sorted in place
  });
});

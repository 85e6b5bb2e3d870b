import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.ts';

// The form every stored content hash was made with (the first implementation): a faster one must not move a hash.
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

describe('canonicalJson', () => {
  it('sorts keys by code unit, drops undefined members, keeps undefined array items as null', () => {
    expect(canonicalJson({ b: 1, a: [undefined, 'x', { d: undefined, c: null }], é: true, Z: 0.5, '': '"' })).toBe('{"":"\\"","Z":0.5,"a":[null,"x",{"c":null}],"b":1,"é":true}');
    expect(canonicalJson({ x: undefined })).toBe('{}');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson('結節')).toBe('"結節"');
  });

  it('equals the form stored hashes were made with, for real STIX-like objects and generated ones', () => {
    const samples: unknown[] = [
      { type: 'indicator', spec_version: '2.1', id: 'indicator--1', created: '2026-11-01T00:00:00.000Z', name: 'evil', pattern: "[url:value = 'http://x/?a=1&b=2']", labels: ['kit', 'phish'], external_references: [{ source_name: 'feed', url: 'https://f' }] },
      { type: 'ipv4-addr', spec_version: '2.1', id: 'ipv4-addr--2', value: '198.51.100.7' },
      { z: { y: { x: [1, [2, [3, { w: 'ü🙂' }]]] } }, 'key with space': -0, n: 1e21, s: '\u2028\u0000' },
    ];
    for (let i = 0; i < 200; i++) {
      const o: Record<string, unknown> = {};
      for (let j = 0; j < i % 13; j++) o[String.fromCharCode(97 + ((i * 31 + j * 17) % 60))] = j % 3 === 0 ? [j, `v${i}`] : j % 3 === 1 ? { k: i, u: undefined } : `t${j}`;
      samples.push(o);
    }
    for (const s of samples) expect(canonicalJson(s)).toBe(reference(s));
  });
});

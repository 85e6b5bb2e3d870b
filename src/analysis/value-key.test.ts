import { describe, expect, it } from 'vitest';
import { getDomain } from 'tldts';
import { derivedKeys } from './job/root-sources.compute.ts';
import { buildGraph, casesOfHolders, csr, neighbours } from './job/analysis.graph.ts';
import { ipOfKey, isInfrastructureKey, splitKey, urlHostKey } from './value-key.ts';

describe('keys', () => {
  it('splits keys with and without a sub-kind', () => {
    expect(splitKey('file:sha-256:ab')).toEqual({ type: 'file', sub: 'sha-256', value: 'ab' });
    expect(splitKey('cryptocurrency-wallet:bitcoin:1abc')).toEqual({ type: 'cryptocurrency-wallet', sub: 'bitcoin', value: '1abc' });
    expect(splitKey('url:http://a.example/x:y')).toEqual({ type: 'url', sub: null, value: 'http://a.example/x:y' });
    expect(splitKey('nokey')).toBeNull();
    expect(isInfrastructureKey('bank-account:JP:0001:001:futsu:1234567')).toBe(true);
    expect(isInfrastructureKey('file:md5:00')).toBe(false);
  });

  it('takes the host of a URL, IPv4 and IPv6 included; hostile URLs give null', () => {
    expect(urlHostKey('url:http://Evil.Example.com:8080/a')).toBe('domain-name:evil.example.com');
    expect(urlHostKey('url:http://203.0.113.9/x')).toBe('ipv4-addr:203.0.113.9');
    expect(urlHostKey('url:http://[2001:db8::1]/x')).toBe('ipv6-addr:2001:db8::1');
    expect(urlHostKey('url:not a url')).toBeNull();
    expect(urlHostKey('domain-name:x')).toBeNull();
    expect(ipOfKey('ipv4-addr:10.0.0.0/8')).toBeNull();
  });

  it('derives the coarser values a key stands for', () => {
    const ctx = { registrableDomain: (h: string) => getDomain(h, { allowPrivateDomains: true }), asnOf: (ip: string) => (ip === '203.0.113.9' ? 64500 : null) };
    expect(derivedKeys('url:http://a.b.example.co.uk/x', ctx)).toEqual(['domain-name:a.b.example.co.uk', 'domain-name:example.co.uk']);
    expect(derivedKeys('url:http://203.0.113.9/x', ctx)).toEqual(['ipv4-addr:203.0.113.9', 'autonomous-system:64500']);
    expect(derivedKeys('domain-name:example.com', ctx)).toEqual([]);
    expect(derivedKeys('file:md5:00', ctx)).toEqual([]);
  });
});

describe('analysis graph', () => {
  it('CSR drops duplicate pairs', () => {
    const g = csr(3, [0, 0, 0, 2], [1, 1, 2, 0]);
    expect([...neighbours(g, 0)]).toEqual([1, 2]);
    expect([...neighbours(g, 1)]).toEqual([]);
  });

  it('cases reach holders directly and through one pass-through object, within the cap', () => {
    // seq: incidents 1, 2, 3; infrastructure 10; indicator 20 (key k1); observable 21 (key k1); ip 22 (key k2)
    const g = buildGraph(
      {
        cases: [
          { seq: 1, id: 'incident--1', type: 'incident' },
          { seq: 2, id: 'incident--2', type: 'incident' },
          { seq: 3, id: 'malware--3', type: 'malware' },
        ],
        passSeqs: [10],
        passIds: ['infrastructure--10'],
        holderSeq: [20, 21, 22],
        holderKey: ['k1', 'k1', 'k2'],
        edgeA: [1, 2, 3, 10, 1],
        edgeB: [20, 21, 10, 22, 3],
        edgeVia: [null, null, null, null, 'relationship--x'],
      },
      1000,
    );
    expect(g.keys).toEqual(['k1', 'k2']);
    const stamp = new Int32Array(3).fill(-1);
    expect(casesOfHolders(g, neighbours(g.keyHolders, 0), stamp, 0, 10).cases.sort()).toEqual([0, 1]);
    expect(casesOfHolders(g, neighbours(g.keyHolders, 1), stamp, 1, 10).cases).toEqual([2]);
    expect(casesOfHolders(g, neighbours(g.keyHolders, 0), stamp, 2, 1)).toMatchObject({ capped: true });
    expect(g.caseEdges).toEqual([{ a: 0, b: 2, via: 'relationship--x' }]);
  });
});

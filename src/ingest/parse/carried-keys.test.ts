import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../../test/support/shared-data.ts';
import { createStixValidator } from '../../stix/stix.validator.ts';
import { NO_LIMITS } from '../ingest.limits.ts';
import { keysOf } from '../prepare.ts';
import { patternKeys } from '../../observables/pattern.keys.ts';
import { observableKeys } from '../../observables/observable.factory.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { carriedKeys } from './carried-keys.ts';
import { ParsePool } from './parse.pool.ts';
import { runParse } from './parse.task.ts';

// Issue 17: the keys an indicator's pattern matches on are derived on the parse worker and carried to the main thread;
// they must be those the main thread derives itself, for every pattern the repository's tests and the real data hold.
const schemaDir = hasSharedData() ? sharedData('stix/schemas') : undefined;
const validator = createStixValidator(schemaDir);
const T = '2026-11-01T00:00:00.000Z';
const here = import.meta.dirname;

// The patterns written in the pattern tests (double-quoted and template literals starting with "[" or "(").
function testPatterns(): string[] {
  const out: string[] = [];
  for (const f of ['pattern.keys.test.ts', 'pattern.parser.test.ts']) {
    const text = readFileSync(path.join(here, '../../observables', f), 'utf8');
    for (const m of text.matchAll(/"((?:[^"\\\n]|\\.)*)"/g)) {
      const s = JSON.parse(`"${m[1]!.replace(/\\'/g, "'")}"`) as string;
      if (/^\(*\[/.test(s)) out.push(s);
    }
    for (const m of text.matchAll(/`([^`$\\]*)`/g)) if (/^\(*\[/.test(m[1]!)) out.push(m[1]!);
  }
  return out;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

// The patterns of the real data: STIX indicators as published, and those the MISP importer makes of real events.
async function realPatterns(): Promise<string[]> {
  if (!hasSharedData()) return [];
  const out: string[] = [];
  // Indicators wherever they sit in a file (bundles, TAXII collections' data).
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'indicator' && typeof o.pattern === 'string') out.push(o.pattern);
      else for (const x of Object.values(o)) walk(x);
    }
  };
  for (const f of filesUnder(sharedData('stix')).filter((f) => f.endsWith('.json') && !f.includes('/schemas/'))) {
    try {
      walk(JSON.parse(readFileSync(f, 'utf8')));
    } catch {
      // A file kept to test hostile input is not JSON.
    }
  }
  for (const f of readdirSync(sharedData('misp/events')).filter((f) => f.endsWith('.json'))) {
    const parsed = await runParse(readFileSync(sharedData('misp/events', f)), { format: 'misp', lenient: true, limits: NO_LIMITS }, validator).catch(() => null);
    if (parsed) walk(parsed.objects);
  }
  return out;
}

// keysOf as it was before keys were carried: the pattern parsed on this thread.
function derivedHere(o: StixObject): { keys: readonly string[]; patternUsable: boolean | null } {
  if (o.type !== 'indicator') return { keys: o.type === 'malware' ? [] : observableKeys(o), patternUsable: null };
  if (o.pattern_type !== 'stix' || typeof o.pattern !== 'string') return { keys: [], patternUsable: false };
  const r = patternKeys(o.pattern);
  return { keys: r.usable ? r.keys : [], patternUsable: r.usable };
}

const indicator = (i: number, pattern: string) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${crypto.randomUUID()}`, created: T, modified: T, name: `p ${i}`, pattern, pattern_type: 'stix', valid_from: T });

describe('keys carried from the parse worker', () => {
  const pools: ParsePool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it('are those the main thread derives, for every pattern of the pattern tests and the real data', async () => {
    const patterns = [...new Set([...testPatterns(), ...(await realPatterns())])];
    expect(patterns.length).toBeGreaterThan(hasSharedData() ? 400 : 25); // without ../shared: the pattern tests' own
    // Indicators of every pattern, with an SDO and an SCO between them (their keys are not carried).
    const objects: unknown[] = patterns.map((p, i) => indicator(i, p));
    objects.push({ type: 'ipv4-addr', spec_version: '2.1', id: `ipv4-addr--${crypto.randomUUID()}`, value: '198.51.100.7' });
    objects.push({ type: 'malware', spec_version: '2.1', id: `malware--${crypto.randomUUID()}`, created: T, modified: T, name: 'x', is_family: true });
    const body = Buffer.from(JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects }));
    const pool = new ParsePool({ size: 1, inlineBelow: 0, memoryMb: 512, timeoutMs: 120_000, schemaDir }, validator);
    pools.push(pool);
    const slices = pool.parseStream(body, { format: 'stix', lenient: true, limits: NO_LIMITS }, 50);
    let indicators = 0;
    let usable = 0;
    for (let r = await slices.next(); !r.done; r = await slices.next()) {
      for (const o of r.value.objects) {
        // What the main thread derives itself (keysOf without anything carried: carriedKeys is by pattern, so asking
        // keysOf again with a copy would only find the carried keys once more).
        const fresh = derivedHere(o);
        expect(keysOf(o), String(o.pattern ?? o.type)).toEqual(fresh);
        if (o.type !== 'indicator') continue;
        expect(carriedKeys(o.pattern as string), o.pattern as string).toBeDefined();
        indicators++;
        if (fresh.patternUsable) usable++;
      }
    }
    // The invalid patterns of the tests are refused by validation; the others all came through.
    expect(indicators).toBeGreaterThan(patterns.length / 2);
    expect(usable).toBeGreaterThan(hasSharedData() ? 50 : 5);
  });
  it('come with the slices of a feed file too: the same keys for every line the CSV importer reads', async () => {
    const lines = ['value,type,comment', '198.51.100.7,ipv4-addr,scan', '2001:db8::1,ipv6-addr,', '198.51.100.0/24,ipv4-addr,net', 'Evil.Example.COM,domain-name,', 'http://evil.example/Login.php?a=1&b=2,url,kit',
      'd41d8cd98f00b204e9800998ecf8427e,md5,', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,sha256,', 'mallory@evil.example,email-addr,', "o'brien.example.net,domain-name,quote", 'xn--80ak6aa92e.example,domain-name,idn', ''];
    const pool = new ParsePool({ size: 1, inlineBelow: 0, memoryMb: 512, timeoutMs: 120_000, schemaDir }, validator);
    pools.push(pool);
    const slices = pool.parseStream(Buffer.from(lines.join('\n')), { format: 'csv', lenient: true, limits: NO_LIMITS }, 4);
    let indicators = 0;
    for (let r = await slices.next(); !r.done; r = await slices.next()) {
      expect(r.value.patternKeys).toHaveLength(r.value.objects.length);
      for (const o of r.value.objects) {
        expect(keysOf(o), String(o.pattern ?? o.type)).toEqual(derivedHere(o));
        if (o.type !== 'indicator') continue;
        expect(carriedKeys(o.pattern as string), o.pattern as string).toBeDefined();
        indicators++;
      }
    }
    expect(indicators).toBeGreaterThanOrEqual(7); // a line the importer cannot use (a hash type it does not name so) makes no indicator
  });
});

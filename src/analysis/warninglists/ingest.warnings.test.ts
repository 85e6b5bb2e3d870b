import { describe, expect, it } from 'vitest';
import type { PreparedObject } from '../../store/knowledge.writer.ts';
import { ingestWarnings, MAX_LISTED, WarninglistReview } from './ingest.warnings.ts';
import type { WarninglistHit } from './warninglist.matcher.ts';

// Values ending in ".listed" are on one list; "8.8.8.8" on two.
const matchAll = (key: string): WarninglistHit[] => {
  const hit = (list: string): WarninglistHit => ({ list, name: list, scopes: ['warn'] }) as unknown as WarninglistHit;
  if (key === 'ipv4-addr:8.8.8.8') return [hit('resolvers'), hit('google')];
  return key.endsWith('.listed') ? [hit('tests')] : [];
};
const objectWith = (...keys: string[]): PreparedObject => ({ record: { keys } }) as unknown as PreparedObject;
const named = (id: string, ...keys: string[]): PreparedObject => ({ record: { id, keys } }) as unknown as PreparedObject;
const wrote = (id: string, how: 'inserted' | 'changed' | 'kept') => ({ object_id: id, inserted: how === 'inserted', changed: how === 'changed' });

describe('WarninglistReview', () => {
  it('gives each listed value of the ingest once across slices, with its lists, and counts them all', () => {
    const review = new WarninglistReview(matchAll);
    review.add([objectWith('domain-name:a.listed'), objectWith('domain-name:a.listed', 'ipv4-addr:8.8.8.8'), objectWith('domain-name:free.example')]);
    expect([...review.takeListed()]).toEqual([
      ['domain-name:a.listed', ['tests']],
      ['ipv4-addr:8.8.8.8', ['resolvers', 'google']],
    ]);
    expect(review.takeListed().size).toBe(0);
    // The next slice repeats one listed value and brings a new one: only the new one is given.
    review.add([objectWith('ipv4-addr:8.8.8.8'), objectWith('domain-name:b.listed')]);
    expect([...review.takeListed().keys()]).toEqual(['domain-name:b.listed']);
    expect(review.warnings().map((w) => w.where)).toEqual(['domain-name a.listed', 'ipv4-addr 8.8.8.8', 'domain-name b.listed']);
  });

  it('counts past MAX_LISTED the values it no longer holds, each once, as ingestWarnings does for the whole file', () => {
    const slices = Array.from({ length: 5 }, (_, s) => Array.from({ length: 300 }, (_, i) => objectWith(`domain-name:v${(s * 300 + i) % 1000}.listed`)));
    const review = new WarninglistReview(matchAll);
    let taken = 0;
    for (const slice of slices) {
      review.add(slice);
      taken += review.takeListed().size;
    }
    expect(taken).toBe(1000);
    const warnings = review.warnings();
    expect(warnings).toHaveLength(MAX_LISTED + 1);
    expect(warnings.at(-1)!.reason).toMatch(/^800 more value\(s\) on warninglists/);
    expect(warnings).toEqual(ingestWarnings(matchAll, slices.flat()));
  });

  it('takes the values of a written slice only, and of them those of objects written new or changed (issue 17: a re-import records no hit again)', () => {
    const review = new WarninglistReview(matchAll);
    const first = [named('a', 'domain-name:a.listed'), named('b', 'domain-name:b.listed', 'ipv4-addr:8.8.8.8'), named('c', 'domain-name:c.listed'), named('d', 'domain-name:free.example')];
    const next = [named('e', 'domain-name:e.listed')];
    review.add(first);
    review.add(next); // the next slice is reviewed before the first one's write is taken up
    // a: kept as stored; b: changed; c: kept, but its value is also a new object's (f); d: not listed.
    const slice = { objects: [...first, named('f', 'domain-name:c.listed')], contributions: [wrote('a', 'kept'), wrote('b', 'changed'), wrote('c', 'kept'), wrote('d', 'inserted'), wrote('f', 'inserted')] };
    expect([...review.takeListed(slice).keys()]).toEqual(['domain-name:b.listed', 'ipv4-addr:8.8.8.8', 'domain-name:c.listed']);
    // The kept object's value is forgotten, the next slice's stays for its own write.
    expect([...review.takeListed({ objects: next, contributions: [wrote('e', 'inserted')] }).keys()]).toEqual(['domain-name:e.listed']);
    expect(review.takeListed().size).toBe(0);
    // A slice wholly kept (an unchanged re-import) takes nothing, and leaves nothing behind.
    const again = new WarninglistReview(matchAll);
    again.add(first);
    expect(again.takeListed({ objects: first, contributions: first.map((o) => wrote(o.record.id, 'kept')) }).size).toBe(0);
    expect(again.takeListed().size).toBe(0);
    // The warnings still name every listed value.
    expect(again.warnings().map((w) => w.where)).toEqual(['domain-name a.listed', 'domain-name b.listed', 'ipv4-addr 8.8.8.8', 'domain-name c.listed']);
  });
});

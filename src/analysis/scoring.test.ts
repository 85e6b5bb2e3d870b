import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applySetting, DEFAULT_ANALYSIS_SETTINGS as S, mergeSettings, settingsJson } from './analysis.settings.ts';
import { camelCaseKeys } from '../../test/support/casing.ts';
import { indicatorKind, isActiveIndicator, lifecycleScore } from './lifecycle.ts';
import { corroborate, priorityScore, rootScore, type ClusterFacts, type RootFacts } from './scoring.ts';

const now = new Date('2026-11-23T00:00:00Z');
const daysAgo = (d: number): Date => new Date(now.getTime() - d * 86_400_000);

describe('lifecycle', () => {
  const base = { kind: 'ipv4-addr', confidence: 80, revoked: false, validUntil: null, modified: now, sightings: 0, lastSighting: null };

  it('IPs age in days, domains in weeks, hashes never', () => {
    expect(lifecycleScore({ ...base, modified: daysAgo(7) }, now, S).score).toBeCloseTo(40);
    expect(lifecycleScore({ ...base, kind: 'domain-name', modified: daysAgo(28) }, now, S).score).toBeCloseTo(40);
    expect(lifecycleScore({ ...base, kind: 'file', modified: daysAgo(3650) }, now, S).score).toBe(80);
    expect(isActiveIndicator({ ...base, modified: daysAgo(21) }, now, S)).toBe(false); // 80/8 = 10 < 20
    expect(isActiveIndicator({ ...base, kind: 'domain-name', modified: daysAgo(21) }, now, S)).toBe(true);
  });

  it('sightings raise the score and restart the clock', () => {
    const old = { ...base, modified: daysAgo(21) };
    expect(lifecycleScore({ ...old, sightings: 3 }, now, S).score).toBeCloseTo(10 + 20);
    expect(isActiveIndicator({ ...old, sightings: 1, lastSighting: daysAgo(1) }, now, S)).toBe(true);
  });

  it('valid_until and revocation end it whatever the score', () => {
    expect(isActiveIndicator({ ...base, validUntil: daysAgo(1) }, now, S)).toBe(false);
    expect(isActiveIndicator({ ...base, revoked: true }, now, S)).toBe(false);
  });

  it('settings per type; the kind of a pattern is its smallest key type', () => {
    const s = mergeSettings(applySetting({}, 'decay.ipv4-addr=1'));
    expect(lifecycleScore({ ...base, modified: daysAgo(1) }, now, s).score).toBeCloseTo(40);
    expect(mergeSettings(applySetting({}, 'decay.domain-name=never')).decay['domain-name']).toEqual({ halfLifeDays: null });
    expect(indicatorKind(['url:http://a/', 'domain-name:a', 'ipv4-addr:1.2.3.4'])).toBe('domain-name');
    expect(() => applySetting({}, 'nope=1')).toThrow(/unknown setting "nope"/);
    expect(() => applySetting({}, 'tooCommon=-1')).toThrow(/not a non-negative number/);
    expect(mergeSettings({ tooCommon: 'lots', minEvidence: 2 })).toMatchObject({ tooCommon: 1000, minEvidence: 2 });
  });

  it('settings print and are set in snake_case, like every JSON field', () => {
    const printed = settingsJson(mergeSettings(applySetting(applySetting({}, 'too_common=5'), 'key_weights.url=0.8')));
    expect(camelCaseKeys(printed)).toEqual([]);
    expect(printed).toMatchObject({ too_common: 5, key_weights: { url: 0.8 }, decay: { 'ipv4-addr': { half_life_days: 7 } }, default_decay: { half_life_days: 90 } });
    expect(mergeSettings(applySetting({}, 'tooCommon=7')).tooCommon).toBe(7);
    expect(() => applySetting({}, 'too_common=x')).toThrow('too_common: "x" is not a non-negative number');
  });
});

describe('scores', () => {
  const root: RootFacts = { kind: 'ipv4-addr', incidents: 7, malware: 1, reports: 0, sightings: 0, orgs: 7, sectors: 2, lastSeen: now, direct: true };

  it('root source: explained term by term', () => {
    const r = rootScore(root, now, 30);
    expect(r.score).toBe(21 + 3 + 12 + 4);
    expect(r.terms.find((t) => t.term === 'organisations')).toMatchObject({ value: 7, points: 12 });
    expect(rootScore({ ...root, kind: 'autonomous-system', direct: false }, now, 30).score).toBeCloseTo(40 * 0.5 * 0.8);
  });

  it('priority: damage log-scaled, breadth, recency, confidence', () => {
    const f: ClusterFacts = { amountJpy: 99, victims: 9, records: 0, incidents: 2, orgs: 2, sectors: 1, lastSeen: now, confidence: 1 };
    const p = priorityScore(f, now, 30);
    expect(p.score).toBeCloseTo(20 + 5 + 0 + 4 + 5 + 0);
    expect(priorityScore({ ...f, lastSeen: daysAgo(30), confidence: 0 }, now, 30).score).toBeCloseTo(34 * 0.75 * 0.5);
    expect(corroborate([50, 50])).toBeCloseTo(0.75);
  });

  it('a subset of the evidence never scores more than the whole (the hub bound)', () => {
    const nat = fc.integer({ min: 0, max: 50 });
    fc.assert(
      fc.property(nat, nat, nat, nat, nat, nat, fc.integer({ min: 0, max: 400 }), fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), (i, m, r, s, o, sec, age, direct, frac) => {
        const whole: RootFacts = { kind: 'domain-name', incidents: i, malware: m, reports: r, sightings: s, orgs: o, sectors: sec, lastSeen: daysAgo(age), direct: true };
        const part: RootFacts = { ...whole, incidents: Math.floor(i * frac), orgs: Math.floor(o * frac), lastSeen: daysAgo(age + 3), direct };
        expect(rootScore(part, now, 30).score).toBeLessThanOrEqual(rootScore(whole, now, 30).score + 1e-9);
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { ObservableIndex, type IndexedContribution, type KeyMatch } from './observable.index.ts';
import { contributionPredicate, countablePredicate } from '../access/visibility.policy.ts';
import { PUBLIC_VIEWER, type AnyViewer, type Viewer } from '../access/viewer.ts';
import { TLP_LEVELS } from '../trust/tlp.ts';
import { guessKind, keyByGuess } from './guess-kind.ts';
import type { Tlp } from '../db/schema.ts';

// A deterministic generator, so a failure replays.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

const ORGS = Array.from({ length: 6 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);
const LAW_ENFORCEMENT = ORGS[5]!;
const GROUP = '00000000-0000-4000-9000-000000000001';
const USERS = ORGS.map((_, i) => `00000000-0000-4000-a000-00000000000${i}`);
const KEYS = Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? `domain-name:例${i}.jp` : `ipv4-addr:198.51.100.${i}`));
const OBJECTS = Array.from({ length: 25 }, (_, i) => `ipv4-addr--${String(i).padStart(8, '0')}-0000-5000-8000-000000000000`);

const member = (org: number, extra: Partial<Viewer> = {}): Viewer => ({ kind: 'user', userId: USERS[org]!, orgId: ORGS[org]!, orgKind: 'industry', sector: 'finance', role: 'member', ndaAccepted: true, groupIds: [], keyId: null, ...extra });
const VIEWERS: AnyViewer[] = [PUBLIC_VIEWER, member(0), member(1, { groupIds: [GROUP] }), member(2, { ndaAccepted: false }), member(3, { role: 'hub_analyst' }), member(4)];

// The reference: the policy applied to the live contributions directly, as the SQL read paths do.
function expected(viewer: AnyViewer, live: ReadonlyMap<number, { c: IndexedContribution; keys: string[] }>, key: string): KeyMatch | null {
  const visible = contributionPredicate(viewer);
  const countable = countablePredicate(viewer);
  const objects = new Map<string, number>();
  const orgs = new Set<string>();
  for (const { c, keys } of live.values()) {
    if (!keys.includes(key) || c.revoked) continue;
    const scope = { ...c, allowCount: c.allowCount };
    const seen = visible(scope);
    if (seen) objects.set(c.objectId, Math.min(objects.get(c.objectId) ?? 9, TLP_LEVELS.indexOf(c.tlp)));
    if (seen || (c.orgId !== LAW_ENFORCEMENT && countable(scope))) orgs.add(c.orgId);
  }
  if (objects.size === 0) return null;
  const sectors = [...new Set([...orgs].map((o) => (o === LAW_ENFORCEMENT ? 'law_enforcement' : ORGS.indexOf(o) % 2 ? 'finance' : 'telecom')))].sort();
  return { key, objects: [...objects].map(([id, rank]) => ({ id, type: 'ipv4-addr', tlp: TLP_LEVELS[rank]! })), org_count: orgs.size, sectors };
}

const sorted = (m: KeyMatch | null) => m && { ...m, objects: [...m.objects].sort((a, b) => a.id.localeCompare(b.id)) };

describe('ObservableIndex', () => {
  it('answers every viewer as the policy does, through additions, replacements, revocations and removals', () => {
    const next = rng(17);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const index = new ObservableIndex();
    ORGS.forEach((o, i) => index.setOrg(o, o === LAW_ENFORCEMENT ? 'law_enforcement' : i % 2 ? 'finance' : 'telecom'));
    const live = new Map<number, { c: IndexedContribution; keys: string[] }>();
    const mismatches: string[] = [];
    for (let step = 1; step <= 3_000; step++) {
      const dbId = 1 + Math.floor(next() * 400);
      if (next() < 0.15) {
        const was = live.get(dbId);
        index.remove(dbId, was?.c.objectId ?? OBJECTS[0]!);
        live.delete(dbId);
      } else {
        const org = Math.floor(next() * ORGS.length);
        const tlp = pick<Tlp>(['clear', 'green', 'green', 'amber', 'amber+strict', 'red']);
        const c: IndexedContribution = {
          dbId,
          objectId: live.get(dbId)?.c.objectId ?? pick(OBJECTS),
          orgId: ORGS[org]!,
          userId: next() < 0.8 ? USERS[org]! : null,
          tlp,
          anonymous: next() < 0.2,
          allowCount: next() < 0.5,
          recipientOrgs: next() < 0.3 ? [pick(ORGS)] : [],
          recipientGroups: next() < 0.2 ? [GROUP] : [],
          recipientUsers: next() < 0.2 ? [pick(USERS)] : [],
          revoked: next() < 0.1,
        };
        const keys = Array.from({ length: Math.floor(next() * 4) }, () => pick(KEYS));
        index.add(c, keys);
        if (keys.length) live.set(dbId, { c, keys });
        else live.delete(dbId);
      }
      if (step % 100 !== 0) continue;
      for (const viewer of VIEWERS)
        for (const key of KEYS) {
          const got = JSON.stringify(sorted(index.match(viewer, key)));
          const want = JSON.stringify(sorted(expected(viewer, live, key)));
          if (got !== want) mismatches.push(`step ${step} ${viewer.kind === 'user' ? viewer.orgId : 'public'} ${key}: ${got} ≠ ${want}`);
        }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(index.size).toBe(KEYS.length);
  });

  it('knows a key that was indexed and no key that was not, down to the last character', () => {
    const index = new ObservableIndex();
    index.add({ dbId: 1, objectId: OBJECTS[0]!, orgId: ORGS[0]!, userId: null, tlp: 'clear', anonymous: false, allowCount: true, recipientOrgs: [], recipientGroups: [], recipientUsers: [] }, ['ipv4-addr:10.0.0.1']);
    expect(index.hasKey('ipv4-addr:10.0.0.1')).toBe(true);
    expect(index.hasKey('ipv4-addr:10.0.0.10')).toBe(false);
    expect(index.match(PUBLIC_VIEWER, 'ipv4-addr:10.0.0.1')?.objects).toEqual([{ id: OBJECTS[0], type: 'ipv4-addr', tlp: 'clear' }]);
    expect(index.match(PUBLIC_VIEWER, 'ipv4-addr:10.0.0.')).toBeNull();
  });
});

describe('ObservableIndex ids', () => {
  it('answers an id that is not type--UUID as it was given, and tells it from packed ones', () => {
    const index = new ObservableIndex();
    const base = { orgId: ORGS[0]!, userId: null, tlp: 'clear' as const, anonymous: false, allowCount: true, recipientOrgs: [], recipientGroups: [], recipientUsers: [] };
    index.add({ ...base, dbId: 1, objectId: 'x-odd--not-a-uuid' }, ['ipv4-addr:10.0.0.1']);
    index.add({ ...base, dbId: 2, objectId: OBJECTS[1]! }, ['ipv4-addr:10.0.0.1']);
    const m = index.match(PUBLIC_VIEWER, 'ipv4-addr:10.0.0.1');
    expect(m?.objects.map((o) => [o.id, o.type]).sort()).toEqual([
      [OBJECTS[1], 'ipv4-addr'],
      ['x-odd--not-a-uuid', 'x-odd'],
    ]);
  });
});

describe('ObservableIndex.lookupValues', () => {
  it('answers raw values, hostile ones included, as guessKind and match do and as the policy does, for every viewer', () => {
    const next = rng(29);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const keys = [...Array.from({ length: 30 }, (_, i) => `ipv4-addr:${i % 7 === 0 ? 0 : 198}.51.100.${i}`), 'ipv4-addr:255.255.255.255', 'ipv4-addr:198.51.100.0/24', 'domain-name:evil.example', 'domain-name:xn--r8jz45g.jp', 'url:http://evil.example/a'];
    const index = new ObservableIndex();
    ORGS.forEach((o, i) => index.setOrg(o, o === LAW_ENFORCEMENT ? 'law_enforcement' : i % 2 ? 'finance' : 'telecom'));
    const live = new Map<number, { c: IndexedContribution; keys: string[] }>();
    for (let dbId = 1; dbId <= 300; dbId++) {
      const org = Math.floor(next() * ORGS.length);
      const c: IndexedContribution = {
        dbId,
        objectId: pick(OBJECTS),
        orgId: ORGS[org]!,
        userId: next() < 0.8 ? USERS[org]! : null,
        tlp: pick<Tlp>(['clear', 'green', 'amber', 'amber', 'amber+strict', 'red']),
        anonymous: next() < 0.2,
        allowCount: next() < 0.5,
        recipientOrgs: next() < 0.15 ? [pick(ORGS)] : [],
        recipientGroups: next() < 0.1 ? [GROUP] : [],
        recipientUsers: next() < 0.1 ? [pick(USERS)] : [],
        revoked: next() < 0.05,
      };
      const ks = Array.from({ length: 1 + Math.floor(next() * 2) }, () => pick(keys));
      index.add(c, ks);
      live.set(dbId, { c, keys: ks });
      // Some are withdrawn or replaced, so dead entries sit in the chains.
      if (next() < 0.1) {
        index.remove(dbId, c.objectId);
        live.delete(dbId);
      }
    }
    const values = ['198.51.100.3', '0.51.100.7', '255.255.255.255', '198.51.100[.]3', ' 198.51.100.3', '198.51.100.3 ', '198.51.100.03', '198.051.100.3', '198.51.100.3/32', '198.51.100.3/24',
      '198.51.100.0/24', '198.51.100.999', '198.51.100', '198.51.100.3.', '１98.51.100.3', '198.51.100.3\n', 'evil.example', 'EVIL[.]example', 'hxxp://evil[.]example/a', '例え.jp', 'xn--r8jz45g.jp',
      '', ' ', '::', 'not a value', '198.51.100.31', '10.0.0.1', '\ud800'];
    for (let i = 0; i < 400; i++) values.push(`${pick(['198', '0', '255', '198'])}.51.100.${Math.floor(next() * 40)}`);
    const mismatches: string[] = [];
    for (const viewer of [...VIEWERS, member(1, { groupIds: [GROUP], ndaAccepted: false }), member(0, { groupIds: [GROUP] })]) {
      const got = index.lookupValues(viewer, values);
      // The plain path: guessKind, then one match per value.
      const plain = values.flatMap((value) => {
        const key = guessKind(value);
        const m = key === null ? null : index.match(viewer, key);
        return m ? [{ value, ...m }] : [];
      });
      // The reference: the full guessing path (no dotted-quad shortcut) and the policy applied to the live contributions.
      const reference = values.flatMap((value) => {
        const key = keyByGuess(value);
        const m = key === null ? null : sorted(expected(viewer, live, key));
        return m ? [{ value, ...m }] : [];
      });
      const who = viewer.kind === 'user' ? `${viewer.orgId}/${viewer.role}/${viewer.ndaAccepted}` : 'public';
      if (JSON.stringify(got.items) !== JSON.stringify(plain)) mismatches.push(`${who}: fast path ≠ plain path`);
      if (JSON.stringify(got.items.map(sorted)) !== JSON.stringify(reference)) mismatches.push(`${who}: ≠ reference ${JSON.stringify(got.items).slice(0, 300)} ≠ ${JSON.stringify(reference).slice(0, 300)}`);
      expect(got.invalid).toBe(values.filter((v) => keyByGuess(v) === null).length);
      expect(got.items.length).toBeGreaterThan(0);
    }
    expect(mismatches).toEqual([]);
  });
});

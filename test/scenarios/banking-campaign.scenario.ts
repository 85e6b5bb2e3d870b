import { readFileSync } from 'node:fs';
import type { Sector, Tlp } from '../../src/db/schema.ts';
import { makeObservable, type ValueKind } from '../../src/observables/observable.factory.ts';
import { withDamage } from '../../src/stix/extensions.ts';
import type { StixObject } from '../../src/stix/stix.types.ts';
import { sharedData } from '../support/shared-data.ts';

// A reproducible scenario with known answers (issue 5): a banking-trojan campaign reported by five
// banks (AMBER, two of them anonymously) and two manufacturers (GREEN), every incident pointing at
// one C2 server, hidden among thousands of unrelated indicators from the real feeds in
// ../shared/data/feeds; a public DNS resolver (8.8.8.8) that every incident touches; a small
// unrelated cluster of two incidents; and unrelated single incidents. Same seed, same scenario.

/** Mulberry32: a small seeded PRNG, enough for reproducible test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuid(r: () => number): string {
  const h = Array.from({ length: 32 }, () => Math.floor(r() * 16).toString(16));
  h[12] = '4';
  h[16] = '89ab'[Math.floor(r() * 4)]!;
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** One organisation of the scenario and how it shares its campaign report. */
export interface ScenarioOrg {
  readonly name: string;
  readonly sector: Sector;
  readonly tlp: Tlp;
  readonly anonymous: boolean;
  /** Shares its AMBER report with the banks' sharing group (A, B, D). */
  readonly toGroup: boolean;
}

/** One ingest: which organisation, how, what. */
export interface Submission {
  readonly org: number;
  readonly tlp: Tlp;
  readonly anonymous: boolean;
  readonly toGroup: boolean;
  readonly objects: StixObject[];
}

/** The scenario and its known answers. */
export interface Scenario {
  readonly orgs: readonly ScenarioOrg[];
  /** Organisations in the banks' sharing group (indexes). */
  readonly group: readonly number[];
  readonly submissions: readonly Submission[];
  readonly c2: string;
  readonly resolver: string;
  readonly campaign: { readonly incidents: readonly string[]; readonly incidentOf: readonly string[]; readonly malware: string; readonly amountJpy: number; readonly victims: number };
  readonly pair: { readonly incidents: readonly string[]; readonly value: string; readonly amountJpy: number };
  readonly noise: { readonly values: number; readonly incidents: number };
}

const SUFFIX = ['Bank', 'Bank', 'Bank', 'Bank', 'Bank', 'Motors', 'Electronics'];

/** Values from the real feeds: IPs (IPsum, ThreatFox), Emotet domains (Maltrail), JPCERT phishing URLs. */
export function feedValues(): { kind: ValueKind; value: string }[] {
  const lines = (...p: string[]) => readFileSync(sharedData('feeds', ...p), 'utf8').split('\n');
  const out: { kind: ValueKind; value: string }[] = [];
  for (const l of lines('ipsum', 'ipsum.txt')) if (/^\d/.test(l)) out.push({ kind: 'ipv4-addr', value: l.split('\t')[0]! });
  for (const l of lines('abusech', 'threatfox-ips.txt')) if (/^\d/.test(l)) out.push({ kind: 'ipv4-addr', value: l.split(':')[0]!.trim() });
  for (const l of lines('maltrail', 'emotet.txt')) if (/^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$/i.test(l.trim())) out.push({ kind: 'domain-name', value: l.trim() });
  for (const l of lines('jpcert-phishurl', '202306.csv')) {
    const url = l.split(',')[1];
    if (url?.startsWith('http')) out.push({ kind: 'url', value: url });
  }
  return out;
}

/**
 * Builds the scenario. `noiseValues` values from the feeds are spread over the organisations (GREEN),
 * `noiseIncidents` unrelated incidents each touch two of them and the resolver.
 * @example const s = bankingCampaign(7, { noiseValues: 3000, noiseIncidents: 30 })
 */
export function bankingCampaign(seed: number, o: { noiseValues: number; noiseIncidents: number; now?: Date }): Scenario {
  const r = rng(seed);
  const now = (o.now ?? new Date()).toISOString();
  const orgs: ScenarioOrg[] = SUFFIX.map((suffix, i) => ({
    name: `${String.fromCharCode(65 + i)} ${suffix} ${seed}`,
    sector: i < 5 ? 'finance' : 'critical_infrastructure',
    tlp: i < 5 ? 'amber' : 'green',
    anonymous: i === 3 || i === 4,
    toGroup: i === 0 || i === 1 || i === 3,
  }));
  const feeds = feedValues();
  const known = new Set(feeds.map((f) => f.value));
  let c2 = '';
  do c2 = `185.${1 + Math.floor(r() * 250)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 250)}`;
  while (known.has(c2));
  const resolver = '8.8.8.8';
  const rel = (type: string, s: string, t: string): StixObject => ({ type: 'relationship', spec_version: '2.1', id: `relationship--${uuid(r)}`, created: now, modified: now, relationship_type: type, source_ref: s, target_ref: t });
  const indicator = (kind: ValueKind, value: string, name: string): StixObject[] => {
    const made = makeObservable(kind, value);
    const pattern = kind === 'url' ? `[url:value = '${made.object.value as string}']` : `[${kind}:value = '${made.object.value as string}']`;
    const ind: StixObject = { type: 'indicator', spec_version: '2.1', id: `indicator--${uuid(r)}`, created: now, modified: now, name, pattern, pattern_type: 'stix', valid_from: now };
    return [ind, made.object, rel('based-on', ind.id, made.object.id)];
  };
  const incident = (name: string, amountJpy: number, victims: number): StixObject =>
    withDamage({ type: 'incident', spec_version: '2.1', id: `incident--${uuid(r)}`, created: now, modified: now, name }, { amountJpy, victims, method: 'internet-banking-fraud' });

  const submissions: Submission[] = [];
  const incidents: string[] = [];
  const incidentOf: string[] = [];
  let amount = 0;
  let victims = 0;
  const malware: StixObject = { type: 'malware', spec_version: '2.1', id: `malware--${uuid(r)}`, created: now, modified: now, name: `BankTrojan-${seed}`, is_family: true, malware_types: ['trojan'] };
  orgs.forEach((org, i) => {
    const amountJpy = 1_000_000 * (5 + Math.floor(r() * 45));
    const v = 1 + Math.floor(r() * 40);
    amount += amountJpy;
    victims += v;
    // Names say nothing of the victim: who reported what is the policy's business, not the text's.
    const inc = incident(`Unauthorised transfers ${i + 1}`, amountJpy, v);
    incidents.push(inc.id);
    incidentOf.push(inc.id);
    const c2Objs = indicator('ipv4-addr', c2, `C2 ${c2}`);
    const dns = indicator('ipv4-addr', resolver, 'DNS resolver seen in the infection chain');
    const objects: StixObject[] = [inc, ...c2Objs, ...dns, rel('related-to', inc.id, c2Objs[0]!.id), rel('related-to', inc.id, dns[0]!.id)];
    // The first manufacturer analysed the sample: the malware and its C2.
    if (i === 5) objects.push(malware, rel('communicates-with', malware.id, c2Objs[1]!.id));
    submissions.push({ org: i, tlp: org.tlp, anonymous: org.anonymous, toGroup: org.toGroup, objects });
  });

  // Noise from the real feeds: each value to one organisation, GREEN, no incident.
  const pool = [...feeds];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const usable: { kind: ValueKind; value: string }[] = [];
  const seen = new Set<string>([c2, resolver]);
  for (const f of pool) {
    if (usable.length >= o.noiseValues + o.noiseIncidents * 2) break;
    try {
      const key = makeObservable(f.kind, f.value).key;
      if (seen.has(key)) continue;
      seen.add(key);
      usable.push(f);
    } catch {
      // Some feed lines do not normalise (a bare TLD, an odd URL): not part of the scenario.
    }
  }
  const noiseObjects: StixObject[][] = orgs.map(() => []);
  usable.slice(0, o.noiseValues).forEach((f, i) => noiseObjects[i % orgs.length]!.push(...indicator(f.kind, f.value, `feed ${f.kind}`)));
  // Unrelated incidents: two values of their own each, and the resolver.
  const rest = usable.slice(o.noiseValues);
  for (let i = 0; i < o.noiseIncidents; i++) {
    const inc = incident(`Unrelated incident ${i}`, 100_000 * (1 + Math.floor(r() * 20)), 1);
    const a = indicator(rest[2 * i]!.kind, rest[2 * i]!.value, 'noise');
    const b = indicator(rest[2 * i + 1]!.kind, rest[2 * i + 1]!.value, 'noise');
    const dns = indicator('ipv4-addr', resolver, 'resolver');
    noiseObjects[i % orgs.length]!.push(inc, ...a, ...b, ...dns, rel('related-to', inc.id, a[0]!.id), rel('related-to', inc.id, b[0]!.id), rel('related-to', inc.id, dns[0]!.id));
  }
  // A small unrelated cluster: two incidents (manufacturers) sharing a ransomware sample's hash.
  const shared = { kind: 'sha256' as ValueKind, value: Array.from({ length: 64 }, () => Math.floor(r() * 16).toString(16)).join('') };
  const pair: string[] = [];
  let pairAmount = 0;
  for (const i of [5, 6]) {
    const amt = 2_000_000;
    pairAmount += amt;
    const inc = incident(`Ransomware ${i}`, amt, 1);
    pair.push(inc.id);
    const made = makeObservable(shared.kind, shared.value);
    const v: StixObject[] = [{ type: 'indicator', spec_version: '2.1', id: `indicator--${uuid(r)}`, created: now, modified: now, name: 'ransomware sample', pattern: `[file:hashes.'SHA-256' = '${shared.value}']`, pattern_type: 'stix', valid_from: now }, made.object];
    v.push(rel('based-on', v[0]!.id, made.object.id));
    const dns = indicator('ipv4-addr', resolver, 'resolver');
    noiseObjects[i]!.push(inc, ...v, ...dns, rel('related-to', inc.id, v[0]!.id), rel('related-to', inc.id, dns[0]!.id));
  }
  noiseObjects.forEach((objects, i) => submissions.push({ org: i, tlp: 'green', anonymous: false, toGroup: false, objects }));
  return {
    orgs,
    group: [0, 1, 3],
    submissions,
    c2,
    resolver,
    campaign: { incidents, incidentOf, malware: malware.id, amountJpy: amount, victims },
    pair: { incidents: pair, value: makeObservable(shared.kind, shared.value).key, amountJpy: pairAmount },
    noise: { values: o.noiseValues, incidents: o.noiseIncidents },
  };
}

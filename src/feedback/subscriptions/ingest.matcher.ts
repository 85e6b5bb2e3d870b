import type { ContributionScope } from '../../access/visibility.policy.ts';
import { mayUnmask } from '../../access/visibility.policy.ts';
import type { Tlp } from '../../db/schema.ts';
import type { IngestCommitted } from '../../ingest/ingest.service.ts';
import type { StoredContribution } from '../../store/contributions.repository.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { TLP_LEVELS } from '../../trust/tlp.ts';
import { MatchCollector, draftOf, type AlertContributor, type AlertDraft } from './alert.draft.ts';
import { keyParts } from './key-parts.ts';
import { domainDisplay, emailDisplay } from '../../observables/domain.normalize.ts';
import { urlDisplay } from '../../observables/url.normalize.ts';
import type { CompiledSubscription, MatchPlan } from './match.plan.ts';
import { sectorFamily } from './sector.families.ts';

/** What the matcher needs from the store beyond the event (batched; run inside the ingest transaction). */
export interface StoreLookups {
  /** type, name, aliases and sectors of objects by id (those found). */
  objectFacts(ids: readonly string[]): Promise<Map<string, ObjectFacts>>;
  /** Which of the organisations contributed which of the objects. */
  contributorsOf(objectIds: readonly string[], orgIds: readonly string[]): Promise<{ object_id: string; org_id: string }[]>;
}

/** The few facts of an object the matcher reads. */
export interface ObjectFacts {
  readonly type: string;
  readonly name: string | null;
  readonly aliases: readonly string[];
  readonly sectors: readonly string[];
}

function scope(c: StoredContribution): ContributionScope & { allowCount: boolean } {
  return { orgId: c.org_id, userId: c.user_id, tlp: c.tlp, recipientOrgs: c.recipient_orgs, recipientGroups: c.recipient_groups, recipientUsers: c.recipient_users, allowCount: c.allow_count };
}

function factsOf(o: StixObject): ObjectFacts {
  const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return { type: o.type, name: typeof o.name === 'string' ? o.name : null, aliases: strs(o.aliases), sectors: strs(o.sectors) };
}

/** The least restrictive TLP among the contributions the subscriber sees, or null when it sees none. */
function visibleTlp(sub: CompiledSubscription, cs: readonly StoredContribution[] | undefined): Tlp | null {
  let best: number | null = null;
  for (const c of cs ?? []) {
    if (!sub.visible(scope(c))) continue;
    const r = TLP_LEVELS.indexOf(c.tlp);
    if (best === null || r < best) best = r;
  }
  return best === null ? null : TLP_LEVELS[best]!;
}

/**
 * Matches one committed ingest against every subscription, within the trust policy: a subscriber
 * hears of an object only through a new contribution its own viewer may see (sightings of what it
 * shared: also through one it may only count, without details). One draft per subscription, with
 * its matches capped and counted.
 * @example const drafts = await matchIngest(plan, event, lookups)
 */
export async function matchIngest(plan: MatchPlan, ev: IngestCommitted, lookups: StoreLookups): Promise<AlertDraft[]> {
  if (plan.subs.length === 0) return [];
  const fresh = new Map<string, StoredContribution[]>();
  for (const c of ev.contributions) {
    if (!c.inserted) continue;
    const list = fresh.get(c.object_id);
    if (list) list.push(c);
    else fresh.set(c.object_id, [c]);
  }
  if (fresh.size === 0) return [];
  const objects = new Map<string, StixObject>();
  const prepared = new Map<string, IngestCommitted['objects'][number]>();
  const keysOf = new Map<string, string[]>();
  for (const p of ev.objects) {
    prepared.set(p.record.id, p);
    if (!fresh.has(p.record.id)) continue;
    objects.set(p.record.id, p.record.data);
    for (const k of p.record.keys) {
      const ids = keysOf.get(k);
      if (!ids) keysOf.set(k, [p.record.id]);
      else if (!ids.includes(p.record.id)) ids.push(p.record.id);
    }
  }
  const collectors = new Map<number, MatchCollector>();
  const collector = (i: number): MatchCollector => {
    let c = collectors.get(i);
    if (!c) collectors.set(i, (c = new MatchCollector()));
    return c;
  };
  const others = (i: number): boolean => plan.subs[i]!.row.org_id !== ev.org.id;
  const matchKey = (i: number, key: string, ids: readonly string[], reason: string): void => {
    const sub = plan.subs[i]!;
    let tlp: Tlp | null = null;
    const seen: string[] = [];
    for (const id of ids) {
      const t = visibleTlp(sub, fresh.get(id));
      if (t === null) continue;
      seen.push(id);
      if (tlp === null || TLP_LEVELS.indexOf(t) < TLP_LEVELS.indexOf(tlp)) tlp = t;
    }
    if (!seen.length) return;
    const parts = keyParts(key);
    // The value as stored (Punycode hosts), and as a person reads it when that differs: a look-alike
    // such as xn--80ak6aa92e.com is only recognisable as "ѕаkurа.com".
    const display = parts.type === 'url' ? urlDisplay(parts.value) : parts.type === 'domain-name' ? domainDisplay(parts.value) : parts.type === 'email-addr' ? emailDisplay(parts.value) : parts.value;
    collector(i).add({ value: parts.value, ...(display !== parts.value ? { display } : {}), type: parts.type, reason, object_ids: seen, tlp });
  };

  // My assets and brand keywords: every key of every new object through one compiled matcher.
  if (plan.byKind.asset.some(others)) {
    for (const [key, ids] of keysOf) for (const hit of plan.asset.match(key)) {
      const i = plan.assetOwners[hit.owner]!;
      if (others(i)) matchKey(i, key, ids, hit.reason);
    }
  }

  const relationships = [...objects.values()].filter((o) => o.type === 'relationship');
  const sightings = [...objects.values()].filter((o) => o.type === 'sighting');
  const refIds = new Set<string>();
  for (const r of relationships) if (typeof r.target_ref === 'string') refIds.add(r.target_ref);
  for (const s of sightings) for (const w of (s.where_sighted_refs as string[] | undefined) ?? []) refIds.add(w);
  const facts = new Map<string, ObjectFacts>();
  const unknown = [...refIds].filter((id) => {
    const o = prepared.get(id)?.record.data;
    if (o) facts.set(id, factsOf(o));
    return !o;
  });
  if (unknown.length && (plan.byKind.indicator.length || plan.byKind.sector.length)) for (const [id, f] of await lookups.objectFacts(unknown)) facts.set(id, f);

  // New indicators of chosen types, or related to chosen groups.
  const indicatorSubs = plan.byKind.indicator.filter(others);
  if (indicatorSubs.length) {
    const related = new Map<string, string[]>();
    for (const r of relationships) if (typeof r.source_ref === 'string' && typeof r.target_ref === 'string') related.set(r.source_ref, [...(related.get(r.source_ref) ?? []), r.target_ref]);
    for (const [id, o] of objects) {
      if (o.type !== 'indicator' || !ev.createdIds.has(id)) continue;
      const p = prepared.get(id);
      const keys = p?.record.keys ?? [];
      const confidence = p?.contribution.confidence ?? p?.record.confidence ?? null;
      const groupNames = (related.get(id) ?? []).flatMap((t) => {
        const f = facts.get(t);
        return [t, ...(f?.name ? [f.name] : []), ...(f?.aliases ?? [])].map((n) => n.toLowerCase());
      });
      for (const i of indicatorSubs) {
        const sub = plan.subs[i]!;
        if (sub.minConfidence !== null && (confidence ?? 0) < sub.minConfidence) continue;
        const group = groupNames.find((n) => sub.groups.has(n));
        if (group) matchKey(i, keys[0] ?? `indicator:${String(o.name ?? id)}`, [id], `related to ${group}`);
        else for (const k of keys) if (sub.types.has(keyParts(k).type)) matchKey(i, k, [id], `new ${keyParts(k).type} indicator`);
      }
    }
  }

  // My sector targeted: "targets" relationships to identities of the sector, sightings by it.
  const sectorSubs = plan.byKind.sector.filter(others);
  if (sectorSubs.length) {
    const hits: { via: string; subject: string; families: Set<string> }[] = [];
    for (const r of relationships) {
      if (r.relationship_type !== 'targets' || typeof r.target_ref !== 'string' || typeof r.source_ref !== 'string') continue;
      const f = facts.get(r.target_ref);
      if (f?.sectors.length) hits.push({ via: r.id, subject: r.source_ref, families: new Set(f.sectors.map(sectorFamily)) });
    }
    for (const s of sightings) {
      const fams = ((s.where_sighted_refs as string[] | undefined) ?? []).flatMap((w) => facts.get(w)?.sectors ?? []).map(sectorFamily);
      if (fams.length && typeof s.sighting_of_ref === 'string') hits.push({ via: s.id, subject: s.sighting_of_ref, families: new Set(fams) });
    }
    for (const h of hits) {
      const subject = objects.get(h.subject);
      const label = String(subject?.name ?? h.subject);
      for (const i of sectorSubs) {
        const sector = [...plan.subs[i]!.sectors].find((s) => h.families.has(s));
        if (sector) matchKey(i, `${subject?.type ?? 'object'}:${label}`, [h.via], 'sector targeted');
      }
    }
  }

  // Sightings of what I shared: through the sighting, or only counted when the sighter did not share it with me.
  const sightSubs = plan.byKind.shared_sighting.filter(others);
  const counted = new Map<number, { n: number; of: Set<string> }>();
  if (sightSubs.length && sightings.length) {
    const targets = new Map<string, string[]>();
    for (const s of sightings) {
      const observed = ((s.observed_data_refs as string[] | undefined) ?? []).flatMap((od) => (objects.get(od)?.object_refs as string[] | undefined) ?? []);
      targets.set(s.id, [...(typeof s.sighting_of_ref === 'string' ? [s.sighting_of_ref] : []), ...observed]);
    }
    const owners = await lookups.contributorsOf([...new Set([...targets.values()].flat())], [...new Set(sightSubs.map((i) => plan.subs[i]!.row.org_id))]);
    for (const s of sightings) {
      const mine = new Set(owners.filter((o) => targets.get(s.id)!.includes(o.object_id)).map((o) => o.org_id));
      const label = String(objects.get(String(s.sighting_of_ref))?.name ?? s.sighting_of_ref);
      for (const i of sightSubs) {
        const sub = plan.subs[i]!;
        if (!mine.has(sub.row.org_id)) continue;
        const cs = fresh.get(s.id) ?? [];
        if (cs.some((c) => sub.visible(scope(c)))) matchKey(i, `sighting:${label}`, [s.id, String(s.sighting_of_ref)], `sighted ${typeof s.count === 'number' ? s.count : 1} time(s)`);
        else if (cs.some((c) => sub.countable(scope(c)))) {
          const k = counted.get(i) ?? { n: 0, of: new Set<string>() };
          k.n++;
          k.of.add(String(s.sighting_of_ref));
          counted.set(i, k);
        }
      }
    }
  }

  const contributor = (sub: CompiledSubscription): AlertContributor | null => {
    const anonymous = ev.contributions.some((c) => c.anonymous);
    const unmask = mayUnmask(sub.viewer, { orgId: ev.org.id, anonymous });
    return { name: unmask ? ev.org.name : null, sector: ev.org.sector ?? ev.org.kind, anonymous };
  };
  const drafts: AlertDraft[] = [];
  const countedDetails = (i: number): Record<string, unknown> => {
    const k = counted.get(i);
    return k ? { counted_only: k.n, sighted_objects: [...k.of] } : {};
  };
  for (const [i, c] of collectors) drafts.push(draftOf(plan.subs[i]!, c, { ingest: ev.ingestId }, contributor(plan.subs[i]!), countedDetails(i)));
  for (const [i, k] of counted) {
    if (collectors.has(i)) continue;
    const c = new MatchCollector();
    c.total = k.n;
    for (const id of k.of) c.objectIds.add(id);
    // The sighter did not share the sighting with this organisation: it learns the count and the sector only.
    drafts.push(draftOf(plan.subs[i]!, c, { ingest: ev.ingestId }, { name: null, sector: ev.org.sector ?? ev.org.kind, anonymous: true }, countedDetails(i)));
  }
  return drafts;
}

import type { ContributionScope } from '../../access/visibility.policy.ts';
import { mayUnmask } from '../../access/visibility.policy.ts';
import type { Tlp } from '../../db/schema.ts';
import type { IngestSlice, IngestStart } from '../../ingest/ingest.service.ts';
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

type Scope = ContributionScope & { allowCount: boolean };

function scope(c: StoredContribution): Scope {
  return { orgId: c.org_id, userId: c.user_id, tlp: c.tlp, recipientOrgs: c.recipient_orgs, recipientGroups: c.recipient_groups, recipientUsers: c.recipient_users, allowCount: c.allow_count };
}

function factsOf(o: StixObject): ObjectFacts {
  const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return { type: o.type, name: typeof o.name === 'string' ? o.name : null, aliases: strs(o.aliases), sectors: strs(o.sectors) };
}

/** The least restrictive TLP among the contributions the subscriber sees, or null when it sees none. */
function visibleTlp(sub: CompiledSubscription, cs: readonly Scope[] | undefined): Tlp | null {
  let best: number | null = null;
  for (const c of cs ?? []) {
    if (!sub.visible(c)) continue;
    const r = TLP_LEVELS.indexOf(c.tlp);
    if (best === null || r < best) best = r;
  }
  return best === null ? null : TLP_LEVELS[best]!;
}

const typeOfId = (id: string): string => id.slice(0, Math.max(0, id.indexOf('--')));
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

interface PendingIndicator {
  readonly id: string;
  readonly keys: readonly string[];
  readonly confidence: number | null;
  readonly name: unknown;
}

interface PendingSighting {
  readonly id: string;
  readonly of: unknown;
  readonly where: readonly string[];
  readonly observed: readonly string[];
  readonly count: unknown;
}

/**
 * Matches one ingest against every subscription, within the trust policy: a subscriber hears of an object only
 * through a new contribution its own viewer may see (sightings of what it shared: also through one it may only
 * count, without details). One draft per subscription, with its matches capped and counted.
 * Given the ingest slice by slice as it is written (issue 17), it keeps only what a match can need once the whole
 * ingest is in — matched values, candidate indicators, relationships and sightings as a few ids — and only for the
 * kinds of subscription someone holds; the drafts are those of the whole ingest at once.
 * @example const m = new IngestMatcher(plan, ingest); m.add(slice); ...; const drafts = await m.drafts(lookups)
 */
export class IngestMatcher {
  readonly #plan: MatchPlan;
  readonly #ev: Pick<IngestStart, 'ingestId' | 'org'>;
  readonly #asset: boolean;
  readonly #indicatorSubs: number[];
  readonly #groups: boolean;
  readonly #sectorSubs: number[];
  readonly #sightSubs: number[];
  // Facts of the objects relationships and sightings point to: the ingest's own version first, else the store's.
  readonly #facts: boolean;
  readonly #inIngest = new Set<string>();
  readonly #factsOf = new Map<string, ObjectFacts>();
  // Fresh objects (a new contribution): the scopes of those a match may name, their names, ids for labels.
  readonly #scopes = new Map<string, Scope[]>();
  readonly #interned = new Map<string, Scope[]>();
  readonly #freshNames = new Map<string, unknown>();
  readonly #freshIds = new Set<string>();
  readonly #freshTypes = new Map<string, string>();
  readonly #assetKeys = new Map<string, { ids: string[]; hits: { i: number; reason: string }[] }>();
  readonly #indicators: PendingIndicator[] = [];
  readonly #related = new Map<string, string[]>();
  readonly #targets: { id: string; source: string; target: string }[] = [];
  readonly #sightings: PendingSighting[] = [];
  readonly #observed = new Map<string, string[]>();
  #anonymous = false;

  constructor(plan: MatchPlan, ev: Pick<IngestStart, 'ingestId' | 'org'>) {
    this.#plan = plan;
    this.#ev = ev;
    const others = (i: number): boolean => plan.subs[i]!.row.org_id !== ev.org.id;
    this.#asset = plan.byKind.asset.some(others);
    this.#indicatorSubs = plan.byKind.indicator.filter(others);
    this.#groups = this.#indicatorSubs.some((i) => plan.subs[i]!.groups.size > 0);
    this.#sectorSubs = plan.byKind.sector.filter(others);
    this.#sightSubs = plan.byKind.shared_sighting.filter(others);
    this.#facts = this.#groups || this.#sectorSubs.length > 0;
  }

  /** Nobody can be alerted of this ingest: nothing to keep. */
  get idle(): boolean {
    return !this.#asset && !this.#indicatorSubs.length && !this.#sectorSubs.length && !this.#sightSubs.length;
  }

  /** The next written slice of the ingest. */
  add(slice: Pick<IngestSlice, 'objects' | 'contributions' | 'createdIds'>): void {
    for (const c of slice.contributions) if (c.anonymous) this.#anonymous = true;
    if (this.idle) return;
    const fresh = new Map<string, Scope[]>();
    for (const c of slice.contributions) {
      if (!c.inserted) continue;
      const list = fresh.get(c.object_id);
      if (list) list.push(scope(c));
      else fresh.set(c.object_id, [scope(c)]);
    }
    // An ingest's contributions mostly share one audience: the scopes kept are shared, not one per object.
    const keep = (id: string): void => {
      const list = fresh.get(id)!;
      const key = JSON.stringify(list);
      let shared = this.#interned.get(key);
      if (!shared) this.#interned.set(key, (shared = list));
      this.#scopes.set(id, shared);
    };
    for (const p of slice.objects) {
      const o = p.record.data;
      const id = p.record.id;
      if (this.#facts) {
        this.#inIngest.add(id);
        const f = factsOf(o);
        if (f.name !== null || f.aliases.length || f.sectors.length) this.#factsOf.set(id, f);
      }
      if (!fresh.has(id)) continue;
      // A sighting names what it sighted, maybe in another slice: its new contributions count (visibility, TLP).
      if (this.#sightSubs.length) keep(id);
      if (this.#sectorSubs.length || this.#sightSubs.length) {
        this.#freshIds.add(id);
        if (o.type !== typeOfId(id)) this.#freshTypes.set(id, o.type);
        if (o.name !== undefined) this.#freshNames.set(id, o.name);
      }
      if (this.#asset) {
        for (const k of new Set(p.record.keys)) {
          const known = this.#assetKeys.get(k);
          if (known) {
            if (!known.ids.includes(id)) known.ids.push(id);
            keep(id);
            continue;
          }
          const hits = this.#plan.asset.match(k).map((h) => ({ i: this.#plan.assetOwners[h.owner]!, reason: h.reason }));
          if (hits.length) {
            this.#assetKeys.set(k, { ids: [id], hits });
            keep(id);
          }
        }
      }
      if (o.type === 'relationship') {
        if (this.#groups && typeof o.source_ref === 'string' && typeof o.target_ref === 'string') {
          const list = this.#related.get(o.source_ref);
          if (list) list.push(o.target_ref);
          else this.#related.set(o.source_ref, [o.target_ref]);
        }
        if (this.#sectorSubs.length && o.relationship_type === 'targets' && typeof o.target_ref === 'string' && typeof o.source_ref === 'string') {
          this.#targets.push({ id, source: o.source_ref, target: o.target_ref });
          keep(id);
        }
      } else if (o.type === 'sighting' && (this.#sectorSubs.length || this.#sightSubs.length)) {
        this.#sightings.push({ id, of: o.sighting_of_ref, where: strings(o.where_sighted_refs), observed: strings(o.observed_data_refs), count: o.count });
        keep(id);
      } else if (o.type === 'observed-data' && this.#sightSubs.length) {
        this.#observed.set(id, strings(o.object_refs));
      } else if (o.type === 'indicator' && this.#indicatorSubs.length && slice.createdIds.has(id)) {
        const keys = p.record.keys;
        const confidence = p.contribution.confidence ?? p.record.confidence ?? null;
        // Without a group to relate it to, an indicator can only match a subscription by its values' types.
        const candidate = this.#groups || this.#indicatorSubs.some((i) => {
          const sub = this.#plan.subs[i]!;
          return (sub.minConfidence === null || (confidence ?? 0) >= sub.minConfidence) && keys.some((k) => sub.types.has(keyParts(k).type));
        });
        if (candidate) {
          this.#indicators.push({ id, keys, confidence, name: o.name });
          keep(id);
        }
      }
    }
  }

  /** The drafts, one per subscription that matched, once the last slice is in. */
  async drafts(lookups: StoreLookups): Promise<AlertDraft[]> {
    const plan = this.#plan;
    const ev = this.#ev;
    if (this.idle) return [];
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
        const t = visibleTlp(sub, this.#scopes.get(id));
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
    for (const [key, { ids, hits }] of this.#assetKeys) for (const hit of hits) if (others(hit.i)) matchKey(hit.i, key, ids, hit.reason);

    const refIds = new Set<string>();
    for (const targets of this.#related.values()) for (const t of targets) refIds.add(t);
    for (const r of this.#targets) refIds.add(r.target);
    for (const s of this.#sightings) for (const w of s.where) refIds.add(w);
    const facts = new Map<string, ObjectFacts>();
    const unknown = [...refIds].filter((id) => {
      const f = this.#factsOf.get(id);
      if (f) facts.set(id, f);
      else if (this.#inIngest.has(id)) facts.set(id, { type: typeOfId(id), name: null, aliases: [], sectors: [] });
      return !this.#inIngest.has(id);
    });
    if (unknown.length && this.#facts) for (const [id, f] of await lookups.objectFacts(unknown)) facts.set(id, f);

    // New indicators of chosen types, or related to chosen groups.
    for (const ind of this.#indicators) {
      const groupNames = (this.#related.get(ind.id) ?? []).flatMap((t) => {
        const f = facts.get(t);
        return [t, ...(f?.name ? [f.name] : []), ...(f?.aliases ?? [])].map((n) => n.toLowerCase());
      });
      for (const i of this.#indicatorSubs) {
        const sub = plan.subs[i]!;
        if (sub.minConfidence !== null && (ind.confidence ?? 0) < sub.minConfidence) continue;
        const group = groupNames.find((n) => sub.groups.has(n));
        if (group) matchKey(i, ind.keys[0] ?? `indicator:${String(ind.name ?? ind.id)}`, [ind.id], `related to ${group}`);
        else for (const k of ind.keys) if (sub.types.has(keyParts(k).type)) matchKey(i, k, [ind.id], `new ${keyParts(k).type} indicator`);
      }
    }

    // The name and type of a new object (labels).
    const label = (id: unknown): string => String((typeof id === 'string' ? this.#freshNames.get(id) : undefined) ?? id);
    const typeOf = (id: string): string => (this.#freshIds.has(id) ? (this.#freshTypes.get(id) ?? typeOfId(id)) : 'object');

    // My sector targeted: "targets" relationships to identities of the sector, sightings by it.
    if (this.#sectorSubs.length) {
      const hits: { via: string; subject: string; families: Set<string> }[] = [];
      for (const r of this.#targets) {
        const f = facts.get(r.target);
        if (f?.sectors.length) hits.push({ via: r.id, subject: r.source, families: new Set(f.sectors.map(sectorFamily)) });
      }
      for (const s of this.#sightings) {
        const fams = s.where.flatMap((w) => facts.get(w)?.sectors ?? []).map(sectorFamily);
        if (fams.length && typeof s.of === 'string') hits.push({ via: s.id, subject: s.of, families: new Set(fams) });
      }
      for (const h of hits) {
        for (const i of this.#sectorSubs) {
          const sector = [...plan.subs[i]!.sectors].find((s) => h.families.has(s));
          if (sector) matchKey(i, `${typeOf(h.subject)}:${label(h.subject)}`, [h.via], 'sector targeted');
        }
      }
    }

    // Sightings of what I shared: through the sighting, or only counted when the sighter did not share it with me.
    const counted = new Map<number, { n: number; of: Set<string> }>();
    if (this.#sightSubs.length && this.#sightings.length) {
      const targets = new Map<string, string[]>();
      for (const s of this.#sightings) {
        const observed = s.observed.flatMap((od) => this.#observed.get(od) ?? []);
        targets.set(s.id, [...(typeof s.of === 'string' ? [s.of] : []), ...observed]);
      }
      const owners = await lookups.contributorsOf([...new Set([...targets.values()].flat())], [...new Set(this.#sightSubs.map((i) => plan.subs[i]!.row.org_id))]);
      for (const s of this.#sightings) {
        const mine = new Set(owners.filter((o) => targets.get(s.id)!.includes(o.object_id)).map((o) => o.org_id));
        for (const i of this.#sightSubs) {
          const sub = plan.subs[i]!;
          if (!mine.has(sub.row.org_id)) continue;
          const cs = this.#scopes.get(s.id) ?? [];
          if (cs.some((c) => sub.visible(c))) matchKey(i, `sighting:${label(s.of)}`, [s.id, String(s.of)], `sighted ${typeof s.count === 'number' ? s.count : 1} time(s)`);
          else if (cs.some((c) => sub.countable(c))) {
            const k = counted.get(i) ?? { n: 0, of: new Set<string>() };
            k.n++;
            k.of.add(String(s.of));
            counted.set(i, k);
          }
        }
      }
    }

    const anonymous = this.#anonymous;
    const contributor = (sub: CompiledSubscription): AlertContributor | null => {
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
}

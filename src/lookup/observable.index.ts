import type { Sector, Tlp } from '../db/schema.ts';
import { compareHeads, contributionPredicate, countablePredicate, quickVerdicts, type ContributionScope, type HeadRank } from '../access/visibility.policy.ts';
import type { AnyViewer } from '../access/viewer.ts';
import { TLP_LEVELS } from '../trust/tlp.ts';
import { GrowableInt32, Interner } from './growable.ts';
import { PackedIds } from './packed-ids.ts';

/** One contribution as the index receives it (from the database or from an ingest). */
export interface IndexedContribution {
  readonly dbId: number;
  readonly objectId: string;
  readonly orgId: string;
  readonly userId: string | null;
  readonly tlp: Tlp;
  readonly anonymous: boolean;
  readonly allowCount: boolean;
  readonly recipientOrgs: readonly string[];
  readonly recipientGroups: readonly string[];
  readonly recipientUsers: readonly string[];
  /** Its content is a revoked version: it matches nothing, but may outrank older versions. */
  readonly revoked?: boolean;
  /** Another contribution of the object ranks higher (see headContribution). */
  readonly superseded?: boolean;
  /** The object has other contributions: their ranking decides which one a viewer is shown. */
  readonly rivals?: boolean;
  /** What the ranking reads (needed when `rivals`). */
  readonly ownerRank?: number;
  readonly modifiedMs?: number | null;
}

/** What one key matches, as a viewer may see it. */
export interface KeyMatch {
  readonly key: string;
  /** Objects with a visible contribution: the observable itself and indicators whose pattern names it. */
  readonly objects: { readonly id: string; readonly type: string; readonly tlp: Tlp }[];
  /** Organisations and sectors that reported it, counted within the trust policy. */
  readonly org_count: number;
  readonly sectors: string[];
}

const FLAG_ANON = 1;
const FLAG_COUNT = 2;
const FLAG_DEAD = 4;
const FLAG_REVOKED = 8;
const FLAG_SUPERSEDED = 16;
const NO_USER = -1;

/** The ranking facts of a contribution of an object with several (a few per object, kept beside the arrays). */
interface Rival extends HeadRank {
  readonly idx: number;
}

/**
 * Observable key → objects and contribution summaries, in memory, for lookups and correlation.
 * Numbers in typed arrays instead of objects per item keep ten million observables in reach.
 */
export class ObservableIndex {
  readonly #heads = new Map<string, number>();
  readonly #nodeContrib = new GrowableInt32(1 << 16);
  readonly #nodeNext = new GrowableInt32(1 << 16);
  readonly #cObject = new GrowableInt32(1 << 16);
  readonly #cOrg = new GrowableInt32(1 << 16);
  readonly #cUser = new GrowableInt32(1 << 16);
  readonly #cTlp = new GrowableInt32(1 << 16);
  readonly #cFlags = new GrowableInt32(1 << 16);
  readonly #cDbId = new GrowableInt32(1 << 16);
  readonly #recipients = new Map<number, Pick<ContributionScope, 'recipientOrgs' | 'recipientGroups' | 'recipientUsers'>>();
  readonly #objects = new PackedIds();
  readonly #orgs = new Interner();
  readonly #users = new Interner();
  readonly #orgSector: (string | null)[] = [];
  readonly #orgLawEnforcement: boolean[] = [];
  /** Contribution database id → its live entry (a newer content replaces the entry). */
  readonly #byDb = new Map<number, number>();
  /** Object id → the ranking facts of its contributions, for objects with several. */
  readonly #rivals = new Map<string, Rival[]>();
  /** The highest contribution sequence number seen; catch-up reads from here. */
  lastSeq = 0;
  /** False in processes that never answer lookups (CLI imports): nothing is loaded or kept. */
  active = true;

  /** Number of distinct keys. */
  get size(): number {
    return this.#heads.size;
  }

  /** Number of indexed contributions. */
  get contributions(): number {
    return this.#cObject.length;
  }

  /** Tells the index an organisation's sector (for "which sectors reported this") and whether it is law enforcement. */
  setOrg(orgId: string, sector: Sector | string | null, lawEnforcement = sector === 'law_enforcement'): void {
    const i = this.#orgs.intern(orgId);
    this.#orgSector[i] = sector;
    this.#orgLawEnforcement[i] = lawEnforcement;
  }

  /**
   * Adds a contribution under each key of its content; a contribution indexed before is replaced (a newer
   * version, a revocation, a new ranking), so answers follow changes at once.
   */
  add(c: IndexedContribution, keys: readonly string[]): void {
    const before = this.#byDb.get(c.dbId);
    if (before !== undefined) {
      this.#cFlags.set(before, this.#cFlags.get(before) | FLAG_DEAD);
      this.#byDb.delete(c.dbId);
      this.#dropRival(c.objectId, c.dbId);
    }
    if (keys.length === 0 && !c.rivals) return;
    const idx = this.#cObject.push(this.#objects.push(c.objectId));
    this.#byDb.set(c.dbId, idx);
    const org = this.#orgs.intern(c.orgId);
    if (this.#orgSector[org] === undefined) this.#orgSector[org] = null;
    this.#cOrg.push(org);
    this.#cUser.push(c.userId ? this.#users.intern(c.userId) : NO_USER);
    this.#cTlp.push(TLP_LEVELS.indexOf(c.tlp));
    this.#cFlags.push((c.anonymous ? FLAG_ANON : 0) | (c.allowCount ? FLAG_COUNT : 0) | (c.revoked ? FLAG_REVOKED : 0) | (c.superseded ? FLAG_SUPERSEDED : 0));
    if (c.rivals) {
      const list = this.#rivals.get(c.objectId) ?? [];
      list.push({ idx, id: c.dbId, ownerRank: c.ownerRank ?? 0, modified: c.modifiedMs ?? null, tlpRank: TLP_LEVELS.indexOf(c.tlp) });
      this.#rivals.set(c.objectId, list);
    }
    this.#cDbId.push(c.dbId);
    if (c.recipientOrgs.length || c.recipientGroups.length || c.recipientUsers.length)
      this.#recipients.set(idx, { recipientOrgs: c.recipientOrgs, recipientGroups: c.recipientGroups, recipientUsers: c.recipientUsers });
    for (const key of new Set(keys)) {
      const node = this.#nodeContrib.push(idx);
      this.#nodeNext.push(this.#heads.get(key) ?? -1);
      this.#heads.set(key, node);
    }
  }

  /** Forgets a contribution (withdrawn). */
  remove(dbId: number, objectId: string): void {
    const idx = this.#byDb.get(dbId);
    if (idx === undefined) return;
    this.#cFlags.set(idx, this.#cFlags.get(idx) | FLAG_DEAD);
    this.#byDb.delete(dbId);
    this.#dropRival(objectId, dbId);
  }

  #dropRival(objectId: string, dbId: number): void {
    const list = this.#rivals.get(objectId);
    if (!list) return;
    const left = list.filter((r) => r.id !== dbId);
    if (left.length) this.#rivals.set(objectId, left);
    else this.#rivals.delete(objectId);
  }

  // A superseded contribution the viewer sees is shown only when no contribution of its object that the viewer
  // also sees ranks higher (the in-memory twin of headContribution).
  #outranked(i: number, visible: (c: ContributionScope) => boolean): boolean {
    const objectId = this.#objects.id(this.#cObject.get(i));
    const list = this.#rivals.get(objectId);
    const me = list?.find((r) => r.idx === i);
    if (!list || !me) return false;
    return list.some((r) => r.idx !== i && compareHeads(r, me) > 0 && visible(this.#scope(r.idx)));
  }

  #scope(i: number): ContributionScope & { allowCount: boolean } {
    const r = this.#recipients.get(i);
    const user = this.#cUser.get(i);
    return {
      orgId: this.#orgs.value(this.#cOrg.get(i)),
      userId: user === NO_USER ? null : this.#users.value(user),
      tlp: TLP_LEVELS[this.#cTlp.get(i)]!,
      recipientOrgs: r?.recipientOrgs ?? [],
      recipientGroups: r?.recipientGroups ?? [],
      recipientUsers: r?.recipientUsers ?? [],
      allowCount: (this.#cFlags.get(i) & FLAG_COUNT) !== 0,
    };
  }

  /** True when the key has any contribution at all (no policy: for internal correlation only). */
  hasKey(key: string): boolean {
    return this.#heads.has(key);
  }

  /**
   * What a viewer may learn about one key, filtered by the access policy while walking the index.
   * @example index.match(viewer, 'ipv4-addr:198.51.100.3')
   */
  match(viewer: AnyViewer, key: string, visible = contributionPredicate(viewer), countable = countablePredicate(viewer), quick = quickVerdicts(viewer)): KeyMatch | null {
    let n = this.#heads.get(key);
    if (n === undefined) return null;
    // Most keys have one or two contributions: plain arrays beat Maps and Sets here.
    const objs: number[] = [];
    const ranks: number[] = [];
    const orgs: number[] = [];
    for (; n !== -1; n = this.#nodeNext.get(n)) {
      const c = this.#nodeContrib.get(n);
      const flags = this.#cFlags.get(c);
      if (flags & FLAG_DEAD) continue;
      const rank = this.#cTlp.get(c);
      const org = this.#cOrg.get(c);
      const q = quick[rank]!;
      let seen = true;
      let counted = true;
      if (q !== 'yes') {
        // Only contributions whose TLP alone does not decide build the scope the policy reads.
        const scope = this.#scope(c);
        seen = q === 'scope' && visible(scope);
        counted = seen || (!this.#orgLawEnforcement[org] && countable(scope));
      }
      // A retracted version names nothing; an outranked one is not what this viewer is shown.
      if (flags & FLAG_REVOKED) {
        seen = false;
        counted = false;
      } else if (seen && flags & FLAG_SUPERSEDED && this.#outranked(c, visible)) seen = false;
      if (seen) {
        const o = this.#cObject.get(c);
        // Each contribution packs its own copy of the id: compare ids, not numbers.
        let at = -1;
        for (let i = 0; i < objs.length; i++) if (this.#objects.same(objs[i]!, o)) at = i;
        // The object is shown at the least restrictive level the viewer can see it through.
        if (at === -1) {
          objs.push(o);
          ranks.push(rank);
        } else if (rank < ranks[at]!) ranks[at] = rank;
      }
      if (counted && !orgs.includes(org)) orgs.push(org);
    }
    if (objs.length === 0) return null;
    const sectors: string[] = [];
    for (const o of orgs) {
      const s = this.#orgSector[o];
      if (s && !sectors.includes(s)) sectors.push(s);
    }
    return {
      key,
      objects: objs.map((o, i) => ({ id: this.#objects.id(o), type: this.#objects.type(o), tlp: TLP_LEVELS[ranks[i]!]! })),
      org_count: orgs.length,
      sectors: sectors.sort(),
    };
  }

  // Analysis (issue 5): hub-wide facts for the analysis job, which stores them with their scopes so
  // that reads apply the policy later; never shown as they are.
  /** Every contribution under a key with its object and scope, no policy applied: for the analysis job only. */
  scopesOf(key: string): (ContributionScope & { objectId: string; allowCount: boolean })[] {
    const out: (ContributionScope & { objectId: string; allowCount: boolean })[] = [];
    for (let n = this.#heads.get(key) ?? -1; n !== -1; n = this.#nodeNext.get(n)) {
      const c = this.#nodeContrib.get(n);
      if (this.#cFlags.get(c) & (FLAG_DEAD | FLAG_REVOKED)) continue;
      out.push({ ...this.#scope(c), objectId: this.#objects.id(this.#cObject.get(c)) });
    }
    return out;
  }

  /** The organisations that contributed a key, no policy applied: for the analysis job only. */
  contributorsOf(key: string): string[] {
    const orgs: number[] = [];
    for (let n = this.#heads.get(key) ?? -1; n !== -1; n = this.#nodeNext.get(n)) {
      const c = this.#nodeContrib.get(n);
      if (this.#cFlags.get(c) & (FLAG_DEAD | FLAG_REVOKED)) continue;
      const o = this.#cOrg.get(c);
      if (!orgs.includes(o)) orgs.push(o);
    }
    return orgs.map((o) => this.#orgs.value(o));
  }

  /** Approximate bytes of the typed arrays (the Map and strings come on top). */
  get arrayBytes(): number {
    return [this.#nodeContrib, this.#nodeNext, this.#cObject, this.#cOrg, this.#cUser, this.#cTlp, this.#cFlags, this.#cDbId].reduce((s, a) => s + a.bytes, 0);
  }
}

import type { Sector, Tlp } from '../db/schema.ts';
import { contributionPredicate, countablePredicate, quickVerdicts, type ContributionScope } from '../access/visibility.policy.ts';
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
}

/** What one key matches, as a viewer may see it. */
export interface KeyMatch {
  readonly key: string;
  /** Objects with a visible contribution: the observable itself and indicators whose pattern names it. */
  readonly objects: { readonly id: string; readonly type: string; readonly tlp: Tlp }[];
  /** Organisations and sectors that reported it, counted within the trust policy. */
  readonly orgCount: number;
  readonly sectors: string[];
}

const FLAG_ANON = 1;
const FLAG_COUNT = 2;
const NO_USER = -1;

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

  /** Tells the index an organisation's sector (for "which sectors reported this"). */
  setOrg(orgId: string, sector: Sector | string | null): void {
    const i = this.#orgs.intern(orgId);
    this.#orgSector[i] = sector;
  }

  /** Adds a contribution under each of its object's keys; a contribution already indexed is skipped. */
  add(c: IndexedContribution, keys: readonly string[]): void {
    const first = keys[0];
    if (first === undefined) return;
    if (this.#has(first, c.dbId)) return;
    const idx = this.#cObject.push(this.#objects.push(c.objectId));
    const org = this.#orgs.intern(c.orgId);
    if (this.#orgSector[org] === undefined) this.#orgSector[org] = null;
    this.#cOrg.push(org);
    this.#cUser.push(c.userId ? this.#users.intern(c.userId) : NO_USER);
    this.#cTlp.push(TLP_LEVELS.indexOf(c.tlp));
    this.#cFlags.push((c.anonymous ? FLAG_ANON : 0) | (c.allowCount ? FLAG_COUNT : 0));
    this.#cDbId.push(c.dbId);
    if (c.recipientOrgs.length || c.recipientGroups.length || c.recipientUsers.length)
      this.#recipients.set(idx, { recipientOrgs: c.recipientOrgs, recipientGroups: c.recipientGroups, recipientUsers: c.recipientUsers });
    for (const key of new Set(keys)) {
      const node = this.#nodeContrib.push(idx);
      this.#nodeNext.push(this.#heads.get(key) ?? -1);
      this.#heads.set(key, node);
    }
  }

  #has(key: string, dbId: number): boolean {
    for (let n = this.#heads.get(key) ?? -1; n !== -1; n = this.#nodeNext.get(n)) if (this.#cDbId.get(this.#nodeContrib.get(n)) === dbId) return true;
    return false;
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
      const rank = this.#cTlp.get(c);
      const org = this.#cOrg.get(c);
      const q = quick[rank]!;
      let seen = true;
      let counted = true;
      if (q !== 'yes') {
        // Only contributions whose TLP alone does not decide build the scope the policy reads.
        const scope = this.#scope(c);
        seen = q === 'scope' && visible(scope);
        counted = seen || countable(scope);
      }
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
      orgCount: orgs.length,
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
      out.push({ ...this.#scope(c), objectId: this.#objects.id(this.#cObject.get(c)) });
    }
    return out;
  }

  /** The organisations that contributed a key, no policy applied: for the analysis job only. */
  contributorsOf(key: string): string[] {
    const orgs: number[] = [];
    for (let n = this.#heads.get(key) ?? -1; n !== -1; n = this.#nodeNext.get(n)) {
      const o = this.#cOrg.get(this.#nodeContrib.get(n));
      if (!orgs.includes(o)) orgs.push(o);
    }
    return orgs.map((o) => this.#orgs.value(o));
  }

  /** Approximate bytes of the typed arrays (the Map and strings come on top). */
  get arrayBytes(): number {
    return [this.#nodeContrib, this.#nodeNext, this.#cObject, this.#cOrg, this.#cUser, this.#cTlp, this.#cFlags, this.#cDbId].reduce((s, a) => s + a.bytes, 0);
  }
}

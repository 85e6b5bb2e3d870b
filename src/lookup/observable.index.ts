import type { Sector, Tlp } from '../db/schema.ts';
import { compareHeads, type ContributionScope, type QuickVerdict, type HeadRank } from '../access/visibility.policy.ts';
import type { AnyViewer } from '../access/viewer.ts';
import { TLP_LEVELS } from '../trust/tlp.ts';
import { GrowableInt32, Interner } from './growable.ts';
import { ContributionRecords } from './contribution.records.ts';
import { KeyTable } from './key.table.ts';
import { ContributionIdTable } from './contribution-id.table.ts';
import { Ipv4Table } from './ipv4.table.ts';
import { dottedQuad, ipv4OfKey } from './dotted-quad.ts';
import { guessKind } from './guess-kind.ts';
import { COUNTED, IndexPolicy, SEEN } from './index.policy.ts';

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

/** The answer for one looked-up value: the value as asked, and what its key matches. */
export interface LookupItem extends KeyMatch {
  readonly value: string;
}

// Each contribution is one 32-bit word: organisation number << 9 | flags << 3 | TLP rank.
const FLAG_ANON = 1 << 3;
const FLAG_COUNT = 2 << 3;
const FLAG_DEAD = 4 << 3;
const FLAG_REVOKED = 8 << 3;
const FLAG_SUPERSEDED = 16 << 3;
// It names recipients (organisations, groups or users): the policy reads them, per contribution.
const FLAG_RECIPIENTS = 32 << 3;
const TLP_MASK = 7;
const RED = TLP_LEVELS.indexOf('red');
const ORG_SHIFT = 9;
const MAX_ORGS = 1 << 22;
const NO_USER = -1;
const NONE = -1;
const IPV4_KEY = 'ipv4-addr:';

/** The ranking facts of a contribution of an object with several (a few per object, kept beside the arrays). */
interface Rival extends HeadRank {
  readonly idx: number;
}

/**
 * Observable key → objects and contribution summaries, in memory, for lookups and correlation.
 * Numbers in typed arrays instead of objects per item keep ten million observables in reach: keys live as
 * bytes in a hash table (exact match confirmed on the bytes), each key heads a chain of postings
 * [contribution, next], and contribution number i owns entry i of every per-contribution array.
 */
export class ObservableIndex {
  readonly #keys = new KeyTable(1 << 16);
  /** Keys `ipv4-addr:<dotted quad>` (most keys), by the address as a 32-bit integer. */
  readonly #ips = new Ipv4Table(1 << 16);
  /** Postings, two numbers each: the contribution and the next posting of the same key (or -1). */
  readonly #postings = new GrowableInt32(1 << 17);
  readonly #recipients = new Map<number, Pick<ContributionScope, 'recipientOrgs' | 'recipientGroups' | 'recipientUsers'>>();
  /** Contribution i: its policy word, user and object id. */
  readonly #objects = new ContributionRecords();
  readonly #orgs = new Interner();
  readonly #users = new Interner();
  readonly #orgSector: (string | null)[] = [];
  readonly #orgLawEnforcement: boolean[] = [];
  /** Contribution database id (stored, or a flat feed line's) → its live entry (a newer content replaces the entry). */
  readonly #byDb = new ContributionIdTable();
  /** Object id → the ranking facts of its contributions, for objects with several. */
  readonly #rivals = new Map<string, Rival[]>();
  /** The highest contribution sequence number seen; catch-up reads from here. */
  lastSeq = 0;
  /** False in processes that never answer lookups (CLI imports): nothing is loaded or kept. */
  active = true;

  /** Number of distinct keys. */
  get size(): number {
    return this.#keys.size + this.#ips.size;
  }

  /** Number of indexed contributions. */
  get contributions(): number {
    return this.#objects.length;
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
    this.remove(c.dbId, c.objectId);
    if (keys.length === 0 && !c.rivals) return;
    const org = this.#orgs.intern(c.orgId);
    if (org >= MAX_ORGS) throw new Error('observable index: too many organisations');
    if (this.#orgSector[org] === undefined) this.#orgSector[org] = null;
    const tlp = TLP_LEVELS.indexOf(c.tlp);
    const named = c.recipientOrgs.length > 0 || c.recipientGroups.length > 0 || c.recipientUsers.length > 0;
    const flags = (c.anonymous ? FLAG_ANON : 0) | (c.allowCount ? FLAG_COUNT : 0) | (c.revoked ? FLAG_REVOKED : 0) | (c.superseded ? FLAG_SUPERSEDED : 0) | (named ? FLAG_RECIPIENTS : 0);
    const idx = this.#objects.push((org << ORG_SHIFT) | flags | tlp, c.userId ? this.#users.intern(c.userId) : NO_USER, c.objectId);
    this.#byDb.set(c.dbId, idx);
    if (c.rivals) {
      const list = this.#rivals.get(c.objectId) ?? [];
      list.push({ idx, id: c.dbId, ownerRank: c.ownerRank ?? 0, modified: c.modifiedMs ?? null, tlpRank: tlp });
      this.#rivals.set(c.objectId, list);
    }
    if (named)
      this.#recipients.set(idx, { recipientOrgs: c.recipientOrgs, recipientGroups: c.recipientGroups, recipientUsers: c.recipientUsers });
    const distinct = keys.length > 8 ? [...new Set(keys)] : keys;
    for (let k = 0; k < distinct.length; k++) {
      const key = distinct[k]!;
      if (distinct.length <= 8 && distinct.indexOf(key) !== k) continue;
      const ip = ipv4OfKey(key);
      const slot = ip >= 0 ? this.#ips.insert(ip, NONE) : this.#keys.insert(key, NONE);
      const table = ip >= 0 ? this.#ips : this.#keys;
      const head = table.value(slot);
      // A key with one contribution holds it directly (encoded below -1); a second one starts a chain of postings.
      if (head === NONE || (head < NONE && this.#objects.word(-head - 2) & FLAG_DEAD)) {
        table.setValue(slot, -idx - 2);
        continue;
      }
      // The first posting of a replaced contribution is taken over rather than left dead beside a new one.
      if (head >= 0 && this.#objects.word(this.#postings.get(head)) & FLAG_DEAD) {
        this.#postings.set(head, idx);
        continue;
      }
      let rest = head;
      if (head < NONE) {
        rest = this.#postings.push(-head - 2);
        this.#postings.push(NONE);
      }
      const node = this.#postings.push(idx);
      this.#postings.push(rest);
      table.setValue(slot, node);
    }
  }

  /** Forgets a contribution (withdrawn). */
  remove(dbId: number, objectId: string): void {
    const idx = this.#byDb.get(dbId);
    if (idx === NONE) return;
    this.#objects.setWord(idx, this.#objects.word(idx) | FLAG_DEAD);
    this.#byDb.set(dbId, NONE);
    this.#recipients.delete(idx);
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
    const list = this.#rivals.get(this.#objects.id(i));
    const me = list?.find((r) => r.idx === i);
    if (!list || !me) return false;
    return list.some((r) => r.idx !== i && compareHeads(r, me) > 0 && visible(this.#scope(r.idx)));
  }

  #scope(i: number): ContributionScope & { allowCount: boolean } {
    const r = this.#recipients.get(i);
    const user = this.#objects.user(i);
    const w = this.#objects.word(i);
    return {
      orgId: this.#orgs.value(w >>> ORG_SHIFT),
      userId: user === NO_USER ? null : this.#users.value(user),
      tlp: TLP_LEVELS[w & TLP_MASK]!,
      recipientOrgs: r?.recipientOrgs ?? [],
      recipientGroups: r?.recipientGroups ?? [],
      recipientUsers: r?.recipientUsers ?? [],
      allowCount: (w & FLAG_COUNT) !== 0,
    };
  }

  #head(key: string): number {
    const ip = ipv4OfKey(key);
    if (ip >= 0) return this.#ips.get(ip, NONE);
    const slot = this.#keys.find(key);
    return slot === -1 ? NONE : this.#keys.value(slot);
  }

  // The contributions under a key, dead ones included.
  #contributionsOf(key: string): number[] {
    const head = this.#head(key);
    if (head < NONE) return [-head - 2];
    const out: number[] = [];
    for (let p = head; p !== NONE; p = this.#postings.get(p + 1)) out.push(this.#postings.get(p));
    return out;
  }

  /** True when the key has any contribution at all (no policy: for internal correlation only). */
  hasKey(key: string): boolean {
    const ip = ipv4OfKey(key);
    return ip >= 0 ? this.#ips.find(ip) !== -1 : this.#keys.find(key) !== -1;
  }

  /**
   * What a viewer may learn about one key, filtered by the access policy while walking the index.
   * @example index.match(viewer, 'ipv4-addr:198.51.100.3')
   */
  match(viewer: AnyViewer, key: string, visible?: IndexPolicy['visible'], countable?: IndexPolicy['countable'], quick?: readonly QuickVerdict[]): KeyMatch | null {
    const n = this.#head(key);
    if (n === NONE) return null;
    return this.#answer(n, new IndexPolicy(viewer, false, visible, countable, quick), null, key);
  }

  /**
   * Looks raw values up (any kind, defanged allowed) for one viewer in one pass: a plain dotted quad goes
   * straight to the address table as an integer (no key string unless it matches), anything else through
   * guessKind; the policy is prepared once for all values. Answers only the values that match something visible.
   * @example index.lookupValues(viewer, ['198.51.100.3', 'evil[.]example'])
   */
  lookupValues(viewer: AnyViewer, values: readonly string[]): { items: LookupItem[]; invalid: number } {
    const policy = new IndexPolicy(viewer);
    const items: LookupItem[] = [];
    const ips = this.#ips;
    let invalid = 0;
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      // The spelling guessKind keys as itself ('ipv4-addr:' + value) is exactly what dottedQuad accepts.
      const ip = dottedQuad(value);
      let head: number;
      let key: string | null = null;
      if (ip >= 0) head = ips.get(ip, NONE);
      else {
        key = guessKind(value);
        if (key === null) {
          invalid++;
          continue;
        }
        head = this.#head(key);
      }
      if (head === NONE) continue;
      const item = this.#answer(head, policy, value, key ?? IPV4_KEY + value);
      if (item !== null) items.push(item as LookupItem);
    }
    return { items, invalid };
  }

  // The answer for the contributions from `head` (a key's value in its table), or null when the viewer sees none.
  #answer(n: number, policy: IndexPolicy, value: string | null, key: string): KeyMatch | null {
    // Most keys have one contribution: answer those without the arrays a longer chain needs.
    if (n < NONE) {
      const c = -n - 2;
      const v = this.#verdict(c, policy);
      if (!(v & SEEN)) return null;
      const w = this.#objects.word(c);
      const s = this.#orgSector[w >>> ORG_SHIFT];
      const objects = [{ id: this.#objects.id(c), type: this.#objects.type(c), tlp: TLP_LEVELS[w & TLP_MASK]! }];
      const sectors = s ? [s] : [];
      return value === null ? { key, objects, org_count: 1, sectors } : ({ value, key, objects, org_count: 1, sectors } as LookupItem);
    }
    const objs: number[] = [];
    const ranks: number[] = [];
    const orgs: number[] = [];
    for (let p = n; p !== NONE; p = this.#postings.get(p + 1)) {
      const c = this.#postings.get(p);
      const v = this.#verdict(c, policy);
      const w = this.#objects.word(c);
      if (v & SEEN) {
        const rank = w & TLP_MASK;
        // Each contribution packs its own copy of the id: compare ids, not numbers.
        let at = -1;
        for (let i = 0; i < objs.length; i++) if (this.#objects.same(objs[i]!, c)) at = i;
        // The object is shown at the least restrictive level the viewer can see it through.
        if (at === -1) {
          objs.push(c);
          ranks.push(rank);
        } else if (rank < ranks[at]!) ranks[at] = rank;
      }
      if (v & COUNTED && !orgs.includes(w >>> ORG_SHIFT)) orgs.push(w >>> ORG_SHIFT);
    }
    if (objs.length === 0) return null;
    const sectors: string[] = [];
    for (const o of orgs) {
      const s = this.#orgSector[o];
      if (s && !sectors.includes(s)) sectors.push(s);
    }
    sectors.sort();
    const objects = objs.map((o, i) => ({ id: this.#objects.id(o), type: this.#objects.type(o), tlp: TLP_LEVELS[ranks[i]!]! }));
    return value === null ? { key, objects, org_count: orgs.length, sectors } : ({ value, key, objects, org_count: orgs.length, sectors } as LookupItem);
  }

  // What the policy lets this viewer do with one contribution: see it (SEEN), count its organisation (COUNTED).
  #verdict(c: number, policy: IndexPolicy): number {
    const w = this.#objects.word(c);
    // A retracted version names nothing; a dead entry was replaced or withdrawn.
    if (w & (FLAG_DEAD | FLAG_REVOKED)) return 0;
    const tlp = w & TLP_MASK;
    const q = policy.quick[tlp]!;
    let v = SEEN | COUNTED;
    if (q !== 'yes') {
      // Without recipients and below RED, the organisation, TLP and consent decide (see IndexPolicy).
      const memo = w & FLAG_RECIPIENTS || tlp === RED ? -1 : ((w >>> ORG_SHIFT) << 4) | (w & FLAG_COUNT ? 8 : 0) | tlp;
      v = memo === -1 ? -1 : policy.recall(memo);
      if (v === -1) {
        // Only contributions whose TLP alone does not decide build the scope the policy reads.
        const scope = this.#scope(c);
        const seen = q === 'scope' && policy.visible(scope);
        const counted = seen || (!this.#orgLawEnforcement[w >>> ORG_SHIFT] && policy.countable(scope));
        v = (seen ? SEEN : 0) | (counted ? COUNTED : 0);
        if (memo !== -1) policy.remember(memo, v);
      }
    }
    // An outranked version is not what this viewer is shown (it still counts its organisation).
    if (v & SEEN && w & FLAG_SUPERSEDED && this.#outranked(c, policy.visible)) v &= ~SEEN;
    return v;
  }

  // Analysis (issue 5): hub-wide facts for the analysis job, which stores them with their scopes so
  // that reads apply the policy later; never shown as they are.
  /** Every contribution under a key with its object and scope, no policy applied: for the analysis job only. */
  scopesOf(key: string): (ContributionScope & { objectId: string; allowCount: boolean })[] {
    const out: (ContributionScope & { objectId: string; allowCount: boolean })[] = [];
    for (const c of this.#contributionsOf(key)) {
      if (this.#objects.word(c) & (FLAG_DEAD | FLAG_REVOKED)) continue;
      out.push({ ...this.#scope(c), objectId: this.#objects.id(c) });
    }
    return out;
  }

  /** The organisations that contributed a key, no policy applied: for the analysis job only. */
  contributorsOf(key: string): string[] {
    const orgs: number[] = [];
    for (const c of this.#contributionsOf(key)) {
      const w = this.#objects.word(c);
      if (w & (FLAG_DEAD | FLAG_REVOKED)) continue;
      const o = w >>> ORG_SHIFT;
      if (!orgs.includes(o)) orgs.push(o);
    }
    return orgs.map((o) => this.#orgs.value(o));
  }

  /** Approximate bytes of the typed arrays (the few Maps and strings come on top). */
  get arrayBytes(): number {
    return this.#keys.bytes + this.#ips.bytes + this.#postings.bytes + this.#objects.bytes + this.#byDb.bytes;
  }
}

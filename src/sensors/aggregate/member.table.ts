import type { Member } from './distinct.sketch.ts';

// Sources of a minute by address, at hundreds of thousands of events a second. IPv4 addresses above
// 2^30 are heap numbers in V8: as Map keys each lookup boxes a number and hashes it, which was the
// largest cost of the intake (profile of 2026-12-04). Here IPv4 addresses live in an open-addressing
// table of 32-bit integers (typed arrays, linear probing), each with a dense id; IPv6 text in a Map.

function hash32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return x ^ (x >>> 16);
}

/**
 * Members (IPv4 numbers, IPv6 text) numbered densely from 0 in the order they came.
 * @example const ix = new MemberIndex(); const id = ix.find4(ip) >= 0 ? ix.find4(ip) : ix.insert4(ip)
 */
export class MemberIndex {
  /** Pairs per slot: the IPv4 address (as int32) and its id + 1 (0: empty), so a probe reads one cache line. */
  #slots = new Int32Array(2048);
  #mask = 1023;
  /** The IPv4 address (as int32) of each id; unused for IPv6 ids. */
  #ips = new Int32Array(512);
  readonly #v6 = new Map<string, number>();
  readonly #v6Text = new Map<number, string>();
  #size = 0;

  /** Number of members. */
  get size(): number {
    return this.#size;
  }

  /** The id of an IPv4 address (unsigned 32-bit number), or -1. */
  find4(ip: number): number {
    const key = ip | 0;
    const slots = this.#slots;
    const mask = this.#mask;
    for (let s = hash32(key) & mask; ; s = (s + 1) & mask) {
      const id1 = slots[2 * s + 1]!;
      if (id1 === 0) return -1;
      if (slots[2 * s] === key) return id1 - 1;
    }
  }

  /** The id of an IPv4 address, added when new unless `limit` members are here already (then -1): one probe sequence for both. */
  upsert4(ip: number, limit: number): number {
    const key = ip | 0;
    const slots = this.#slots;
    const mask = this.#mask;
    let s = hash32(key) & mask;
    for (; ; s = (s + 1) & mask) {
      const id1 = slots[2 * s + 1]!;
      if (id1 === 0) break;
      if (slots[2 * s] === key) return id1 - 1;
    }
    if (this.#size >= limit) return -1;
    if ((this.#size + 1) * 2 > mask + 1) return this.insert4(ip);
    const id = this.#newId();
    this.#ips[id] = key;
    slots[2 * s] = key;
    slots[2 * s + 1] = id + 1;
    return id;
  }

  /** Adds an IPv4 address not yet here and answers its id. */
  insert4(ip: number): number {
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#grow();
    const id = this.#newId();
    const key = ip | 0;
    this.#ips[id] = key;
    this.#place(key, id);
    return id;
  }

  /** The id of a member, or -1. */
  find(m: Member): number {
    return typeof m === 'number' ? this.find4(m) : (this.#v6.get(m) ?? -1);
  }

  /** The id of a member, added when new. */
  insert(m: Member): number {
    if (typeof m === 'number') {
      const id = this.find4(m);
      return id >= 0 ? id : this.insert4(m);
    }
    let id = this.#v6.get(m);
    if (id === undefined) {
      id = this.#newId();
      this.#v6.set(m, id);
      this.#v6Text.set(id, m);
    }
    return id;
  }

  /** The member of an id. */
  member(id: number): Member {
    return this.#v6Text.get(id) ?? this.#ips[id]! >>> 0;
  }

  #newId(): number {
    if (this.#size === this.#ips.length) {
      const next = new Int32Array(this.#ips.length * 2);
      next.set(this.#ips);
      this.#ips = next;
    }
    return this.#size++;
  }

  #place(key: number, id: number): void {
    const mask = this.#mask;
    const slots = this.#slots;
    let s = hash32(key) & mask;
    while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
    slots[2 * s] = key;
    slots[2 * s + 1] = id + 1;
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Int32Array(old.length * 2);
    this.#mask = this.#slots.length / 2 - 1;
    for (let s = 1; s < old.length; s += 2) {
      const id1 = old[s]!;
      if (id1 !== 0) this.#place(old[s - 1]!, id1 - 1);
    }
  }
}

/** Counts per member, read like a Map (size, get, iteration) by the minute's rows and detection. */
export class MemberCounts implements ReadonlyMap<Member, number> {
  readonly #index = new MemberIndex();
  #counts = new Float64Array(512);

  /** Number of members counted. */
  get size(): number {
    return this.#index.size;
  }

  /** Adds n to an IPv4 address's count and answers its id; -1 (nothing counted) when it is new and `limit` members are here. */
  add4(ip: number, n: number, limit: number): number {
    const id = this.#index.upsert4(ip, limit);
    if (id < 0) return -1;
    if (id >= this.#counts.length) this.#fit(id);
    this.#counts[id]! += n;
    return id;
  }

  /** Adds n to a member's count and answers its id; -1 when it is new and `limit` members are here. */
  add(m: Member, n: number, limit: number): number {
    if (typeof m === 'number') return this.add4(m, n, limit);
    let id = this.#index.find(m);
    if (id < 0) {
      if (this.#index.size >= limit) return -1;
      id = this.#index.insert(m);
      this.#fit(id);
    }
    this.#counts[id]! += n;
    return id;
  }

  #fit(id: number): void {
    if (id < this.#counts.length) return;
    const next = new Float64Array(this.#counts.length * 2);
    next.set(this.#counts);
    this.#counts = next;
  }

  /** The count of a member. */
  get(m: Member): number | undefined {
    const id = this.#index.find(m);
    return id < 0 ? undefined : this.#counts[id];
  }

  /** Whether a member was counted. */
  has(m: Member): boolean {
    return this.#index.find(m) >= 0;
  }

  /** Members and counts in the order they came. */
  *entries(): MapIterator<[Member, number]> {
    for (let id = 0; id < this.#index.size; id++) yield [this.#index.member(id), this.#counts[id]!];
  }

  /** Members in the order they came. */
  *keys(): MapIterator<Member> {
    for (let id = 0; id < this.#index.size; id++) yield this.#index.member(id);
  }

  /** Counts in the order their members came. */
  *values(): MapIterator<number> {
    for (let id = 0; id < this.#index.size; id++) yield this.#counts[id]!;
  }

  /** Calls f for every member and count. */
  forEach(f: (count: number, m: Member, map: ReadonlyMap<Member, number>) => void): void {
    for (let id = 0; id < this.#index.size; id++) f(this.#counts[id]!, this.#index.member(id), this);
  }

  [Symbol.iterator](): MapIterator<[Member, number]> {
    return this.entries();
  }
}

/** Values per member (the tracked sources of a minute), read like a Map; IPv4 looked up without boxing. */
export class MemberValues<T> implements ReadonlyMap<Member, T> {
  readonly #index = new MemberIndex();
  readonly #values: T[] = [];

  /** Number of members. */
  get size(): number {
    return this.#index.size;
  }

  /** The value of an IPv4 address (unsigned 32-bit number). */
  get4(ip: number): T | undefined {
    const id = this.#index.find4(ip);
    return id < 0 ? undefined : this.#values[id];
  }

  /** The value of a member. */
  get(m: Member): T | undefined {
    const id = this.#index.find(m);
    return id < 0 ? undefined : this.#values[id];
  }

  /** Whether a member has a value. */
  has(m: Member): boolean {
    return this.#index.find(m) >= 0;
  }

  /** Sets a member's value and answers the member's id here. */
  set(m: Member, v: T): number {
    const id = this.#index.insert(m);
    this.#values[id] = v;
    return id;
  }

  /** The value of an id `set` answered. */
  at(id: number): T {
    return this.#values[id]!;
  }

  /** Members and values in the order they came. */
  *entries(): MapIterator<[Member, T]> {
    for (let id = 0; id < this.#index.size; id++) yield [this.#index.member(id), this.#values[id]!];
  }

  /** Members in the order they came. */
  *keys(): MapIterator<Member> {
    for (let id = 0; id < this.#index.size; id++) yield this.#index.member(id);
  }

  /** Values in the order their members came. */
  *values(): MapIterator<T> {
    for (let id = 0; id < this.#index.size; id++) yield this.#values[id]!;
  }

  /** Calls f for every member and value. */
  forEach(f: (v: T, m: Member, map: ReadonlyMap<Member, T>) => void): void {
    for (let id = 0; id < this.#index.size; id++) f(this.#values[id]!, this.#index.member(id), this);
  }

  [Symbol.iterator](): MapIterator<[Member, T]> {
    return this.entries();
  }
}

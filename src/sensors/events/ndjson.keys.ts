import { protoOfName } from './sensor-event.ts';

// The keys of Kessetsu's NDJSON sensor events, found from their bytes without building a string: a
// sensor sends a million of them a second, so a line usually repeats the keys of the line before in
// the same order (KeyOrder), and only a new order is looked up in a small hash table.

/** The fields a key names (0: a key the format ignores). */
export const F = { time: 1, src: 2, srcPort: 3, dst: 4, dstPort: 5, proto: 6, flags: 7, size: 8, icmpType: 9, icmpCode: 10, event: 11, text: 12, success: 13, slow: 14 } as const;

const KEYS: Readonly<Record<string, number>> = {
  time: F.time,
  timestamp: F.time,
  src_ip: F.src,
  src_port: F.srcPort,
  dst_ip: F.dst,
  dst_port: F.dstPort,
  protocol: F.proto,
  tcp_flags: F.flags,
  size: F.size,
  icmp_type: F.icmpType,
  icmp_code: F.icmpCode,
  event: F.event,
  session: F.text,
  username: F.text,
  password: F.text,
  command: F.text,
  url: F.text,
  sha256: F.text,
  shasum: F.text,
  success: F.success,
  // Raw honeypot records are read by their own readers.
  eventid: F.slow,
  honeypot: F.slow,
  connection: F.slow,
};

// Keys found by a hash of their bytes in a small open table, then compared byte for byte.
const TABLE_BITS = 7;
const MASK = (1 << TABLE_BITS) - 1;
const TABLE_KEYS: (Uint8Array | undefined)[] = new Array(1 << TABLE_BITS);
const TABLE_FIELDS = new Int32Array(1 << TABLE_BITS);
function keyHash(b: Uint8Array, s: number, e: number): number {
  let h = e - s;
  for (let i = s; i < e; i++) h = (Math.imul(h, 31) + b[i]!) | 0;
  return (h ^ (h >>> 7)) & MASK;
}
for (const [k, field] of Object.entries(KEYS)) {
  const bytes = Buffer.from(k, 'latin1');
  let slot = keyHash(bytes, 0, bytes.length);
  while (TABLE_KEYS[slot]) slot = (slot + 1) & MASK;
  TABLE_KEYS[slot] = bytes;
  TABLE_FIELDS[slot] = field;
}

// The table slot of the key in b[s..e), or -1 when the format does not know it.
function slotOf(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  for (let slot = keyHash(b, s, e); ; slot = (slot + 1) & MASK) {
    const k = TABLE_KEYS[slot];
    if (k === undefined) return -1;
    if (k.length !== n) continue;
    let i = 0;
    while (i < n && k[i] === b[s + i]) i++;
    if (i === n) return slot;
  }
}

/** The field of the key in b[s..e) (0 when the format ignores it). */
export function fieldOf(b: Uint8Array, s: number, e: number): number {
  const slot = slotOf(b, s, e);
  return slot < 0 ? 0 : TABLE_FIELDS[slot]!;
}

/** Longest key remembered in a key order (longer ones are looked up each time). */
const MAX_KEY = 64;
/** Keys remembered per line. */
const MAX_KEYS = 32;

/**
 * The keys of the last line read, in order. `match` answers the field of the k-th key of a line when
 * it repeats the k-th key of the line before (one byte comparison, no hashing); `learn` looks a key up
 * and remembers it at position k.
 * @example const order = new KeyOrder(); let f = order.match(b, ks, k); if (f < 0) f = order.learn(b, ks, keyEnd, k); else keyEnd = order.end
 */
export class KeyOrder {
  readonly #keys: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(MAX_KEYS).fill(undefined);
  readonly #fields = new Int32Array(MAX_KEYS);
  /** Where the matched key's closing quote is. */
  end = 0;

  /** The field of the key starting at b[s] (after its opening quote) if it is the k-th key of the last line and closed by a quote; -1 otherwise. */
  match(b: Uint8Array, s: number, k: number): number {
    const key = k < MAX_KEYS ? this.#keys[k] : undefined;
    if (key === undefined) return -1;
    const n = key.length;
    for (let i = 0; i < n; i++) if (b[s + i] !== key[i]) return -1;
    if (b[s + n] !== 34) return -1;
    this.end = s + n;
    return this.#fields[k]!;
  }

  /** The field of the key in b[s..e), remembered as the k-th key for the next line. */
  learn(b: Uint8Array, s: number, e: number, k: number): number {
    const slot = slotOf(b, s, e);
    const field = slot < 0 ? 0 : TABLE_FIELDS[slot]!;
    if (k < MAX_KEYS) {
      this.#keys[k] = slot >= 0 ? TABLE_KEYS[slot] : e - s <= MAX_KEY ? new Uint8Array(b.subarray(s, e)) : undefined;
      this.#fields[k] = field;
    }
    return field;
  }
}

/** The protocol number of a name in b[s..e) ("tcp", "udp", "icmp" without a string); -1 when unknown. */
export function protoOfBytes(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  const c0 = b[s]! | 32;
  if (n === 3 && (b[s + 2]! | 32) === 0x70) {
    const c1 = b[s + 1]! | 32;
    if (c0 === 0x74 && c1 === 0x63) return 6; // tcp
    if (c0 === 0x75 && c1 === 0x64) return 17; // udp
  }
  if (n === 4 && c0 === 0x69 && (b[s + 1]! | 32) === 0x63 && (b[s + 2]! | 32) === 0x6d && (b[s + 3]! | 32) === 0x70) return 1;
  return n > 12 ? -1 : protoOfName(Buffer.from(b.buffer, b.byteOffset + s, n).toString('latin1'));
}

/** TCP flag letters in b[s..e) without a string; -1 when a letter is not a flag. */
export function flagsOfBytes(b: Uint8Array, s: number, e: number): number {
  if (e - s > 8) return -1;
  let f = 0;
  for (let i = s; i < e; i++) {
    const c = b[i]! & ~32;
    const bit = c === 70 ? 1 : c === 83 ? 2 : c === 82 ? 4 : c === 80 ? 8 : c === 65 ? 16 : c === 85 ? 32 : c === 69 ? 64 : c === 67 ? 128 : 0;
    if (!bit) return -1;
    f |= bit;
  }
  return f;
}

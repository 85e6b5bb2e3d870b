import { ipv4String, PROTO_NAMES } from '../events/sensor-event.ts';
import type { Member } from './distinct.sketch.ts';
import type { MinuteBucket } from './minute.bucket.ts';

/** Dimensions of the counts tables. */
export const DIMS = ['proto', 'port', 'src', 'country', 'asn', 'username', 'password', 'command'] as const;
/** One of DIMS. */
export type Dim = (typeof DIMS)[number];

/** How many keys of a dimension one row set keeps (the rest are not stored). */
export const KEEP: Readonly<Record<Dim, number>> = { proto: 256, port: 1000, src: 100, country: 300, asn: 1000, username: 50, password: 50, command: 20 };

/** One count of a dimension key. */
export interface CountRow {
  readonly dim: Dim;
  readonly key: string;
  readonly count: number;
}

/** The aggregates of one sensor over one bucket of time, ready to store. */
export interface StatsRows {
  readonly sensorId: string;
  readonly bucket: number;
  readonly packets: number;
  readonly bytes: number;
  readonly uniqueSources: number;
  readonly approximate: boolean;
  readonly sketch: Buffer;
  readonly counts: readonly CountRow[];
}

/** What the offline enrichment says of a source; null when nothing. */
export type GeoLookup = (ip: string) => { readonly country: string | null; readonly asn: number | null } | null;

/** Text of a member (an IPv4 number or IPv6 text). */
export function memberText(m: Member): string {
  return typeof m === 'number' ? ipv4String(m) : m;
}

/** The name of a protocol number ("tcp", or the number). */
export function protoName(p: number): string {
  return PROTO_NAMES[p] ?? String(p);
}

/** "tcp/23" of a port key (protocol × 65536 + port). */
export function portName(k: number): string {
  return `${protoName(Math.floor(k / 65536))}/${k % 65536}`;
}

/** The `keep` largest entries of a count map, largest first (ties by key, so results are stable). */
export function top<K>(m: ReadonlyMap<K, number>, keep: number, name: (k: K) => string): { key: string; count: number }[] {
  if (m.size <= keep) return [...m].map(([k, count]) => ({ key: name(k), count }));
  // Only entries at or above the keep-th largest count are named and sorted (a minute of a busy
  // telescope has hundreds of thousands of sources, of which a hundred are kept).
  const counts = new Float64Array(m.size);
  let i = 0;
  for (const n of m.values()) counts[i++] = n;
  counts.sort();
  const threshold = counts[counts.length - keep]!;
  const all: { key: string; count: number }[] = [];
  for (const [k, count] of m) if (count >= threshold) all.push({ key: name(k), count });
  all.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return all.slice(0, keep);
}

/** Sources named and looked up between two yields to the event loop. */
const SOURCES_PER_SLICE = 20_000;

/**
 * The rows of a closed minute: totals, the sources' sketch, counts by protocol, port, source,
 * country and AS (from the enrichment data, each source looked up once), honeypot logins and commands.
 * Yields to the event loop every SOURCES_PER_SLICE sources, so a busy minute does not hold the intake.
 */
export async function minuteRows(b: MinuteBucket, geo: GeoLookup): Promise<StatsRows> {
  const counts: CountRow[] = [];
  const add = (dim: Dim, rows: { key: string; count: number }[]) => {
    for (const r of rows) counts.push({ dim, key: r.key, count: r.count });
  };
  add('proto', top(b.protos, KEEP.proto, protoName));
  add('port', top(b.ports, KEEP.port, portName));
  add('src', top(b.sources, KEEP.src, memberText));
  const countries = new Map<string, number>();
  const asns = new Map<string, number>();
  let named = 0;
  for (const [m, n] of b.sources) {
    if (++named % SOURCES_PER_SLICE === 0) await new Promise<void>((r) => setImmediate(r));
    const g = geo(memberText(m));
    const cc = g?.country ?? '??';
    const as = g?.asn === null || g?.asn === undefined ? '0' : String(g.asn);
    countries.set(cc, (countries.get(cc) ?? 0) + n);
    asns.set(as, (asns.get(as) ?? 0) + n);
  }
  add('country', top(countries, KEEP.country, String));
  add('asn', top(asns, KEEP.asn, String));
  add('username', top(b.usernames, KEEP.username, String));
  add('password', top(b.passwords, KEEP.password, String));
  add('command', top(b.commands, KEEP.command, String));
  const u = b.uniqueSources();
  return { sensorId: b.sensorId, bucket: b.minute, packets: b.packets, bytes: b.bytes, uniqueSources: u.count, approximate: u.approximate, sketch: b.sketch().serialize(), counts };
}

import { hash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { pgArray } from '../../store/pg-array.ts';

/** Signature ids Kessetsu rules use: [SID_BASE, SID_BASE + SID_RANGE), clear of the ranges rule vendors use. */
export const SID_BASE = 3_000_000_000;
export const SID_RANGE = 1_000_000_000;
const SID_LOCK = 7_340_041;
const MAX_PROBES = 64;
// 2^48 and 2^32 modulo SID_RANGE.
const TWO_48 = 2 ** 48 % SID_RANGE;
const TWO_32 = 2 ** 32 % SID_RANGE;

/**
 * The signature id a value is given first: derived from the value alone, so every hub and every
 * export agree on it. A collision (two values, one id) moves the later value to the next free id,
 * recorded once and kept forever.
 * @example derivedSid('domain-name:evil.example') // 3xxxxxxxxx, the same on every call
 */
export function derivedSid(key: string, probe = 0): number {
  // The first 64 bits of the digest modulo the range, in exact double arithmetic (each product below 2^47): the
  // BigInt of a hex string per value was most of an ingest hook's time (issue 17).
  const d = hash('sha256', key, 'buffer');
  const hi = d.readUInt32BE(0);
  const n = (Math.floor(hi / 65536) * TWO_48 + (hi % 65536) * TWO_32 + d.readUInt32BE(4)) % SID_RANGE;
  return SID_BASE + ((n + probe * 7919) % SID_RANGE);
}

/**
 * The signature ids of `keys`, giving every key without one its id (derived, probing past collisions) under a lock so
 * that nodes agree. Ids are given when a feed that shows them (Suricata) first reads a key, not when the key is
 * ingested: an ingest of a million new values would otherwise pay ~15 µs of the database a value for ids most values
 * never need (issue 17); once given, an id is kept forever. Runs inside the caller's transaction or in its own. One
 * statement per probe: the keys go as two arrays, and the statement answers each key's id, or none when its derived id
 * was taken (it probes again).
 * @example const sids = await assignSids(db, ['domain-name:evil.example']) // Map { 'domain-name:evil.example' => 3… }
 */
export async function assignSids(db: Kysely<Database>, keys: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!keys.length) return out;
  const run = async (trx: Kysely<Database>): Promise<void> => {
    await sql`select pg_advisory_xact_lock(${SID_LOCK})`.execute(trx);
    let missing = [...new Set(keys)];
    for (let probe = 0; probe < MAX_PROBES && missing.length; probe++) {
      const sids = missing.map((key) => String(derivedSid(key, probe)));
      // The statement's snapshot does not see the rows its own insert adds: a key neither inserted now nor stored
      // before had its id taken (by another key, before or in this very insert).
      const r = await sql<{ key: string; sid: string | number | null }>`
        with x as (select * from unnest(cast(${pgArray(missing)} as text[]), cast(${pgArray(sids)} as bigint[])) as x(key, sid)),
        ins as (insert into feed_sids (key, sid) select key, sid from x on conflict do nothing returning key, sid)
        select x.key, coalesce(i.sid, s.sid) as sid from x left join ins i on i.key = x.key left join feed_sids s on s.key = x.key`.execute(trx);
      missing = [];
      for (const row of r.rows) {
        if (row.sid === null) missing.push(row.key);
        else out.set(row.key, Number(row.sid));
      }
    }
  };
  if (db.isTransaction) await run(db);
  else await db.transaction().execute(run);
  return out;
}

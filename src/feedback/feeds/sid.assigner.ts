import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

/** Signature ids Kessetsu rules use: [SID_BASE, SID_BASE + SID_RANGE), clear of the ranges rule vendors use. */
export const SID_BASE = 3_000_000_000;
export const SID_RANGE = 1_000_000_000;
const SID_LOCK = 7_340_041;
const MAX_PROBES = 64;

/**
 * The signature id a value is given first: derived from the value alone, so every hub and every
 * export agree on it. A collision (two values, one id) moves the later value to the next free id,
 * recorded once and kept forever.
 * @example derivedSid('domain-name:evil.example') // 3xxxxxxxxx, the same on every call
 */
export function derivedSid(key: string, probe = 0): number {
  const n = Number(BigInt(`0x${createHash('sha256').update(key).digest('hex').slice(0, 16)}`) % BigInt(SID_RANGE));
  return SID_BASE + ((n + probe * 7919) % SID_RANGE);
}

/**
 * Gives every key without a signature id its id (derived, probing past collisions), under a lock
 * so that nodes agree. Runs inside the caller's transaction or in its own.
 * @example await assignSids(trx, ['domain-name:evil.example'])
 */
export async function assignSids(db: Kysely<Database>, keys: readonly string[]): Promise<void> {
  if (!keys.length) return;
  const run = async (trx: Kysely<Database>): Promise<void> => {
    await sql`select pg_advisory_xact_lock(${SID_LOCK})`.execute(trx);
    let missing = [...new Set(keys)];
    for (let probe = 0; probe < MAX_PROBES && missing.length; probe++) {
      for (let i = 0; i < missing.length; i += 5000) {
        const part = missing.slice(i, i + 5000);
        await trx
          .insertInto('feed_sids')
          .values(part.map((key) => ({ key, sid: derivedSid(key, probe) })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      const have = new Set<string>();
      for (let i = 0; i < missing.length; i += 5000) {
        const rows = await trx.selectFrom('feed_sids').select('key').where('key', 'in', missing.slice(i, i + 5000)).execute();
        for (const r of rows) have.add(r.key);
      }
      missing = missing.filter((k) => !have.has(k));
    }
  };
  if (db.isTransaction) await run(db);
  else await db.transaction().execute(run);
}

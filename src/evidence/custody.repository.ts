import { sql, type Kysely, type Selectable } from 'kysely';
import type { CustodyLogTable, Database } from '../db/schema.ts';
import { CUSTODY_GENESIS, custodyHash, type CustodyFields } from './custody.hash.ts';

// Serialises appenders so each sees the hash of the one before (not the audit log's key: two chains).
const CUSTODY_LOCK_KEY = 7_340_015;

/** One custody entry as stored. */
export type CustodyRow = Selectable<CustodyLogTable>;

/** What happened to a piece of evidence: collected, accessed, exported, transferred, verified… */
export interface CustodyEntryInput {
  readonly evidenceId?: string | null;
  readonly caseId?: string | null;
  readonly actorUserId?: string | null;
  readonly actorOrgId?: string | null;
  readonly action: string;
  readonly details?: Record<string, unknown>;
}

async function appendLocked(trx: Kysely<Database>, entries: readonly CustodyEntryInput[]): Promise<void> {
  await sql`select pg_advisory_xact_lock(${CUSTODY_LOCK_KEY})`.execute(trx);
  const last = await trx.selectFrom('custody_log').select('hash').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  let prev = last?.hash ?? CUSTODY_GENESIS;
  for (const e of entries) {
    const at = new Date();
    const fields: CustodyFields = {
      at: at.toISOString(),
      evidenceId: e.evidenceId ?? null,
      caseId: e.caseId ?? null,
      actorUserId: e.actorUserId ?? null,
      actorOrgId: e.actorOrgId ?? null,
      action: e.action,
      details: e.details ?? {},
    };
    const hash = custodyHash(prev, fields);
    await trx
      .insertInto('custody_log')
      .values({
        at,
        evidence_id: fields.evidenceId,
        case_id: fields.caseId,
        actor_user_id: fields.actorUserId,
        actor_org_id: fields.actorOrgId,
        action: fields.action,
        details: JSON.stringify(fields.details),
        prev_hash: prev,
        hash,
      })
      .execute();
    prev = hash;
  }
}

/**
 * Appends entries to the custody chain, inside the caller's transaction when given one.
 * @example await appendCustody(trx, [{ evidenceId, caseId, action: 'collected', actorUserId }])
 */
export async function appendCustody(db: Kysely<Database>, entries: readonly CustodyEntryInput[]): Promise<void> {
  if (entries.length === 0) return;
  if (db.isTransaction) return appendLocked(db, entries);
  await db.transaction().execute((trx) => appendLocked(trx, entries));
}

/** Entries in chain order after a sequence number, a page at a time. */
export function custodyPage(db: Kysely<Database>, afterSeq: number, limit: number): Promise<CustodyRow[]> {
  return db.selectFrom('custody_log').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
}

/** The custody entries of one evidence item, oldest first. */
export function custodyOf(db: Kysely<Database>, evidenceId: string, limit = 1000): Promise<CustodyRow[]> {
  return db.selectFrom('custody_log').selectAll().where('evidence_id', '=', evidenceId).orderBy('seq').limit(limit).execute();
}

/** The outcome of walking the custody chain. */
export type CustodyVerdict =
  | { readonly ok: true; readonly entries: number }
  | { readonly ok: false; readonly entries: number; readonly brokenAt: number; readonly reason: string };

/**
 * Walks the whole custody chain and names the first entry whose link or content does not hold.
 * @example const v = await verifyCustodyChain(db); if (!v.ok) console.log(v.brokenAt, v.reason)
 */
export async function verifyCustodyChain(db: Kysely<Database>, pageSize = 5000): Promise<CustodyVerdict> {
  let prev = CUSTODY_GENESIS;
  let after = 0;
  let count = 0;
  for (;;) {
    const rows = await custodyPage(db, after, pageSize);
    if (rows.length === 0) return { ok: true, entries: count };
    for (const r of rows) {
      if (r.prev_hash !== prev) return { ok: false, entries: count, brokenAt: r.seq, reason: 'previous-hash link does not match: an entry before it was removed or changed' };
      const fields: CustodyFields = { at: r.at.toISOString(), evidenceId: r.evidence_id, caseId: r.case_id, actorUserId: r.actor_user_id, actorOrgId: r.actor_org_id, action: r.action, details: r.details };
      if (custodyHash(prev, fields) !== r.hash) return { ok: false, entries: count, brokenAt: r.seq, reason: 'content does not match its hash: the entry was altered' };
      prev = r.hash;
      after = r.seq;
      count++;
    }
  }
}

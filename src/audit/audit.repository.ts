import { sql, type Kysely } from 'kysely';
import type { Database, AuditRow } from '../db/schema.ts';
import { GENESIS_HASH, entryHash, type AuditFields } from './audit.hash.ts';

// Any constant works; it serialises appenders so each sees the hash of the one before.
const AUDIT_LOCK_KEY = 7_340_001;

/** What a caller says happened. */
export interface AuditEntryInput {
  readonly actorUserId?: string | null;
  readonly actorOrgId?: string | null;
  readonly action: string;
  readonly targetType?: string | null;
  readonly targetId?: string | null;
  readonly via?: string | null;
  readonly details?: Record<string, unknown>;
}

function fieldsOf(e: AuditEntryInput, at: Date): AuditFields {
  return {
    at: at.toISOString(),
    actorUserId: e.actorUserId ?? null,
    actorOrgId: e.actorOrgId ?? null,
    action: e.action,
    targetType: e.targetType ?? null,
    targetId: e.targetId ?? null,
    via: e.via ?? null,
    details: e.details ?? {},
  };
}

async function appendLocked(trx: Kysely<Database>, entries: readonly AuditEntryInput[]): Promise<void> {
  await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(trx);
  const last = await trx.selectFrom('audit_log').select('hash').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  let prev = last?.hash ?? GENESIS_HASH;
  for (const e of entries) {
    const at = new Date();
    const fields = fieldsOf(e, at);
    const hash = entryHash(prev, fields);
    await trx
      .insertInto('audit_log')
      .values({
        at,
        actor_user_id: fields.actorUserId,
        actor_org_id: fields.actorOrgId,
        action: fields.action,
        target_type: fields.targetType,
        target_id: fields.targetId,
        via: fields.via,
        details: JSON.stringify(fields.details),
        prev_hash: prev,
        hash,
      })
      .execute();
    prev = hash;
  }
}

/**
 * Appends entries to the hash chain, inside the caller's transaction when given one.
 * @example await appendAudit(db, [{ action: 'key.create', actorUserId, targetType: 'api_key', targetId }])
 */
export async function appendAudit(db: Kysely<Database>, entries: readonly AuditEntryInput[]): Promise<void> {
  if (entries.length === 0) return;
  if (db.isTransaction) return appendLocked(db, entries);
  await db.transaction().execute((trx) => appendLocked(trx, entries));
}

/** Entries in chain order from a sequence number on, a page at a time. */
export function auditPage(db: Kysely<Database>, afterSeq: number, limit: number): Promise<AuditRow[]> {
  return db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
}

/** Entries about one target, newest first. */
export function auditForTarget(db: Kysely<Database>, targetType: string, targetId: string, limit = 100): Promise<AuditRow[]> {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('target_type', '=', targetType)
    .where('target_id', '=', targetId)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
}

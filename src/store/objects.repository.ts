import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { ObjectRecord } from './object-row.ts';

/** What happened to each object of a batch. */
export interface UpsertOutcome {
  readonly created: string[];
  readonly updated: string[];
}

// Whole batches go to the database as one JSON parameter and come apart in SQL
// (jsonb_to_recordset): one round trip per batch on PostgreSQL and PGlite alike.

/**
 * Inserts new objects and moves existing ones to a newer version (by `modified`; SCOs by content).
 * @example const { created, updated } = await upsertObjects(trx, records)
 */
export async function upsertObjects(db: Kysely<Database>, records: readonly ObjectRecord[]): Promise<UpsertOutcome> {
  if (records.length === 0) return { created: [], updated: [] };
  const payload = JSON.stringify(
    records.map((r) => ({
      id: r.id,
      type: r.type,
      spec_version: r.specVersion,
      created: r.created,
      modified: r.modified,
      revoked: r.revoked,
      value: r.value,
      display: r.display,
      name: r.name,
      confidence: r.confidence,
      valid_until: r.validUntil,
      pattern_usable: r.patternUsable,
      data: r.data,
    })),
  );
  const rows = await sql<{ id: string; inserted: boolean }>`
    insert into stix_objects as o (id, type, spec_version, created, modified, revoked, value, display, name, confidence, valid_until, pattern_usable, data, seq)
    select x.id, x.type, x.spec_version, x.created, x.modified, x.revoked, x.value, x.display, x.name, x.confidence, x.valid_until, x.pattern_usable, x.data, nextval('change_seq')
    from jsonb_to_recordset(cast(${payload} as jsonb)) as x(id text, type text, spec_version text, created timestamptz, modified timestamptz, revoked boolean,
      value text, display text, name text, confidence smallint, valid_until timestamptz, pattern_usable boolean, data jsonb)
    on conflict (id) do update set
      spec_version = excluded.spec_version, created = excluded.created, modified = excluded.modified, revoked = excluded.revoked,
      value = excluded.value, display = excluded.display, name = excluded.name, confidence = excluded.confidence,
      valid_until = excluded.valid_until, pattern_usable = excluded.pattern_usable, data = excluded.data,
      seq = excluded.seq, updated_at = now()
    where (excluded.modified is not null and (o.modified is null or excluded.modified > o.modified))
       or (excluded.modified is null and o.modified is null and o.data <> excluded.data)
    returning o.id, (xmax = 0) as inserted`.execute(db);
  const created: string[] = [];
  const updated: string[] = [];
  for (const r of rows.rows) (r.inserted ? created : updated).push(r.id);
  return { created, updated };
}

/** Records every version of versioned objects (SDOs, SROs); a version already known is left as it is. */
export async function insertVersions(db: Kysely<Database>, records: readonly ObjectRecord[]): Promise<number> {
  const versioned = records.filter((r) => r.modified !== null);
  if (versioned.length === 0) return 0;
  const payload = JSON.stringify(versioned.map((r) => ({ object_id: r.id, modified: r.modified, data: r.data })));
  const res = await sql`
    insert into stix_versions (object_id, modified, modified_text, data, seq)
    select x.object_id, cast(x.modified as timestamptz), x.modified, x.data, nextval('change_seq')
    from jsonb_to_recordset(cast(${payload} as jsonb)) as x(object_id text, modified text, data jsonb)
    on conflict do nothing`.execute(db);
  return Number(res.numAffectedRows ?? 0);
}

/** Replaces the observable keys of objects that were created or changed (an indicator's new pattern). */
export async function replaceObjectKeys(db: Kysely<Database>, records: readonly ObjectRecord[], changed: ReadonlySet<string>, updated: ReadonlySet<string>): Promise<void> {
  const targets = records.filter((r) => r.keys.length > 0 && changed.has(r.id));
  if (targets.length === 0) return;
  // Only a new version of an indicator can drop keys; new objects have none to delete.
  const updatedIds = targets.filter((t) => t.type === 'indicator' && updated.has(t.id)).map((t) => t.id);
  if (updatedIds.length) await db.deleteFrom('object_keys').where('object_id', 'in', updatedIds).execute();
  const pairs = targets.flatMap((t) => [...new Set(t.keys)].map((key) => ({ i: t.id, k: key })));
  if (pairs.length === 0) return;
  await sql`insert into object_keys (object_id, key)
    select x.i, x.k from jsonb_to_recordset(cast(${JSON.stringify(pairs)} as jsonb)) as x(i text, k text)
    on conflict do nothing`.execute(db);
}

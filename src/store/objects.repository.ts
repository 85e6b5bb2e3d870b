import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { ObjectRecord } from './object-row.ts';

/** One registered id: who owns it and whether this batch made it. */
export interface RegisteredObject {
  readonly id: string;
  readonly ownerOrgId: string | null;
  readonly created: boolean;
}

// Whole batches go to the database as one JSON parameter and come apart in SQL
// (jsonb_to_recordset): one round trip per batch on PostgreSQL and PGlite alike.

/**
 * Registers ids not seen before (their owner: the contributing organisation) and answers every id's owner.
 * The registry holds only what all versions share; contents live with contributions.
 * @example const owners = await registerObjects(trx, records, org.id)
 */
export async function registerObjects(db: Kysely<Database>, records: readonly ObjectRecord[], orgId: string): Promise<Map<string, RegisteredObject>> {
  const out = new Map<string, RegisteredObject>();
  if (records.length === 0) return out;
  const payload = JSON.stringify(
    records.map((r) => ({ id: r.id, type: r.type, spec_version: r.specVersion, created: r.created, value: r.value, display: r.display })),
  );
  const rows = await sql<{ id: string; owner: string | null; created: boolean }>`
    with x as (
      select * from jsonb_to_recordset(cast(${payload} as jsonb)) as x(id text, type text, spec_version text, created timestamptz, value text, display text)
    ), ins as (
      insert into stix_objects (id, type, spec_version, created, value, display, owner_org_id, seq)
      select x.id, x.type, x.spec_version, x.created, x.value, x.display, cast(${orgId} as uuid), nextval('change_seq') from x
      on conflict (id) do nothing
      returning id, owner_org_id
    )
    select x.id, coalesce(ins.owner_org_id, o.owner_org_id) as owner, ins.id is not null as created
    from x left join ins on ins.id = x.id left join stix_objects o on o.id = x.id`.execute(db);
  for (const r of rows.rows) out.set(r.id, { id: r.id, ownerOrgId: r.owner, created: r.created });
  return out;
}

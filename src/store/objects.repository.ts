import { sql, type Kysely } from 'kysely';
import { insertWithoutConflicts } from '../db/single-session.ts';
import type { Database } from '../db/schema.ts';
import type { ObjectRecord } from './object-row.ts';
import { columns, pgArray } from './pg-array.ts';
import { newContributionIds } from './contributions.repository.ts';

/** One registered id: who owns it and whether this batch made it. */
export interface RegisteredObject {
  readonly id: string;
  readonly ownerOrgId: string | null;
  readonly created: boolean;
}

// Whole batches go to the database as one array per column (pg-array.ts): one round trip per batch.

/** The registry's columns of records (built ahead of time while the previous batch is on the server). */
export function registryColumns(records: readonly ObjectRecord[]) {
  return columns(records, { id: (r) => r.id, type: (r) => r.type, spec: (r) => r.specVersion, created: (r) => r.created, value: (r) => r.value, display: (r) => r.display });
}

/** What registerObjects answers: the ids this batch did not register, and the contribution ids and sequence numbers it reserved. */
export interface Registration {
  /** Ids registered before (or beside) this batch, with their owner; every other id of the batch it registered, owned by the writer. */
  readonly known: ReadonlyMap<string, RegisteredObject>;
  /** Contribution ids and sequence numbers, each in increasing order, for new contributions (see registerObjects). */
  readonly reserved: { readonly ids: number[]; readonly seqs: number[] };
}

/**
 * Registers ids not seen before (their owner: the contributing organisation) and answers the owner of every id it
 * did not register. The registry holds only what all versions share; contents live with contributions. `reserve`
 * contribution ids and sequence numbers are taken in the same statement (a first import's contributions are copied
 * with them: no round trip of their own, issue 17); those left unused are gaps, as a rolled-back insert leaves. A
 * first import's answer is one row: the ids it registered are not sent back (the importer parsed 10,000 rows per
 * batch for nothing). A batch expected new (`expectNew`: a first import's) is inserted first and only the ids the insert
 * skipped are probed (one descent of the primary key per new id instead of two, issue 17); another batch is probed
 * first, so that ids registered before take no sequence number.
 * @example const { known } = await registerObjects(trx, records, org.id)
 */
export async function registerObjects(
  db: Kysely<Database>,
  records: readonly ObjectRecord[],
  orgId: string,
  prebuilt?: ReturnType<typeof registryColumns>,
  reserve = 0,
  expectNew = false,
): Promise<Registration> {
  const known = new Map<string, RegisteredObject>();
  const reserved = { ids: [] as number[], seqs: [] as number[] };
  if (records.length === 0) return { known, reserved };
  const a = prebuilt ?? registryColumns(records);
  // The reserved numbers come as one row without an id, after the registry's (one statement, one answer).
  const reserving = reserve > 0
    ? sql`union all
    select null, null, array_agg(r.id order by r.id), array_agg(r.seq order by r.seq)
    from (${newContributionIds(reserve)}) r`
    : sql``;
  const x = sql`select * from unnest(cast(${a.id} as text[]), cast(${a.type} as text[]), cast(${a.spec} as text[]), cast(${a.created} as timestamptz[]),
        cast(${a.value} as text[]), cast(${a.display} as text[])) as x(id, type, spec_version, created, value, display)`;
  const insert = sql`insert into stix_objects_stored (id, type, spec_version, created, value, display, owner_org_id, seq)
      select x.id, x.type, x.spec_version, x.created, x.value, x.display, cast(${orgId} as uuid), nextval('change_seq')`;
  type Row = { id: string | null; owner: string | null; cids: (number | string)[] | null; cseqs: (number | string)[] | null };
  // In PGlite's single session a batch expected new is first inserted as it is, without ON CONFLICT (a third of the
  // statement's cost on PGlite's thread; insertWithoutConflicts): no id comes back, only the reserved numbers.
  const plain = expectNew
    ? await insertWithoutConflicts<Row>(db, sql`with ins as (${insert} from (${x}) x)
    select cast(null as text) as id, cast(null as uuid) as owner, cast(null as bigint[]) as cids, cast(null as bigint[]) as cseqs where false
    ${reserving}`)
    : null;
  const rows = plain ?? (expectNew
    ? // The statement's snapshot does not see the rows its own insert adds: the probe finds only ids registered before.
      await sql<Row>`
    with x as (${x}), ins as (
      ${insert} from x
      on conflict (id) do nothing
      returning id
    )
    select x.id, o.owner_org_id as owner, cast(null as bigint[]) as cids, cast(null as bigint[]) as cseqs
    from x left join lateral (select o.owner_org_id from stix_objects_stored o where o.id = x.id limit 1) o on true
    where not exists (select 1 from ins where ins.id = x.id)
    ${reserving}`.execute(db)
    : await sql<Row>`
    with x as (${x}), known as (
      -- One probe of the primary key per id (the limit keeps the planner from hashing the whole registry per batch).
      select o.id, o.owner_org_id from x cross join lateral (select o.id, o.owner_org_id from stix_objects_stored o where o.id = x.id limit 1) o
    ), ins as (
      -- Only ids not registered yet take a sequence number (a re-import registers nothing).
      ${insert} from x where not exists (select 1 from known k where k.id = x.id)
      on conflict (id) do nothing
      returning id
    )
    select x.id, k.owner_org_id as owner, cast(null as bigint[]) as cids, cast(null as bigint[]) as cseqs
    from x left join known k on k.id = x.id
    where not exists (select 1 from ins where ins.id = x.id)
    ${reserving}`.execute(db));
  for (const r of rows.rows) {
    if (r.id !== null) known.set(r.id, { id: r.id, ownerOrgId: r.owner, created: false });
    else {
      for (const v of r.cids ?? []) reserved.ids.push(Number(v));
      for (const v of r.cseqs ?? []) reserved.seqs.push(Number(v));
    }
  }
  return { known, reserved };
}

/**
 * Whether most of a sample of these ids (at most 64, spread over them) are registered already: a streamed ingest asks
 * it of its first batch, to build it as a re-import (its unchanged contributions looked for first) or as new rows
 * (contents and contribution ids made ahead). One statement of at most 64 key probes (issue 17).
 * @example if (await mostlyRegistered(trx, part.map((p) => p.record.id))) …
 */
export async function mostlyRegistered(db: Kysely<Database>, ids: readonly string[]): Promise<boolean> {
  const n = Math.min(64, ids.length);
  if (n === 0) return false;
  const sample = Array.from({ length: n }, (_, i) => ids[Math.floor((i * ids.length) / n)]!);
  const r = await sql<{ n: number }>`select count(*)::int as n from stix_objects where id = any(cast(${pgArray(sample)} as text[]))`.execute(db);
  return Number(r.rows[0]!.n) * 2 > n;
}

import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { tlpRank } from '../trust/tlp.ts';
import { scopeKey, type ContributionRecord, type EdgeRecord } from './object-row.ts';

/** A stored contribution as the index and presenters need it. */
export interface StoredContribution {
  readonly id: number;
  readonly object_id: string;
  readonly org_id: string;
  readonly user_id: string | null;
  readonly tlp: ContributionRecord['tlp'];
  readonly anonymous: boolean;
  readonly allow_count: boolean;
  readonly recipient_orgs: string[];
  readonly recipient_groups: string[];
  readonly recipient_users: string[];
  readonly inserted: boolean;
}

/**
 * Adds contributions, or moves last_seen (and first_seen back) when the organisation already
 * contributed the object to the same audience: re-ingesting is idempotent.
 */
export async function upsertContributions(db: Kysely<Database>, records: readonly ContributionRecord[]): Promise<StoredContribution[]> {
  if (records.length === 0) return [];
  const payload = JSON.stringify(
    records.map((c) => ({
      object_id: c.objectId,
      org_id: c.orgId,
      user_id: c.userId,
      ingest_id: c.ingestId,
      tlp: c.tlp,
      tlp_rank: tlpRank(c.tlp),
      pap: c.pap,
      anonymous: c.anonymous,
      allow_count: c.allowCount,
      confidence: c.confidence,
      recipient_orgs: `{${c.recipientOrgs.join(',')}}`,
      recipient_groups: `{${c.recipientGroups.join(',')}}`,
      recipient_users: `{${c.recipientUsers.join(',')}}`,
      scope_key: scopeKey(c),
      first_seen: c.firstSeen,
      last_seen: c.lastSeen,
    })),
  );
  const rows = await sql<StoredContribution>`
    insert into contributions as c (object_id, org_id, user_id, ingest_id, tlp, tlp_rank, pap, anonymous, allow_count, confidence,
      recipient_orgs, recipient_groups, recipient_users, scope_key, first_seen, last_seen, seq)
    select x.object_id, x.org_id, x.user_id, x.ingest_id, x.tlp, x.tlp_rank, x.pap, x.anonymous, x.allow_count, x.confidence,
      cast(x.recipient_orgs as uuid[]), cast(x.recipient_groups as uuid[]), cast(x.recipient_users as uuid[]), x.scope_key, x.first_seen, x.last_seen, nextval('change_seq')
    from jsonb_to_recordset(cast(${payload} as jsonb)) as x(object_id text, org_id uuid, user_id uuid, ingest_id uuid, tlp text, tlp_rank smallint, pap text,
      anonymous boolean, allow_count boolean, confidence smallint, recipient_orgs text, recipient_groups text, recipient_users text, scope_key text,
      first_seen timestamptz, last_seen timestamptz)
    on conflict (object_id, org_id, scope_key) do update set
      last_seen = greatest(c.last_seen, excluded.last_seen),
      first_seen = least(c.first_seen, excluded.first_seen),
      confidence = coalesce(excluded.confidence, c.confidence),
      pap = coalesce(excluded.pap, c.pap),
      ingest_id = excluded.ingest_id,
      seq = excluded.seq,
      updated_at = now()
    returning c.id, c.object_id, c.org_id, c.user_id, c.tlp, c.anonymous, c.allow_count, c.recipient_orgs, c.recipient_groups, c.recipient_users, (xmax = 0) as inserted`.execute(db);
  return rows.rows;
}

/** Adds graph edges (known ones are left alone). */
export async function insertEdges(db: Kysely<Database>, edges: readonly EdgeRecord[]): Promise<void> {
  if (edges.length === 0) return;
  const payload = JSON.stringify(edges.map((e) => ({ s: e.sourceId, t: e.targetId, v: e.viaId, k: e.kind, l: e.label })));
  await sql`insert into object_edges (source_id, target_id, via_id, kind, label)
    select x.s, x.t, x.v, x.k, x.l from jsonb_to_recordset(cast(${payload} as jsonb)) as x(s text, t text, v text, k text, l text)
    on conflict do nothing`.execute(db);
}

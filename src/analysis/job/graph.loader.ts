import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { damageOf, EXT_IDS } from '../../stix/extensions.ts';
import { CASE_TYPES, PASS_TYPES, type CaseRow, type RawGraph } from './analysis.graph.ts';

// The analysis job's reads: whole tables, as numbers where it can (object seq numbers instead of
// ids), so that a million observables cross the wire once and cheaply.

/** A member with the figures the job stores for it. */
export interface LoadedCase extends CaseRow {
  readonly seenAt: Date | null;
  readonly confidence: number | null;
  readonly amountJpy: number | null;
  readonly victims: number | null;
  readonly records: number | null;
}

const inList = (xs: readonly string[]) =>
  sql.join(
    xs.map((x) => sql.lit(x)),
    sql`, `,
  );

function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * Reads members, pass-through objects, key holders and the edges between objects of interest.
 * @example const { raw, cases } = await loadGraph(db)
 */
export async function loadGraph(db: Kysely<Database>): Promise<{ raw: RawGraph; cases: LoadedCase[] }> {
  const caseRows = await sql<{ seq: number; id: string; type: string; created: Date | null; modified: Date | null; added_at: Date; confidence: number | null; dmg: unknown; last_seen: string | null }>`
    select o.seq, o.id, o.type, o.created, o.modified, o.added_at, o.confidence,
      o.data -> 'extensions' -> ${EXT_IDS.incidentDamage} as dmg,
      case when jsonb_typeof(o.data -> 'last_seen') = 'string' then o.data ->> 'last_seen' end as last_seen
    from stix_objects o where o.type in (${inList(CASE_TYPES)}) and not o.revoked order by o.seq`.execute(db);
  const cases = caseRows.rows.map((r): LoadedCase => {
    const damage = r.type === 'incident' && r.dmg ? damageOf({ type: 'incident', id: r.id, extensions: { [EXT_IDS.incidentDamage]: r.dmg } }) : undefined;
    const seen = [toDate(r.last_seen), toDate(r.modified), toDate(r.created)].filter((d): d is Date => d !== null);
    return {
      seq: Number(r.seq),
      id: r.id,
      type: r.type,
      seenAt: seen.length ? new Date(Math.max(...seen.map((d) => d.getTime()))) : toDate(r.added_at),
      confidence: r.confidence,
      amountJpy: damage?.amountJpy ?? null,
      victims: damage?.victims ?? null,
      records: damage?.records ?? null,
    };
  });
  const pass = await sql<{ seq: number; id: string }>`select o.seq, o.id from stix_objects o where o.type in (${inList(PASS_TYPES)}) and not o.revoked`.execute(db);
  const keys = await sql<{ seq: number; key: string }>`
    select o.seq, k.key from object_keys k join stix_objects o on o.id = k.object_id where not o.revoked`.execute(db);
  const interesting = inList([...CASE_TYPES, ...PASS_TYPES]);
  const edges = await sql<{ a: number; b: number; via: string | null }>`
    select s.seq as a, t.seq as b,
      case when s.type in (${inList(CASE_TYPES)}) and t.type in (${inList(CASE_TYPES)}) then e.via_id end as via
    from object_edges e
    join stix_objects s on s.id = e.source_id
    join stix_objects t on t.id = e.target_id
    where e.kind <> 'sighting' and (s.type in (${interesting}) or t.type in (${interesting}))
      and not s.revoked and not t.revoked`.execute(db);
  const holderSeq = new Float64Array(keys.rows.length);
  const holderKey: string[] = new Array<string>(keys.rows.length);
  keys.rows.forEach((r, i) => {
    holderSeq[i] = Number(r.seq);
    holderKey[i] = r.key;
  });
  const edgeA = new Float64Array(edges.rows.length);
  const edgeB = new Float64Array(edges.rows.length);
  const edgeVia: (string | null)[] = new Array<string | null>(edges.rows.length);
  edges.rows.forEach((r, i) => {
    edgeA[i] = Number(r.a);
    edgeB[i] = Number(r.b);
    edgeVia[i] = r.via;
  });
  return {
    raw: { cases, passSeqs: pass.rows.map((r) => Number(r.seq)), passIds: pass.rows.map((r) => r.id), holderSeq, holderKey, edgeA, edgeB, edgeVia },
    cases,
  };
}

/** Organisations and confidences of the members' contributions (hub-wide). */
export async function loadCaseContributions(db: Kysely<Database>): Promise<Map<number, { org: string; confidence: number | null }[]>> {
  const rows = await sql<{ seq: number; org_id: string; confidence: number | null }>`
    select o.seq, c.org_id, c.confidence from contributions c join stix_objects o on o.id = c.object_id
    where o.type in (${inList(CASE_TYPES)}) and not o.revoked`.execute(db);
  const out = new Map<number, { org: string; confidence: number | null }[]>();
  for (const r of rows.rows) {
    const seq = Number(r.seq);
    const list = out.get(seq);
    const item = { org: r.org_id, confidence: r.confidence };
    if (list) list.push(item);
    else out.set(seq, [item]);
  }
  return out;
}

/** Object ids of seq numbers (only the holders that end up as evidence need theirs). */
export async function idsOfSeqs(db: Kysely<Database>, seqs: readonly number[]): Promise<Map<number, { id: string; type: string; modified: Date | null }>> {
  const out = new Map<number, { id: string; type: string; modified: Date | null }>();
  for (let i = 0; i < seqs.length; i += 20_000) {
    const chunk = seqs.slice(i, i + 20_000);
    const rows = await sql<{ seq: number; id: string; type: string; modified: Date | null }>`
      select o.seq, o.id, o.type, o.modified from stix_objects o
      where o.seq = any(cast(${`{${chunk.join(',')}}`} as bigint[]))`.execute(db);
    for (const r of rows.rows) out.set(Number(r.seq), { id: r.id, type: r.type, modified: r.modified });
  }
  return out;
}

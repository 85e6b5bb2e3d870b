import { sql, type Kysely } from 'kysely';
import type { Database, Tlp } from '../../db/schema.ts';
import type { Scope } from './signatures.ts';
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
    select o.seq, o.id, o.type, o.created, c.modified, o.added_at, c.confidence,
      c.data -> 'extensions' -> ${EXT_IDS.incidentDamage} as dmg,
      case when jsonb_typeof(c.data -> 'last_seen') = 'string' then c.data ->> 'last_seen' end as last_seen
    from stix_objects o join contributions c on c.object_id = o.id and not c.superseded
    where o.type in (${inList(CASE_TYPES)}) and not c.revoked order by o.seq`.execute(db);
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
  // The job sees the hub-wide picture: each object in its leading version; an object whose leading version is
  // revoked takes no part, nor do its values and edges.
  const pass = await sql<{ seq: number; id: string }>`
    select o.seq, o.id from stix_objects o join contributions c on c.object_id = o.id and not c.superseded
    where o.type in (${inList(PASS_TYPES)}) and not c.revoked`.execute(db);
  const keys = await sql<{ seq: number; key: string }>`
    select distinct o.seq, k.key from object_keys k join contributions c on c.id = k.contribution_id join stix_objects o on o.id = c.object_id
    where not c.revoked and not exists (select 1 from contributions h where h.object_id = c.object_id and not h.superseded and h.revoked)`.execute(db);
  const interesting = inList([...CASE_TYPES, ...PASS_TYPES]);
  const edges = await sql<{ a: number; b: number; via: string | null }>`
    select distinct s.seq as a, t.seq as b,
      case when s.type in (${inList(CASE_TYPES)}) and t.type in (${inList(CASE_TYPES)}) then e.via_id end as via
    from object_edges e
    join contributions ec on ec.id = e.contribution_id and not ec.revoked
    join stix_objects s on s.id = e.source_id
    join stix_objects t on t.id = e.target_id
    where e.kind <> 'sighting' and (s.type in (${interesting}) or t.type in (${interesting}))`.execute(db);
  const revoked = new Set(
    (await sql<{ seq: number }>`select o.seq from contributions c join stix_objects o on o.id = c.object_id where not c.superseded and c.revoked`.execute(db)).rows.map((r) => Number(r.seq)),
  );
  const liveEdges = revoked.size ? edges.rows.filter((r) => !revoked.has(Number(r.a)) && !revoked.has(Number(r.b))) : edges.rows;
  const holderSeq = new Float64Array(keys.rows.length);
  const holderKey: string[] = new Array<string>(keys.rows.length);
  keys.rows.forEach((r, i) => {
    holderSeq[i] = Number(r.seq);
    holderKey[i] = r.key;
  });
  const edgeA = new Float64Array(liveEdges.length);
  const edgeB = new Float64Array(liveEdges.length);
  const edgeVia: (string | null)[] = new Array<string | null>(liveEdges.length);
  liveEdges.forEach((r, i) => {
    edgeA[i] = Number(r.a);
    edgeB[i] = Number(r.b);
    edgeVia[i] = r.via;
  });
  return {
    raw: { cases, passSeqs: pass.rows.map((r) => Number(r.seq)), passIds: pass.rows.map((r) => r.id), holderSeq, holderKey, edgeA, edgeB, edgeVia },
    cases,
  };
}

/** The contribution scopes of the members (hub-wide), by object seq. */
export async function loadCaseContributions(db: Kysely<Database>): Promise<Map<number, Scope[]>> {
  const rows = await sql<{ seq: number; org_id: string; user_id: string | null; tlp: Tlp; recipient_orgs: string[]; recipient_groups: string[]; recipient_users: string[]; allow_count: boolean; confidence: number | null }>`
    select o.seq, c.org_id, c.user_id, c.tlp, c.recipient_orgs, c.recipient_groups, c.recipient_users, c.allow_count, c.confidence
    from contributions c join stix_objects o on o.id = c.object_id
    where o.type in (${inList(CASE_TYPES)}) and not c.revoked`.execute(db);
  const out = new Map<number, Scope[]>();
  for (const r of rows.rows) {
    const seq = Number(r.seq);
    const item: Scope = {
      orgId: r.org_id,
      userId: r.user_id,
      tlp: r.tlp,
      recipientOrgs: r.recipient_orgs,
      recipientGroups: r.recipient_groups,
      recipientUsers: r.recipient_users,
      allowCount: r.allow_count,
      confidence: r.confidence,
    };
    const list = out.get(seq);
    if (list) list.push(item);
    else out.set(seq, [item]);
  }
  return out;
}


/**
 * Sanitised copies among the members: a member derived from another member of its type (a
 * `derived-from` relationship) that only the hub contributed — what SanitiseService makes. By seq.
 */
export async function loadCopies(db: Kysely<Database>): Promise<{ copy: number; original: number }[]> {
  const rows = await sql<{ copy: number; original: number }>`
    select s.seq as copy, t.seq as original
    from object_edges e
    join contributions ec on ec.id = e.contribution_id and not ec.revoked
    join stix_objects s on s.id = e.source_id
    join stix_objects t on t.id = e.target_id
    where e.kind = 'relationship' and e.label = 'derived-from' and s.type = t.type and s.type in (${inList(CASE_TYPES)}) and s.id <> t.id
      and not exists (select 1 from contributions r where r.object_id in (s.id, t.id) and not r.superseded and r.revoked)
      and exists (select 1 from contributions c where c.object_id = s.id)
      and not exists (select 1 from contributions c join orgs g on g.id = c.org_id where c.object_id = s.id and g.kind <> 'hub')`.execute(db);
  return rows.rows.map((r) => ({ copy: Number(r.copy), original: Number(r.original) }));
}

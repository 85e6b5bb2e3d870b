import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import '../analysis.tables.ts';
import { assignIds, type OldCluster } from '../clusters/cluster.identity.ts';

/** A member with the figures stored beside it. */
export interface MemberFact {
  readonly objectId: string;
  readonly type: string;
  /** The signature of its contributions. */
  readonly sig: string;
  readonly amountJpy: number | null;
  readonly victims: number | null;
  readonly records: number | null;
  readonly seenAt: Date | null;
  readonly confidence: number | null;
  /** A sanitised copy: its original's id. */
  readonly copyOf?: string | null;
  /** A copy counts only for viewers who may not see this signature (its original's); '' or absent: always. */
  readonly unlessSig?: string;
}

/** A computed cluster ready to store. */
export interface ClusterToStore {
  readonly members: readonly MemberFact[];
  /** Readable name from the strongest shared values. */
  readonly name: string;
  readonly links: readonly { kind: 'key' | 'edge'; ref: string; weight: number; members: number }[];
  readonly evidence: number;
  readonly hubScore: number;
  readonly referral: boolean;
  readonly firstSeen: Date | null;
  readonly lastSeen: Date | null;
}

/** What a run did to the clusters. */
export interface ClusterChanges {
  active: number;
  created: number;
  changed: number;
  merged: number;
  split: number;
  dissolved: number;
}

/** A stored cluster after a run: its id, hub priority before and now, whether its members changed. */
export interface StoredCluster {
  readonly id: number;
  readonly name: string;
  readonly hubScore: number;
  readonly previous: number | null;
  readonly changed: boolean;
  readonly objectIds: readonly string[];
}

const CHUNK = 5000;

async function insertRows(db: Kysely<Database>, rows: readonly Record<string, unknown>[], statement: (payload: string) => ReturnType<typeof sql>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await statement(JSON.stringify(rows.slice(i, i + CHUNK))).execute(db);
}

const memberSig = (m: MemberFact, id: number): string =>
  `${id}|${m.type}|${m.sig}|${m.amountJpy}|${m.victims}|${m.records}|${m.seenAt?.getTime() ?? ''}|${m.confidence}|${m.copyOf ?? ''}|${m.unlessSig ?? ''}`;
const bigints = (xs: readonly number[]) => sql`cast(${`{${xs.join(',')}}`} as bigint[])`;

/**
 * Stores a run's clusters with stable ids (see assignIds), inside the caller's transaction: new
 * clusters, survivors updated, merged/split/dissolved ones marked, members and links rewritten only
 * where they changed, an event per change.
 */
export async function persistClusters(trx: Kysely<Database>, runId: number, comps: readonly ClusterToStore[]): Promise<ClusterChanges & { stored: StoredCluster[] }> {
  const old = new Map<number, OldCluster>();
  const oldScore = new Map<number, number>();
  for (const r of await trx.selectFrom('analysis_clusters').select(['id', 'members', 'hub_score']).where('status', '=', 'active').execute()) {
    old.set(Number(r.id), { id: Number(r.id), members: r.members });
    oldScore.set(Number(r.id), r.hub_score);
  }
  const oldMembers = await trx
    .selectFrom('analysis_cluster_members')
    .select(['object_id', 'cluster_id', 'object_type', 'sig', 'amount_jpy', 'victims', 'records', 'seen_at', 'confidence', 'copy_of', 'unless_sig'])
    .execute();
  const oldOf = new Map<string, number>();
  const oldSig = new Map<number, string[]>();
  for (const m of oldMembers) {
    const cid = Number(m.cluster_id);
    oldOf.set(m.object_id, cid);
    const sig = memberSig(
      { objectId: m.object_id, type: m.object_type, sig: m.sig, amountJpy: m.amount_jpy, victims: m.victims, records: m.records, seenAt: m.seen_at, confidence: m.confidence, copyOf: m.copy_of, unlessSig: m.unless_sig },
      cid,
    );
    const list = oldSig.get(cid);
    if (list) list.push(`${m.object_id}|${sig}`);
    else oldSig.set(cid, [`${m.object_id}|${sig}`]);
  }
  const { assignments, fates } = assignIds(
    comps.map((c) => c.members.map((m) => m.objectId)),
    oldOf,
    old,
  );
  const fresh = assignments.filter((a) => a.id === null).length;
  const newIds = fresh
    ? (await sql<{ id: number }>`select nextval(pg_get_serial_sequence('analysis_clusters', 'id')) as id from generate_series(1, ${fresh})`.execute(trx)).rows.map((r) => Number(r.id))
    : [];
  let next = 0;
  const ids = assignments.map((a) => a.id ?? newIds[next++]!);
  const changes: ClusterChanges = { active: comps.length, created: fresh, changed: 0, merged: 0, split: 0, dissolved: 0 };
  const events: { run_id: number; cluster_id: number; kind: string; other_ids: string; members: number }[] = [];
  const ev = (cluster: number, kind: string, others: readonly number[], members: number) => events.push({ run_id: runId, cluster_id: cluster, kind, other_ids: `{${others.join(',')}}`, members });

  const rewrite: number[] = [];
  const created: Record<string, unknown>[] = [];
  const updated: Record<string, unknown>[] = [];
  comps.forEach((c, i) => {
    const a = assignments[i]!;
    const id = ids[i]!;
    const row = {
      id,
      members: c.members.length,
      evidence: c.evidence,
      hub_score: c.hubScore,
      referral: c.referral,
      first_seen: c.firstSeen?.toISOString() ?? null,
      last_seen: c.lastSeen?.toISOString() ?? null,
      name: c.name,
      merged_from: `{${a.mergedFrom.join(',')}}`,
      split_from: `{${a.splitFrom.join(',')}}`,
    };
    const sigs = c.members.map((m) => `${m.objectId}|${memberSig(m, id)}`).sort();
    const before = (a.id !== null ? oldSig.get(a.id) : undefined)?.sort();
    const same = before !== undefined && before.length === sigs.length && before.every((x, j) => x === sigs[j]);
    if (a.id === null) {
      created.push(row);
      ev(id, a.splitFrom.length ? 'created_by_split' : 'created', a.splitFrom, c.members.length);
    } else {
      updated.push(row);
      if (a.mergedFrom.length) ev(id, 'absorbed', a.mergedFrom, c.members.length);
      if (a.changed && a.splitFrom.length) ev(id, 'took_part_of', a.splitFrom, c.members.length);
      if (a.changed) {
        changes.changed++;
        const before = old.get(a.id)?.members ?? 0;
        ev(id, c.members.length > before ? 'grew' : c.members.length < before ? 'shrank' : 'changed', [], c.members.length);
      }
    }
    if (!same) rewrite.push(i);
  });

  await insertRows(trx, created, (p) => sql`insert into analysis_clusters (id, status, members, evidence, hub_score, referral_candidate, first_seen, last_seen, merged_from, split_from, created_run, updated_run, name)
    overriding system value
    select x.id, 'active', x.members, x.evidence, x.hub_score, x.referral, x.first_seen, x.last_seen, cast(x.merged_from as bigint[]), cast(x.split_from as bigint[]), ${runId}, ${runId}, x.name
    from jsonb_to_recordset(cast(${p} as jsonb)) as x(id bigint, members int, evidence real, hub_score real, referral boolean, first_seen timestamptz, last_seen timestamptz, merged_from text, split_from text, name text)`);
  await insertRows(trx, updated, (p) => sql`update analysis_clusters c set members = x.members, evidence = x.evidence, hub_score = x.hub_score, referral_candidate = x.referral,
      first_seen = x.first_seen, last_seen = x.last_seen, updated_run = ${runId}, updated_at = now(), name = x.name,
      merged_from = array(select distinct unnest(c.merged_from || cast(x.merged_from as bigint[]))),
      split_from = array(select distinct unnest(c.split_from || cast(x.split_from as bigint[])))
    from jsonb_to_recordset(cast(${p} as jsonb)) as x(id bigint, members int, evidence real, hub_score real, referral boolean, first_seen timestamptz, last_seen timestamptz, merged_from text, split_from text, name text)
    where c.id = x.id`);

  const gone: number[] = [];
  for (const f of fates) {
    gone.push(f.id);
    if (f.kind === 'merged') {
      changes.merged++;
      await trx.updateTable('analysis_clusters').set({ status: 'merged', merged_into: f.into, updated_run: runId, updated_at: new Date() }).where('id', '=', f.id).execute();
      ev(f.id, 'merged', [f.into], 0);
    } else if (f.kind === 'split') {
      changes.split++;
      const into = f.into.map((i) => ids[i]!);
      await sql`update analysis_clusters set status = 'split', split_into = ${bigints(into)}, updated_run = ${runId}, updated_at = now() where id = ${f.id}`.execute(trx);
      ev(f.id, 'split', into, 0);
    } else {
      changes.dissolved++;
      await trx.updateTable('analysis_clusters').set({ status: 'dissolved', updated_run: runId, updated_at: new Date() }).where('id', '=', f.id).execute();
      ev(f.id, 'dissolved', [], 0);
    }
  }

  // Members and links: rewritten for clusters whose membership or figures changed, dropped for gone ones.
  const touched = [...gone, ...rewrite.map((i) => ids[i]!)];
  const memberIds = rewrite.flatMap((i) => comps[i]!.members.map((m) => m.objectId));
  if (touched.length) {
    await sql`delete from analysis_cluster_members where cluster_id = any(${bigints(touched)})`.execute(trx);
    await sql`delete from analysis_cluster_links where cluster_id = any(${bigints(touched)})`.execute(trx);
    await sql`delete from analysis_cluster_facts where cluster_id = any(${bigints(touched)})`.execute(trx);
  }
  // Members that left every cluster (now alone) or moved to an untouched one.
  const now = new Set(comps.flatMap((c) => c.members.map((m) => m.objectId)));
  const leftovers = [...oldOf.keys()].filter((id) => !now.has(id));
  for (let i = 0; i < leftovers.length; i += CHUNK) await trx.deleteFrom('analysis_cluster_members').where('object_id', 'in', leftovers.slice(i, i + CHUNK)).execute();
  for (let i = 0; i < memberIds.length; i += CHUNK) await trx.deleteFrom('analysis_cluster_members').where('object_id', 'in', memberIds.slice(i, i + CHUNK)).execute();
  const memberRows = rewrite.flatMap((i) =>
    comps[i]!.members.map((m) => ({ o: m.objectId, c: ids[i]!, t: m.type, g: m.sig, a: m.amountJpy, v: m.victims, r: m.records, s: m.seenAt?.toISOString() ?? null, f: m.confidence, k: m.copyOf ?? null, u: m.unlessSig ?? '' })),
  );
  await insertRows(trx, memberRows, (p) => sql`insert into analysis_cluster_members (object_id, cluster_id, object_type, sig, amount_jpy, victims, records, seen_at, confidence, copy_of, unless_sig)
    select x.o, x.c, x.t, x.g, x.a, x.v, x.r, x.s, x.f, x.k, x.u
    from jsonb_to_recordset(cast(${p} as jsonb)) as x(o text, c bigint, t text, g text, a bigint, v bigint, r bigint, s timestamptz, f smallint, k text, u text)`);
  // The same members counted per signature and type: what the priority reads apply the policy to.
  await insertRows(trx, memberRows, (p) => sql`insert into analysis_cluster_facts (cluster_id, sig, object_type, unless_sig, objects, amount_jpy, victims, records, first_seen, last_seen)
    select x.c, x.g, x.t, x.u, count(*), coalesce(sum(x.a), 0), coalesce(sum(x.v), 0), coalesce(sum(x.r), 0), min(x.s), max(x.s)
    from jsonb_to_recordset(cast(${p} as jsonb)) as x(c bigint, t text, g text, u text, a bigint, v bigint, r bigint, s timestamptz)
    group by x.c, x.g, x.t, x.u
    on conflict (cluster_id, sig, object_type, unless_sig) do update set objects = analysis_cluster_facts.objects + excluded.objects,
      amount_jpy = analysis_cluster_facts.amount_jpy + excluded.amount_jpy, victims = analysis_cluster_facts.victims + excluded.victims,
      records = analysis_cluster_facts.records + excluded.records, first_seen = least(analysis_cluster_facts.first_seen, excluded.first_seen),
      last_seen = greatest(analysis_cluster_facts.last_seen, excluded.last_seen)`);
  const linkRows = rewrite.flatMap((i) => comps[i]!.links.map((l) => ({ c: ids[i]!, k: l.kind, r: l.ref, w: l.weight, m: l.members })));
  await insertRows(trx, linkRows, (p) => sql`insert into analysis_cluster_links (cluster_id, kind, ref, weight, members)
    select x.c, x.k, x.r, max(x.w), max(x.m) from jsonb_to_recordset(cast(${p} as jsonb)) as x(c bigint, k text, r text, w real, m int) group by x.c, x.k, x.r`);
  await insertRows(trx, events, (p) => sql`insert into analysis_cluster_events (run_id, cluster_id, kind, other_ids, members)
    select x.run_id, x.cluster_id, x.kind, cast(x.other_ids as bigint[]), x.members from jsonb_to_recordset(cast(${p} as jsonb)) as x(run_id bigint, cluster_id bigint, kind text, other_ids text, members int)`);
  const stored = comps.map((c, i): StoredCluster => {
    const a = assignments[i]!;
    return { id: ids[i]!, name: c.name, hubScore: c.hubScore, previous: a.id === null ? null : (oldScore.get(a.id) ?? null), changed: a.changed, objectIds: c.members.map((m) => m.objectId) };
  });
  return { ...changes, stored };
}

import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import '../analysis.tables.ts';

/** A root-source value with its evidence resolved to object ids. */
export interface RootToStore {
  readonly key: string;
  readonly kind: string;
  readonly hubScore: number;
  readonly tooCommon: boolean;
  readonly connections: number;
  readonly hash: string;
  /** Evidence rows; only read when the hash changed. */
  readonly evidence: () => { objectId: string; type: string; role: 0 | 1; derived: boolean; seenAt: Date | null }[];
}

const CHUNK = 5000;

/**
 * Brings the stored root sources to a run's result: evidence rewritten only for values whose evidence
 * changed (by hash), scores updated, values that no longer qualify removed. Inside the caller's transaction.
 */
export async function persistRootSources(trx: Kysely<Database>, runId: number, roots: readonly RootToStore[]): Promise<{ stored: number; rewritten: number; removed: number }> {
  const existing = new Map<string, { hash: string; score: number; tooCommon: boolean; connections: number }>();
  for (const r of await trx.selectFrom('analysis_root_sources').select(['key', 'evidence_hash', 'hub_score', 'too_common', 'connections']).execute())
    existing.set(r.key, { hash: r.evidence_hash, score: r.hub_score, tooCommon: r.too_common, connections: r.connections });
  const keep = new Set(roots.map((r) => r.key));
  const removed = [...existing.keys()].filter((k) => !keep.has(k));
  const rewrite = roots.filter((r) => existing.get(r.key)?.hash !== r.hash);
  const rescore = roots.filter((r) => {
    const e = existing.get(r.key);
    return e !== undefined && e.hash === r.hash && (Math.abs(e.score - r.hubScore) > 0.005 || e.tooCommon !== r.tooCommon);
  });
  const gone = [...removed, ...rewrite.map((r) => r.key)];
  for (let i = 0; i < gone.length; i += CHUNK) {
    const keys = JSON.stringify(gone.slice(i, i + CHUNK));
    await sql`delete from analysis_root_evidence where key in (select jsonb_array_elements_text(cast(${keys} as jsonb)))`.execute(trx);
    await sql`delete from analysis_root_sources where key in (select jsonb_array_elements_text(cast(${keys} as jsonb)))`.execute(trx);
  }
  for (let i = 0; i < rewrite.length; i += CHUNK) {
    const batch = rewrite.slice(i, i + CHUNK);
    const rows = JSON.stringify(batch.map((r) => ({ k: r.key, t: r.kind, s: r.hubScore, c: r.tooCommon, n: r.connections, h: r.hash })));
    await sql`insert into analysis_root_sources (key, kind, hub_score, too_common, connections, evidence_hash, run_id)
      select x.k, x.t, x.s, x.c, x.n, x.h, ${runId} from jsonb_to_recordset(cast(${rows} as jsonb)) as x(k text, t text, s real, c boolean, n int, h text)`.execute(trx);
    const ev = batch.flatMap((r) => r.evidence().map((e) => ({ k: r.key, o: e.objectId, t: e.type, r: e.role, d: e.derived, s: e.seenAt?.toISOString() ?? null })));
    for (let j = 0; j < ev.length; j += CHUNK * 4) {
      const p = JSON.stringify(ev.slice(j, j + CHUNK * 4));
      await sql`insert into analysis_root_evidence (key, object_id, object_type, role, derived, seen_at)
        select x.k, x.o, x.t, x.r, x.d, x.s from jsonb_to_recordset(cast(${p} as jsonb)) as x(k text, o text, t text, r smallint, d boolean, s timestamptz)
        on conflict (key, object_id) do nothing`.execute(trx);
    }
  }
  for (let i = 0; i < rescore.length; i += CHUNK) {
    const rows = JSON.stringify(rescore.slice(i, i + CHUNK).map((r) => ({ k: r.key, s: r.hubScore, c: r.tooCommon, n: r.connections })));
    await sql`update analysis_root_sources a set hub_score = x.s, too_common = x.c, connections = x.n, run_id = ${runId}, updated_at = now()
      from jsonb_to_recordset(cast(${rows} as jsonb)) as x(k text, s real, c boolean, n int) where a.key = x.k`.execute(trx);
  }
  return { stored: roots.length, rewritten: rewrite.length, removed: removed.length };
}

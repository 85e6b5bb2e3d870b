import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import '../analysis.tables.ts';
import type { RootCandidate } from './root-sources.compute.ts';
import type { Signatures } from './signatures.ts';
import { WARN_FACTOR } from '../warninglists/warninglist.scopes.ts';

const CHUNK = 5000;

const factorOf = (r: RootCandidate): number => (r.warninglists.length ? WARN_FACTOR : 1);

/** Stores the signatures met in a run (content-addressed: known ones are left as they are). */
export async function persistSignatures(trx: Kysely<Database>, sigs: Signatures): Promise<void> {
  const rows: Record<string, unknown>[] = [];
  for (const [sig, scopes] of sigs.entries())
    scopes.forEach((s, ord) =>
      rows.push({ s: sig, o: ord, g: s.orgId, u: s.userId, t: s.tlp, ro: `{${s.recipientOrgs.join(',')}}`, rg: `{${s.recipientGroups.join(',')}}`, ru: `{${s.recipientUsers.join(',')}}`, a: s.allowCount, c: s.confidence, r: s.reporter !== false }),
    );
  for (let i = 0; i < rows.length; i += CHUNK) {
    const p = JSON.stringify(rows.slice(i, i + CHUNK));
    await sql`insert into analysis_signatures (sig, ord, org_id, user_id, tlp, tlp_rank, recipient_orgs, recipient_groups, recipient_users, allow_count, confidence, reporter)
      select x.s, x.o, x.g, x.u, x.t, array_position(array['clear','green','amber','amber+strict','red'], x.t) - 1,
        cast(x.ro as uuid[]), cast(x.rg as uuid[]), cast(x.ru as uuid[]), x.a, x.c, x.r
      from jsonb_to_recordset(cast(${p} as jsonb)) as x(s text, o smallint, g uuid, u uuid, t text, ro text, rg text, ru text, a boolean, c smallint, r boolean)
      on conflict (sig, ord) do nothing`.execute(trx);
  }
}

/**
 * Brings the stored root sources to a run's result: facts rewritten only for values whose facts
 * changed (by hash), scores updated, values that no longer qualify removed. Inside the caller's transaction.
 */
export async function persistRootSources(trx: Kysely<Database>, runId: number, roots: readonly RootCandidate[]): Promise<{ stored: number; rewritten: number; removed: number }> {
  const existing = new Map<string, { hash: string; score: number; tooCommon: boolean; connections: number; lists: string }>();
  for (const r of await trx.selectFrom('analysis_root_sources').select(['key', 'evidence_hash', 'hub_score', 'too_common', 'connections', 'warninglists']).execute())
    existing.set(r.key, { hash: r.evidence_hash, score: r.hub_score, tooCommon: r.too_common, connections: r.connections, lists: r.warninglists.join(',') });
  const keep = new Set(roots.map((r) => r.key));
  const removed = [...existing.keys()].filter((k) => !keep.has(k));
  const rewrite = roots.filter((r) => existing.get(r.key)?.hash !== r.hash);
  const rescore = roots.filter((r) => {
    const e = existing.get(r.key);
    return e !== undefined && e.hash === r.hash && (Math.abs(e.score - r.hubScore) > 0.005 || e.tooCommon !== r.tooCommon || e.connections !== r.connections || e.lists !== r.warninglists.join(','));
  });
  const gone = [...removed, ...rewrite.map((r) => r.key)];
  for (let i = 0; i < gone.length; i += CHUNK) {
    const keys = JSON.stringify(gone.slice(i, i + CHUNK));
    await sql`delete from analysis_root_facts where key in (select jsonb_array_elements_text(cast(${keys} as jsonb)))`.execute(trx);
    await sql`delete from analysis_root_sources where key in (select jsonb_array_elements_text(cast(${keys} as jsonb)))`.execute(trx);
  }
  for (let i = 0; i < rewrite.length; i += CHUNK) {
    const batch = rewrite.slice(i, i + CHUNK);
    const rows = JSON.stringify(batch.map((r) => ({ k: r.key, t: r.kind, s: r.hubScore, c: r.tooCommon, n: r.connections, h: r.hash, w: r.warninglists, f: factorOf(r) })));
    await sql`insert into analysis_root_sources (key, kind, hub_score, too_common, connections, evidence_hash, run_id, warninglists, score_factor)
      select x.k, x.t, x.s, x.c, x.n, x.h, ${runId}, array(select jsonb_array_elements_text(x.w)), x.f
      from jsonb_to_recordset(cast(${rows} as jsonb)) as x(k text, t text, s real, c boolean, n int, h text, w jsonb, f real)`.execute(trx);
    const facts = batch.flatMap((r) => r.facts.map((f) => ({ k: r.key, s: f.sig, t: f.type, r: f.role, d: f.derived, n: f.objects, l: Number.isNaN(f.lastSeen) ? null : new Date(f.lastSeen).toISOString() })));
    for (let j = 0; j < facts.length; j += CHUNK * 4) {
      const p = JSON.stringify(facts.slice(j, j + CHUNK * 4));
      await sql`insert into analysis_root_facts (key, sig, object_type, role, derived, objects, last_seen)
        select x.k, x.s, x.t, x.r, x.d, x.n, x.l from jsonb_to_recordset(cast(${p} as jsonb)) as x(k text, s text, t text, r smallint, d boolean, n int, l timestamptz)`.execute(trx);
    }
  }
  for (let i = 0; i < rescore.length; i += CHUNK) {
    const rows = JSON.stringify(rescore.slice(i, i + CHUNK).map((r) => ({ k: r.key, s: r.hubScore, c: r.tooCommon, n: r.connections, w: r.warninglists, f: factorOf(r) })));
    await sql`update analysis_root_sources a set hub_score = x.s, too_common = x.c, connections = x.n, run_id = ${runId}, updated_at = now(),
        warninglists = array(select jsonb_array_elements_text(x.w)), score_factor = x.f
      from jsonb_to_recordset(cast(${rows} as jsonb)) as x(k text, s real, c boolean, n int, w jsonb, f real) where a.key = x.k`.execute(trx);
  }
  return { stored: roots.length, rewritten: rewrite.length, removed: removed.length };
}

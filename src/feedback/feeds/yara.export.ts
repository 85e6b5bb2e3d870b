import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { headContribution } from '../../access/visibility.policy.ts';
import { assembleYara, prepareYara, type YaraChunk, type YaraSkipped } from './yara.rules.ts';
import type { YaraCompiler } from './yara.compile.ts';

/** A YARA rules file and the indicators left out of it. */
export interface YaraFile {
  readonly source: string;
  readonly included: number;
  readonly skipped: readonly YaraSkipped[];
  /** Whether a real compiler checked the file. */
  readonly compiled: boolean;
}

const MAX_ROUNDS = 50;

/**
 * Builds the YARA rules file of the current YARA indicators (`pattern_type: "yara"`) the viewer may
 * see. Rules that would not compile are left out and listed, never shipped: each compiler error is
 * traced to its indicator, which is dropped, until the file compiles.
 * @example const { source, skipped } = await buildYaraFile(db, viewer, compiler, new Date())
 */
export async function buildYaraFile(db: Kysely<Database>, v: AnyViewer, compile: YaraCompiler | undefined, now: Date): Promise<YaraFile> {
  const rows = await db
    .selectFrom('contributions as c')
    .innerJoin('stix_objects as o', 'o.id', 'c.object_id')
    .select(['o.id', sql<string>`c.data->>'pattern'`.as('pattern')])
    .where('o.type', '=', 'indicator')
    // pattern_usable is false for every indicator whose pattern_type is not "stix" (ingest/prepare.ts keysOf): a test on
    // a column, which rows that can only hold usable STIX patterns (flat feed lines) fail without building their JSON.
    .where(sql<boolean>`c.pattern_usable is not true`)
    .where(sql<boolean>`c.data->>'pattern_type' = 'yara'`)
    .where('c.revoked', '=', false)
    .where((eb) => eb.or([eb('c.valid_until', 'is', null), eb('c.valid_until', '>', now)]))
    .where(headContribution(v, 'c'))
    .orderBy('o.id')
    .execute();
  const taken = new Set<string>();
  let chunks: YaraChunk[] = [];
  const skipped: YaraSkipped[] = [];
  for (const r of rows) {
    const c = prepareYara(r.id, r.pattern ?? '', taken);
    if ('text' in c) chunks.push(c);
    else skipped.push(c);
  }
  if (!compile) return { source: assembleYara(chunks, skipped, now).source, included: chunks.length, skipped, compiled: false };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { source, lineOf } = assembleYara(chunks, skipped, now);
    const verdict = await compile(source);
    if (verdict.ok) return { source, included: chunks.length, skipped, compiled: true };
    const bad = new Map<string, string>();
    for (const e of verdict.errors) {
      const id = e.line === null ? undefined : lineOf.get(e.line);
      if (id && !bad.has(id)) bad.set(id, `does not compile: ${e.message}`);
    }
    if (!bad.size) {
      // An error the compiler did not place: find the culprits one chunk at a time.
      for (const c of chunks) {
        const alone = await compile(assembleYara([c], [], now).source);
        if (!alone.ok) bad.set(c.indicatorId, `does not compile: ${alone.errors[0]?.message ?? 'error'}`);
      }
      if (!bad.size) return { source: assembleYara([], [...skipped, ...chunks.map((c) => ({ indicatorId: c.indicatorId, reason: 'the rules do not compile together' }))], now).source, included: 0, skipped, compiled: true };
    }
    chunks = chunks.filter((c) => {
      const reason = bad.get(c.indicatorId);
      if (reason) skipped.push({ indicatorId: c.indicatorId, reason });
      return !reason;
    });
  }
  return { source: assembleYara([], skipped, now).source, included: 0, skipped, compiled: true };
}

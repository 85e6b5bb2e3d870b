import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { ObjectFacts, StoreLookups } from './ingest.matcher.ts';

const CHUNK = 5000;

function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * The matcher's store lookups on a connection or transaction (batched by id).
 * @example await matchIngest(plan, event, storeLookups(trx))
 */
export function storeLookups(db: Kysely<Database>): StoreLookups {
  return {
    async objectFacts(ids) {
      const out = new Map<string, ObjectFacts>();
      for (let i = 0; i < ids.length; i += CHUNK) {
        // The leading version of each object (the matcher then checks who may see what it alerts on).
        const rows = await db
          .selectFrom('contributions as c')
          .innerJoin('stix_objects as o', 'o.id', 'c.object_id')
          .select(['o.id', 'o.type', 'c.name', 'c.data'])
          .where('c.object_id', 'in', ids.slice(i, i + CHUNK))
          .where('c.superseded', '=', false)
          .execute();
        for (const r of rows) {
          const d = r.data as Record<string, unknown>;
          out.set(r.id, { type: r.type, name: r.name, aliases: strs(d.aliases), sectors: strs(d.sectors) });
        }
      }
      return out;
    },
    async contributorsOf(objectIds, orgIds) {
      if (!objectIds.length || !orgIds.length) return [];
      const out: { object_id: string; org_id: string }[] = [];
      for (let i = 0; i < objectIds.length; i += CHUNK)
        out.push(
          ...(await db
            .selectFrom('contributions')
            .select(['object_id', 'org_id'])
            .distinct()
            .where('object_id', 'in', objectIds.slice(i, i + CHUNK))
            .where('org_id', 'in', orgIds)
            .execute()),
        );
      return out;
    },
  };
}

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { ObservableIndex } from './observable.index.ts';

/**
 * Brings the index up to date with every contribution written since its last sequence number
 * (by this node or another one sharing the database). Returns how many contributions it read.
 * @example await catchUpIndex(db, index)
 */
export async function catchUpIndex(db: Kysely<Database>, index: ObservableIndex, pageSize = 5_000): Promise<number> {
  if (!index.active) return 0;
  const orgs = await db.selectFrom('orgs').select(['id', 'sector', 'kind']).execute();
  for (const o of orgs) index.setOrg(o.id, o.sector ?? o.kind);
  let total = 0;
  for (;;) {
    const rows = await db
      .selectFrom('contributions as c')
      .select(['c.id', 'c.seq', 'c.object_id', 'c.org_id', 'c.user_id', 'c.tlp', 'c.anonymous', 'c.allow_count', 'c.recipient_orgs', 'c.recipient_groups', 'c.recipient_users'])
      .where('c.seq', '>', index.lastSeq)
      .where((eb) => eb.exists(eb.selectFrom('object_keys as k').select('k.key').whereRef('k.object_id', '=', 'c.object_id')))
      .orderBy('c.seq')
      .limit(pageSize)
      .execute();
    if (rows.length === 0) return total;
    const ids = [...new Set(rows.map((r) => r.object_id))];
    const keyRows = await db.selectFrom('object_keys').select(['object_id', 'key']).where('object_id', 'in', ids).execute();
    const keys = new Map<string, string[]>();
    for (const k of keyRows) {
      const list = keys.get(k.object_id);
      if (list) list.push(k.key);
      else keys.set(k.object_id, [k.key]);
    }
    for (const r of rows) {
      index.add(
        {
          dbId: r.id,
          objectId: r.object_id,
          orgId: r.org_id,
          userId: r.user_id,
          tlp: r.tlp,
          anonymous: r.anonymous,
          allowCount: r.allow_count,
          recipientOrgs: r.recipient_orgs,
          recipientGroups: r.recipient_groups,
          recipientUsers: r.recipient_users,
        },
        keys.get(r.object_id) ?? [],
      );
      index.lastSeq = Math.max(index.lastSeq, r.seq);
    }
    total += rows.length;
    // PGlite runs on this thread: between pages, let requests (health checks first) through.
    await yieldToEventLoop();
  }
}

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { Database, Tlp } from '../db/schema.ts';
import type { ObservableIndex } from './observable.index.ts';

interface LoadRow {
  id: number;
  seq: number;
  object_id: string;
  org_id: string;
  user_id: string | null;
  tlp: Tlp;
  anonymous: boolean;
  allow_count: boolean;
  recipient_orgs: string[];
  recipient_groups: string[];
  recipient_users: string[];
  revoked: boolean;
  superseded: boolean;
  owner_rank: number;
  modified: Date | null;
  rivals: boolean;
}

/**
 * Brings the index up to date with every contribution written or changed since its last sequence number
 * (by this node or another one sharing the database): a contribution whose content, revocation or ranking
 * changed replaces its earlier entry. Returns how many contributions it read.
 * @example await catchUpIndex(db, index)
 */
export async function catchUpIndex(db: Kysely<Database>, index: ObservableIndex, pageSize = 5_000): Promise<number> {
  if (!index.active) return 0;
  const orgs = await db.selectFrom('orgs').select(['id', 'sector', 'kind']).execute();
  for (const o of orgs) index.setOrg(o.id, o.sector ?? o.kind, o.kind === 'law_enforcement');
  let total = 0;
  for (;;) {
    // Contributions with keys, and those of objects with several contributions (their ranking matters).
    const rows = (
      await sql<LoadRow>`
        select c.id, c.seq, c.object_id, c.org_id, c.user_id, c.tlp, c.anonymous, c.allow_count, c.recipient_orgs, c.recipient_groups, c.recipient_users,
          c.revoked, c.superseded, c.owner_rank, c.modified,
          (c.superseded or exists (select 1 from contributions r where r.object_id = c.object_id and r.superseded)) as rivals
        from contributions c
        where c.seq > ${index.lastSeq}
        order by c.seq
        limit ${pageSize}`.execute(db)
    ).rows;
    if (rows.length === 0) return total;
    const keyRows = await db
      .selectFrom('object_keys')
      .select(['contribution_id', 'key'])
      .where(
        'contribution_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    const keys = new Map<number, string[]>();
    for (const k of keyRows) {
      const list = keys.get(k.contribution_id);
      if (list) list.push(k.key);
      else keys.set(k.contribution_id, [k.key]);
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
          revoked: r.revoked,
          superseded: r.superseded,
          rivals: r.rivals,
          ownerRank: r.owner_rank,
          modifiedMs: r.modified ? new Date(r.modified).getTime() : null,
        },
        keys.get(r.id) ?? [],
      );
      index.lastSeq = Math.max(index.lastSeq, r.seq);
    }
    total += rows.length;
    // PGlite runs on this thread: between pages, let requests (health checks first) through.
    await yieldToEventLoop();
  }
}

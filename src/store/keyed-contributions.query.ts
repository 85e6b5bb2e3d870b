import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

// The readers that find contributions by an observable key (priorities, warninglist hits, clusters' evidence,
// actions, lifecycle, stats) read this one shape: a key, its object, and the policy columns of the contribution
// that holds it (POLICY_COLUMNS of access/visibility.policy.ts, under the same names), so that the policy applies to
// its rows as to a contributions row. It is the "keyed view" of docs/design/feed-lines.md: rows that will also come
// from flat feed lines, with no join by contribution id for the reader to make.
//
// A left join: every key has its contribution (the foreign key, with cascade), so the rows are the inner join's;
// a reader that reads none of the contribution's columns (lifecycle's key kinds) pays no join, since PostgreSQL
// drops a left join to a unique key whose columns are unused, and a reader that applies the policy (a strict
// condition on them) gets the inner join's plan.

/**
 * One row per observable key of a contribution: `key`, `object_id`, `id` (the contribution's) and the contribution's
 * other policy columns. Filter by key (or by object id) and apply the policy on the alias, as on a contributions row.
 * @example db.selectFrom(keyedContributions(db).as('kc')).select('kc.org_id').where('kc.key', '=', 'ipv4-addr:203.0.113.7').where(visibleContribution(viewer, 'kc'))
 */
export function keyedContributions(db: Kysely<Database>) {
  return db
    .selectFrom('object_keys as k')
    .leftJoin('contributions as c', 'c.id', 'k.contribution_id')
    .select([
      'k.key',
      // The contribution's: a reader that asks by object is led to the object's contributions (object_keys has no
      // index by object: migration 2026-12-06T13-00), then to their keys.
      'c.object_id',
      'k.contribution_id as id',
      'c.org_id',
      'c.user_id',
      'c.tlp',
      'c.tlp_rank',
      'c.recipient_orgs',
      'c.recipient_groups',
      'c.recipient_users',
      'c.allow_count',
      'c.owner_rank',
      'c.modified',
      'c.superseded',
    ]);
}

/**
 * The observable keys of objects, found through the objects' contributions: `key`, `object_id` and `contribution_id`.
 * object_keys has no index by object id (each one was a random-position insert of an id for every key an import
 * wrote; migration 2026-12-06T13-00): filter this by `object_id`, not object_keys itself.
 * @example db.selectFrom(keysOfObjects(db).as('k')).select('k.key').distinct().where('k.object_id', 'in', ids)
 */
export function keysOfObjects(db: Kysely<Database>) {
  return db.selectFrom('contributions as c').innerJoin('object_keys as k', 'k.contribution_id', 'c.id').select(['k.key', 'c.object_id', 'k.contribution_id']);
}

import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Viewer } from '../../access/viewer.ts';
import { notFound } from '../../shared/errors.ts';
import { listDeliveries, type DeliveryView } from './outbox.repository.ts';
import { auditSensitiveReads } from '../../audit/sensitive-reads.ts';
import { alertReads } from './alert.reads.ts';

/** An alert in a person's inbox. */
export interface InboxItem {
  readonly id: number;
  readonly kind: string;
  readonly title: string;
  readonly subscription_id: string | null;
  readonly created_at: string;
  readonly read: boolean;
  readonly alert: Record<string, unknown>;
}

/** The in-app inbox: alerts addressed to a person's organisation or to them, with their read state. */
export class InboxService {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  #addressed(v: Viewer) {
    return this.#db
      .selectFrom('alerts as a')
      .where('a.org_id', '=', v.orgId)
      .where((eb) => eb.or([eb('a.user_id', 'is', null), eb('a.user_id', '=', v.userId)]));
  }

  /**
   * A page of the inbox, newest first.
   * @example await inbox.list(viewer, { unread: true, limit: 50 })
   */
  async list(v: Viewer, o: { unread?: boolean; limit: number; beforeId?: number }): Promise<{ items: InboxItem[]; unread: number }> {
    let q = this.#addressed(v)
      .select(['a.id', 'a.kind', 'a.title', 'a.subscription_id', 'a.created_at', 'a.body'])
      .select(sql<boolean>`exists (select 1 from alert_reads r where r.alert_id = a.id and r.user_id = ${v.userId})`.as('read'))
      .orderBy('a.id', 'desc')
      .limit(o.limit);
    if (o.beforeId !== undefined) q = q.where('a.id', '<', o.beforeId);
    if (o.unread) q = q.where(sql<boolean>`not exists (select 1 from alert_reads r where r.alert_id = a.id and r.user_id = ${v.userId})`);
    const [rows, unread] = await Promise.all([
      q.execute(),
      this.#addressed(v)
        .select(sql<number>`count(*)`.as('n'))
        .where(sql<boolean>`not exists (select 1 from alert_reads r where r.alert_id = a.id and r.user_id = ${v.userId})`)
        .executeTakeFirstOrThrow(),
    ]);
    await auditSensitiveReads(this.#db, v, rows.flatMap((r) => alertReads(r.body)), 'api.inbox');
    return {
      items: rows.map((r) => ({ id: r.id, kind: r.kind, title: r.title, subscription_id: r.subscription_id, created_at: r.created_at.toISOString(), read: r.read, alert: r.body as Record<string, unknown> })),
      unread: Number(unread.n),
    };
  }

  /** Marks an alert read for this person; 404 when it is not addressed to them. */
  async markRead(v: Viewer, id: number): Promise<void> {
    const a = await this.#addressed(v).select('a.id').where('a.id', '=', id).executeTakeFirst();
    if (!a) throw notFound('alert', String(id));
    await this.#db.insertInto('alert_reads').values({ alert_id: id, user_id: v.userId }).onConflict((oc) => oc.doNothing()).execute();
  }

  /** One alert with the status of each of its deliveries. */
  async get(v: Viewer, id: number): Promise<InboxItem & { deliveries: DeliveryView[] }> {
    const r = await this.#addressed(v)
      .select(['a.id', 'a.kind', 'a.title', 'a.subscription_id', 'a.created_at', 'a.body'])
      .select(sql<boolean>`exists (select 1 from alert_reads r where r.alert_id = a.id and r.user_id = ${v.userId})`.as('read'))
      .where('a.id', '=', id)
      .executeTakeFirst();
    if (!r) throw notFound('alert', String(id));
    const deliveries = await listDeliveries(this.#db, { alertId: id }, 1000);
    await auditSensitiveReads(this.#db, v, alertReads(r.body), 'api.alerts.get');
    return { id: r.id, kind: r.kind, title: r.title, subscription_id: r.subscription_id, created_at: r.created_at.toISOString(), read: r.read, alert: r.body as Record<string, unknown>, deliveries };
  }
}

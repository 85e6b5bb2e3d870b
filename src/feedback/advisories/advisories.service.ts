import { v5 as uuidv5 } from 'uuid';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { isHub, type AnyViewer, type Viewer } from '../../access/viewer.ts';
import { AppError, notFound } from '../../shared/errors.ts';
import type { IngestHooks, IngestService } from '../../ingest/ingest.service.ts';
import type { IngestReport } from '../../ingest/ingest.params.ts';
import { HUB_IDENTITY, KESSETSU_NAMESPACE } from '../../stix/extensions.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { TLP2_MARKING_IDS } from '../../trust/tlp.ts';
import type { AdvisoryRow } from '../feedback.tables.ts';
import { MatchCollector, draftOf } from '../subscriptions/alert.draft.ts';
import type { AlertsEngine } from '../subscriptions/alerts.engine.ts';
import { findAdvisory, insertAdvisory, linksAboveClear, listAdvisories, markPublished, updateAdvisory, type AdvisoryText } from './advisories.repository.ts';

/** An advisory as the API and the JSON feed show it. */
export interface AdvisoryOut {
  readonly id: string;
  readonly status: AdvisoryRow['status'];
  readonly title: { readonly ja: string; readonly en: string };
  readonly body: { readonly ja: string; readonly en: string };
  readonly object_ids: readonly string[];
  readonly report_id: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly published_at: string | null;
}

/** Presents a row. */
export function presentAdvisory(a: AdvisoryRow): AdvisoryOut {
  return {
    id: a.id,
    status: a.status,
    title: { ja: a.title_ja, en: a.title_en },
    body: { ja: a.body_ja, en: a.body_en },
    object_ids: a.object_ids,
    report_id: a.report_id,
    created_at: a.created_at.toISOString(),
    updated_at: a.updated_at.toISOString(),
    published_at: a.published_at ? a.published_at.toISOString() : null,
  };
}

/** The stable STIX report id of an advisory. */
export function reportIdOf(advisoryId: string): string {
  return `report--${uuidv5(`advisory:${advisoryId}`, KESSETSU_NAMESPACE)}`;
}

function requireHub(v: Viewer): void {
  if (!isHub(v)) throw new AppError('forbidden', 'only hub analysts write and publish advisories');
}

function checkText(t: AdvisoryText): void {
  for (const [k, max] of [['title_ja', 500], ['title_en', 500], ['body_ja', 200_000], ['body_en', 200_000]] as const) {
    const v = t[k];
    if (v !== undefined && v.length > max) throw new AppError('validation_failed', `${k}: longer than ${max} characters`, { field: k });
  }
  if (t.object_ids && t.object_ids.length > 1000) throw new AppError('validation_failed', 'object_ids: at most 1000', { field: 'object_ids' });
}

/** Public advisories (注意喚起): hub analysts write them in Japanese and English, link objects, publish. */
export class AdvisoriesService {
  readonly #db: Kysely<Database>;
  readonly #ingest: IngestService;
  readonly #alerts: AlertsEngine;
  /** Advisories being published by this node: only their reports publish (a member's look-alike report does not). */
  readonly #publishing = new Map<string, string>();

  constructor(db: Kysely<Database>, ingest: IngestService, alerts: AlertsEngine) {
    this.#db = db;
    this.#ingest = ingest;
    this.#alerts = alerts;
  }

  /** Marks the advisory published and alerts its subscribers, in the transaction that stores its report. */
  hooks(): IngestHooks {
    return {
      begin: (_trx, ev) => {
        let advisory = false;
        return {
          slice: async (trx, slice) => {
            for (const p of slice.objects) {
              const id = p.record.data.x_kessetsu_advisory_id;
              if (typeof id === 'string') advisory = true;
              if (p.record.type !== 'report' || typeof id !== 'string' || this.#publishing.get(id) !== ev.viewer.userId) continue;
              const a = await markPublished(trx, id, p.record.id, ev.viewer.userId);
              if (!a) continue;
              await this.#alerts.raise(trx, 'advisory', (sub) => {
                const m = new MatchCollector();
                m.add({ value: a.title_en || a.title_ja, type: 'advisory', reason: 'published', object_ids: [p.record.id], tlp: 'clear' });
                return draftOf(sub, m, { advisory: a.id }, null, { advisory_id: a.id, title_ja: a.title_ja, title_en: a.title_en, url: `/advisories/${a.id}` });
              });
            }
          },
          committed: () => {
            if (advisory) this.#alerts.announce();
          },
        };
      },
    };
  }

  /** Creates a draft. */
  async create(v: Viewer, t: AdvisoryText): Promise<AdvisoryOut> {
    requireHub(v);
    checkText(t);
    if (!t.title_ja && !t.title_en) throw new AppError('validation_failed', 'title_ja or title_en is required', { field: 'title_en' });
    return presentAdvisory(await insertAdvisory(this.#db, v.userId, t));
  }

  /** Changes a draft or a published advisory (republish to update its report). */
  async update(v: Viewer, id: string, t: AdvisoryText): Promise<AdvisoryOut> {
    requireHub(v);
    checkText(t);
    const a = await updateAdvisory(this.#db, id, t);
    if (!a) throw notFound('advisory', id);
    return presentAdvisory(a);
  }

  /** Published advisories (hub analysts also see drafts). */
  async list(v: AnyViewer, limit: number, before?: Date): Promise<AdvisoryOut[]> {
    return (await listAdvisories(this.#db, !isHub(v), limit, before)).map(presentAdvisory);
  }

  /** One advisory; drafts only for the hub. */
  async get(v: AnyViewer, id: string): Promise<AdvisoryOut> {
    const a = await findAdvisory(this.#db, id, !isHub(v));
    if (!a) throw notFound('advisory', id);
    return presentAdvisory(a);
  }

  /**
   * Publishes: refuses when any linked object has no TLP:CLEAR contribution (what was shared, not
   * what the text says), then stores the advisory as a TLP:CLEAR STIX report (with a
   * language-content object for the Japanese text) and alerts advisory subscribers, in one transaction.
   * @example await advisories.publish(hubViewer, id)
   */
  async publish(v: Viewer, id: string): Promise<AdvisoryOut> {
    requireHub(v);
    const a = await findAdvisory(this.#db, id, false);
    if (!a) throw notFound('advisory', id);
    if (a.status === 'withdrawn') throw new AppError('conflict', 'a withdrawn advisory cannot be published again');
    const blocked = await linksAboveClear(this.#db, a.object_ids);
    if (blocked.length)
      throw new AppError('conflict', `cannot publish: ${blocked.length} linked object(s) are not shared at TLP:CLEAR: ${blocked.slice(0, 5).join(', ')}`, { objects: blocked });
    const now = new Date().toISOString();
    const reportId = reportIdOf(a.id);
    const clear = [TLP2_MARKING_IDS.clear];
    const report: StixObject = {
      type: 'report',
      spec_version: '2.1',
      id: reportId,
      created: a.created_at.toISOString(),
      modified: now,
      created_by_ref: HUB_IDENTITY.id,
      name: a.title_en || a.title_ja,
      description: a.body_en || a.body_ja,
      lang: a.title_en ? 'en' : 'ja',
      report_types: ['threat-report'],
      published: a.published_at?.toISOString() ?? now,
      object_refs: a.object_ids.length ? a.object_ids : [HUB_IDENTITY.id],
      object_marking_refs: clear,
      x_kessetsu_advisory_id: a.id,
    };
    const objects: StixObject[] = [HUB_IDENTITY, report];
    if (a.title_en && (a.title_ja || a.body_ja))
      objects.push({
        type: 'language-content',
        spec_version: '2.1',
        id: `language-content--${uuidv5(`advisory-ja:${a.id}`, KESSETSU_NAMESPACE)}`,
        created: a.created_at.toISOString(),
        modified: now,
        object_ref: reportId,
        object_modified: now,
        contents: { ja: { ...(a.title_ja ? { name: a.title_ja } : {}), ...(a.body_ja ? { description: a.body_ja } : {}) } },
        object_marking_refs: clear,
      });
    // The report speaks as the hub (HUB_IDENTITY), whichever hub organisation the analyst belongs to: written
    // through the explicit, audited as-hub step (issue 10.1), as sanitised copies are.
    this.#publishing.set(a.id, v.userId);
    let stored: IngestReport;
    try {
      stored = await this.#ingest.ingestParsed(v, { format: 'stix', objects, errors: [], warnings: [] }, { format: 'stix', tlp: 'clear', orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'api', asHub: true });
    } finally {
      this.#publishing.delete(a.id);
    }
    if (stored.errors.length) throw new AppError('conflict', `the advisory was not published: its report was refused: ${stored.errors.map((e) => `${e.where}: ${e.reason}`).join('; ')}`, { errors: stored.errors });
    const out = await this.get(v, id);
    // Never a 200 with nothing done.
    if (out.status !== 'published') throw new AppError('conflict', 'the advisory was not published: its report was stored but the advisory did not change state; try again');
    return out;
  }

  /** Withdraws a published advisory from the public pages. */
  async withdraw(v: Viewer, id: string): Promise<AdvisoryOut> {
    requireHub(v);
    const a = await this.#db.updateTable('advisories').set({ status: 'withdrawn', updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirst();
    if (!a) throw notFound('advisory', id);
    return presentAdvisory(a);
  }
}

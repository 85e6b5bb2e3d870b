import { sql, type Kysely } from 'kysely';
import { isHub, type Viewer } from '../../access/viewer.ts';
import { appendAudit } from '../../audit/audit.repository.ts';
import type { Database } from '../../db/schema.ts';
import type { AdvisoriesService, AdvisoryOut } from '../../feedback/advisories/advisories.service.ts';
import { AppError } from '../../shared/errors.ts';
import type { ObservationsService, ReportQuery } from './observations.service.ts';
import { summaryText, type SummaryDetections } from './summary.writer.ts';

async function detectionsOf(db: Kysely<Database>, ids: readonly string[], from: Date, to: Date): Promise<SummaryDetections> {
  if (!ids.length) return { surges: [], emerging: [], dosVictims: 0, scanners: 0, downloads: 0 };
  const rows = await db
    .selectFrom('sensor_detections')
    .select(['kind', 'subject', sql<Date>`min(bucket)`.as('first')])
    .where('sensor_id', 'in', ids)
    .where('bucket', '>=', from)
    .where('bucket', '<', to)
    .groupBy(['kind', 'subject'])
    .orderBy(sql`min(bucket)`)
    .execute();
  const of = (k: string) => rows.filter((r) => r.kind === k);
  return {
    surges: of('port_surge').map((r) => ({ port: r.subject, time: new Date(r.first).toISOString() })),
    emerging: of('port_emerging').map((r) => ({ port: r.subject, time: new Date(r.first).toISOString() })),
    dosVictims: of('backscatter').length,
    scanners: of('scanner').length,
    downloads: of('download').length,
  };
}

/**
 * The periodic observation summary: a hub analyst asks for a window, the hub writes the advisory
 * draft from the aggregates of the sensors whose owners allowed public summaries (no addresses),
 * and the analyst reviews and publishes it at TLP:CLEAR through the advisories API. Audited.
 */
export class ObservationSummary {
  readonly #db: Kysely<Database>;
  readonly #observations: ObservationsService;
  readonly #advisories: AdvisoriesService;

  constructor(db: Kysely<Database>, observations: ObservationsService, advisories: AdvisoriesService) {
    this.#db = db;
    this.#observations = observations;
    this.#advisories = advisories;
  }

  /**
   * Writes the draft advisory of a window.
   * @example const draft = await summary.draft(hubViewer, { from: '2026-12-01T00:00:00Z', to: '2026-12-08T00:00:00Z' })
   */
  async draft(v: Viewer, q: Pick<ReportQuery, 'from' | 'to' | 'top'>, now = Date.now()): Promise<AdvisoryOut> {
    if (!isHub(v)) throw new AppError('forbidden', 'only hub analysts write observation summaries');
    const sensors = await this.#observations.visible(v, undefined, (s) => s.public_summary);
    const report = await this.#observations.report(v, { ...q, top: q.top ?? 10, resolution: undefined }, now, sensors);
    const detections = await detectionsOf(this.#db, report.sensors, new Date(report.window.from), new Date(report.window.to));
    const text = summaryText(report, detections, sensors.length);
    const advisory = await this.#advisories.create(v, { ...text, object_ids: [] });
    await appendAudit(this.#db, [
      { actorUserId: v.userId, actorOrgId: v.orgId, action: 'sensors.summary.draft', targetType: 'advisory', targetId: advisory.id, via: 'api', details: { window: report.window, sensors: report.sensors } },
    ]);
    return advisory;
  }
}

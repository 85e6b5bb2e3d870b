import type { Kysely } from 'kysely';
import type { AnyViewer } from '../../access/viewer.ts';
import type { Database } from '../../db/schema.ts';
import { invalid, notFound } from '../../shared/errors.ts';
import { DistinctSketch } from '../aggregate/distinct.sketch.ts';
import { aggregatesPredicate, seesDetail } from '../sensor.policy.ts';
import type { Resolution, SensorRow } from '../sensors.tables.ts';
import { dayTotals, keysByBucket, statsRows, topKeys } from './observations.repository.ts';

/** The time window of a report, aligned to its resolution. */
export interface ReportWindow {
  readonly from: Date;
  readonly to: Date;
  readonly resolution: Resolution;
}

/** One ranked key with its count and share of the window's packets. */
export interface Ranked {
  readonly key: string;
  readonly count: number;
  readonly share: number;
  readonly name?: string | null;
}

/** An observation report over sensors and a window. */
export interface ObservationReport {
  readonly window: { readonly from: string; readonly to: string; readonly resolution: Resolution };
  readonly sensors: readonly string[];
  readonly totals: { readonly packets: number; readonly bytes: number; readonly unique_sources: number; readonly approximate: boolean; readonly sensor_days: number };
  readonly series: readonly { readonly time: string; readonly packets: number; readonly unique_sources: number }[];
  readonly top: Readonly<Record<string, readonly Ranked[]>>;
  readonly heatmap: { readonly ports: readonly string[]; readonly times: readonly string[]; readonly counts: readonly (readonly number[])[] };
}

/** What a caller asks of a report. */
export interface ReportQuery {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly resolution?: Resolution | undefined;
  readonly sensors?: readonly string[] | undefined;
  readonly top?: number | undefined;
  readonly heatmapPorts?: number | undefined;
}

const SPAN: Readonly<Record<Resolution, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** Most buckets a report may span at each resolution. */
const MAX_BUCKETS: Readonly<Record<Resolution, number>> = { minute: 7 * 1440, hour: 400 * 24, day: 20 * 366 };
/** Dimensions only the owner and the hub see (sources, honeypot credentials and commands). */
const DETAIL_DIMS = ['src', 'username', 'password', 'command'];
const AGGREGATE_DIMS: readonly [string, string][] = [
  ['ports', 'port'],
  ['protocols', 'proto'],
  ['countries', 'country'],
  ['asns', 'asn'],
];

/**
 * The window of a query: `to` defaults to now, `from` to a day before; the resolution to minutes up
 * to 6 hours, hours up to 14 days, days beyond. Both ends aligned to the resolution.
 */
export function reportWindow(q: ReportQuery, now: number): ReportWindow {
  const parse = (s: string | undefined, field: string): number | undefined => {
    if (s === undefined) return undefined;
    const t = Date.parse(s);
    if (Number.isNaN(t)) throw invalid(field, 'not a date-time');
    return t;
  };
  const to = parse(q.to, 'to') ?? now;
  const from = parse(q.from, 'from') ?? to - 86_400_000;
  if (from >= to) throw invalid('from', 'must be before to');
  const span = to - from;
  const resolution = q.resolution ?? (span <= 6 * 3_600_000 ? 'minute' : span <= 14 * 86_400_000 ? 'hour' : 'day');
  const step = SPAN[resolution];
  const f = Math.floor(from / step) * step;
  const t = Math.ceil(to / step) * step;
  if ((t - f) / step > MAX_BUCKETS[resolution]) throw invalid('resolution', `${(t - f) / step} ${resolution}s is too many for one report (at most ${MAX_BUCKETS[resolution]}): choose a coarser resolution`);
  return { from: new Date(f), to: new Date(t), resolution };
}

/**
 * Observation reports (series, top-N, by country and AS, port × time heat map) over the sensors a
 * viewer may see, through the sensor access policy; and "accesses per sensor per day" for statistics.
 */
export class ObservationsService {
  readonly #db: Kysely<Database>;
  readonly #sensors: () => Promise<SensorRow[]>;
  readonly #asnName: (asn: number) => string | null;

  constructor(db: Kysely<Database>, sensors: () => Promise<SensorRow[]>, asnName: (asn: number) => string | null = () => null) {
    this.#db = db;
    this.#sensors = sensors;
    this.#asnName = asnName;
  }

  /** The sensors of a report: those asked for (each must be visible, else 404) or all the viewer may see. */
  async visible(v: AnyViewer, ids?: readonly string[], filter: (s: SensorRow) => boolean = () => true): Promise<SensorRow[]> {
    const sees = aggregatesPredicate(v);
    const all = (await this.#sensors()).filter((s) => sees(s) && filter(s));
    if (!ids?.length) return all;
    return ids.map((id) => {
      const s = all.find((x) => x.id === id);
      if (!s) throw notFound('sensor', id);
      return s;
    });
  }

  /**
   * A report over sensors the viewer may see; dimensions of detail (sources, honeypot credentials)
   * come only from sensors whose detail the viewer sees.
   * @example await observations.report(viewer, { from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z', top: 10 })
   */
  async report(v: AnyViewer, q: ReportQuery, now = Date.now(), sensors?: readonly SensorRow[]): Promise<ObservationReport> {
    const w = reportWindow(q, now);
    const chosen = sensors ?? (await this.visible(v, q.sensors));
    const ids = chosen.map((s) => s.id);
    const detailIds = chosen.filter((s) => seesDetail(v, s)).map((s) => s.id);
    const limit = Math.min(Math.max(q.top ?? 10, 1), 1000);
    const step = SPAN[w.resolution];
    const times: number[] = [];
    for (let t = w.from.getTime(); t < w.to.getTime(); t += step) times.push(t);
    const empty: ObservationReport = {
      window: { from: w.from.toISOString(), to: w.to.toISOString(), resolution: w.resolution },
      sensors: ids,
      totals: { packets: 0, bytes: 0, unique_sources: 0, approximate: false, sensor_days: 0 },
      series: times.map((t) => ({ time: new Date(t).toISOString(), packets: 0, unique_sources: 0 })),
      top: {},
      heatmap: { ports: [], times: times.map((t) => new Date(t).toISOString()), counts: [] },
    };
    if (!ids.length) return empty;
    const rows = await statsRows(this.#db, w.resolution, ids, w.from, w.to);
    const perBucket = new Map<number, { packets: number; sketch: DistinctSketch; single: { n: number; approx: boolean } | null; rows: number }>();
    const all = new DistinctSketch();
    let packets = 0;
    let bytes = 0;
    let approx = false;
    const sensorDays = new Set<string>();
    for (const r of rows) {
      const t = r.bucket.getTime();
      let b = perBucket.get(t);
      if (!b) perBucket.set(t, (b = { packets: 0, sketch: new DistinctSketch(), single: null, rows: 0 }));
      const s = DistinctSketch.deserialize(r.sources);
      b.packets += r.packets;
      b.sketch.merge(s);
      b.rows++;
      b.single = { n: r.unique_sources, approx: r.approximate };
      all.merge(s);
      packets += r.packets;
      bytes += r.bytes;
      approx ||= r.approximate;
      if (r.packets > 0) sensorDays.add(`${r.sensor_id}|${Math.floor(t / 86_400_000)}`);
    }
    const series = times.map((t) => {
      const b = perBucket.get(t);
      return { time: new Date(t).toISOString(), packets: b?.packets ?? 0, unique_sources: !b ? 0 : b.rows === 1 ? b.single!.n : b.sketch.count() };
    });
    const unique = rows.length === 1 ? rows[0]!.unique_sources : all.count();
    const top: Record<string, Ranked[]> = {};
    const share = (n: number) => (packets ? Math.round((n / packets) * 10_000) / 10_000 : 0);
    for (const [name, dim] of AGGREGATE_DIMS) {
      const list = await topKeys(this.#db, w.resolution, ids, w.from, w.to, dim, limit);
      top[name] = list.map((x) => ({ ...x, share: share(x.count), ...(dim === 'asn' ? { name: x.key === '0' ? null : this.#asnName(Number(x.key)) } : {}) }));
    }
    if (detailIds.length) {
      for (const dim of DETAIL_DIMS) {
        const list = await topKeys(this.#db, w.resolution, detailIds, w.from, w.to, dim, limit);
        if (list.length || dim === 'src') top[dim === 'src' ? 'sources' : `${dim}s`] = list.map((x) => ({ ...x, share: dim === 'src' ? share(x.count) : 0 }));
      }
    }
    const hotPorts = (top.ports ?? []).slice(0, Math.min(Math.max(q.heatmapPorts ?? 20, 1), 100)).map((p) => p.key);
    const cells = await keysByBucket(this.#db, w.resolution, ids, w.from, w.to, 'port', hotPorts);
    const index = new Map(times.map((t, i) => [t, i]));
    const counts = hotPorts.map(() => times.map(() => 0));
    for (const c of cells) {
      const i = index.get(c.bucket.getTime());
      const p = hotPorts.indexOf(c.key);
      if (i !== undefined && p >= 0) counts[p]![i] = c.count;
    }
    return {
      ...empty,
      totals: { packets, bytes, unique_sources: unique, approximate: approx || all.approximate, sensor_days: sensorDays.size },
      series,
      top,
      heatmap: { ports: hotPorts, times: empty.heatmap.times, counts },
    };
  }

  /**
   * Sensor accesses per sensor per UTC day over [from, to), for the sensors the viewer may see
   * (statistics, issue 16). Days are the rolled-up day rows: the current day counts what has been flushed.
   * @example await observations.accessesPerDay(viewer, { from: new Date('2026-12-01'), to: new Date('2026-12-08') })
   */
  async accessesPerDay(v: AnyViewer, q: { from: Date; to: Date; sensorIds?: readonly string[] }): Promise<{ sensor_id: string; day: string; accesses: number; unique_sources: number; approximate: boolean }[]> {
    const ids = (await this.visible(v, q.sensorIds)).map((s) => s.id);
    if (!ids.length) return [];
    const rows = await dayTotals(this.#db, ids, q.from, q.to);
    return rows.map((r) => ({ sensor_id: r.sensor_id, day: r.bucket.toISOString().slice(0, 10), accesses: r.packets, unique_sources: r.unique_sources, approximate: r.approximate }));
  }
}

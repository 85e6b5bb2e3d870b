import { listSensors } from '../../sensors/sensors.repository.ts';
import { ObservationsService } from '../../sensors/reports/observations.service.ts';
import type { PlatformPoint, PlatformProvider } from './provider.ts';

// Sensor accesses (issue 14): packets each sensor recorded per day, from the sensors' day aggregates,
// over the sensors whose aggregates the viewer may see (the sensor policy: owner, hub, and whoever the
// sensor's share TLP and recipients admit; not the public). Revoked sensors keep their history. Days
// are the sensors' day buckets (UTC days, as the sensors area aggregates them), not JST days.

/** Accesses per sensor per day, and their total over the viewer's sensors. */
export const sensorAccesses: PlatformProvider = {
  key: 'sensor_accesses',
  titleEn: 'Sensor accesses per sensor per day',
  titleJa: 'センサー別・日別のアクセス件数',
  unit: 'accesses',
  bucket: 'day',
  sourceEn: 'Kessetsu: sensor day aggregates (packets) of the sensors visible to the viewer',
  available: (viewer) => viewer.kind === 'user',
  categories: () => [{ key: 'total', parent: null, labelEn: 'All visible sensors', labelJa: '閲覧可能な全センサー', aggregate: 'sum' }],
  async compute(db, viewer, range) {
    if (viewer.kind !== 'user') return [];
    const sensors = await listSensors(db, { includeRevoked: true });
    const observations = new ObservationsService(db, async () => sensors);
    const to = new Date(Date.parse(`${range.to}T00:00:00Z`) + 86_400_000);
    const rows = await observations.accessesPerDay(viewer, { from: new Date(`${range.from}T00:00:00Z`), to });
    // A sensor's category is its label (with the start of its id when two share a label).
    const labels = new Map<string, number>();
    for (const s of sensors) labels.set(s.label, (labels.get(s.label) ?? 0) + 1);
    const name = new Map(sensors.map((s) => [s.id, (labels.get(s.label) ?? 0) > 1 ? `${s.label} (${s.id.slice(0, 8)})` : s.label]));
    const points: PlatformPoint[] = [];
    const totals = new Map<string, number>();
    for (const r of rows) {
      points.push({ category: name.get(r.sensor_id) ?? r.sensor_id, period: r.day, value: Number(r.accesses) });
      totals.set(r.day, (totals.get(r.day) ?? 0) + Number(r.accesses));
    }
    return [...points, ...[...totals].map(([period, value]) => ({ category: 'total', period, value }))];
  },
};

import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, qs, type Page } from '../../app/api.ts';
import { formatNumber } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';
import type { ObservationReport, Ranked } from './report.ts';

// ECharts loads only when this screen shows a report.
const SeriesChart = lazy(() => import('./Charts.tsx').then((m) => ({ default: m.SeriesChart })));
const HeatmapChart = lazy(() => import('./Charts.tsx').then((m) => ({ default: m.HeatmapChart })));

interface Sensor {
  readonly id: string;
  readonly label: string;
  readonly kind: string;
  readonly detail: boolean;
  readonly last_event_at?: string | null;
}

const WINDOWS = { '24h': { hours: 24, resolution: 'hour' }, '7d': { hours: 168, resolution: 'hour' }, '30d': { hours: 720, resolution: 'day' } } as const;

function TopTable({ title, rows }: { title: string; rows: readonly Ranked[] | undefined }) {
  const { t } = useTranslation();
  if (!rows?.length) return null;
  return (
    <table>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">{t('sensors.key')}</th>
          <th scope="col">{t('sensors.packets')}</th>
          <th scope="col">{t('sensors.share')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.slice(0, 10).map((r) => (
          <tr key={r.key}>
            <td>
              <Data className="mono">
                {r.key}
                {r.name ? ` ${r.name}` : ''}
              </Data>
            </td>
            <td>{formatNumber(r.count)}</td>
            <td>{formatNumber(Math.round(r.share * 1000) / 10)}%</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Sensors: time series, port × time heat map, top sources, countries and AS numbers (charts loaded when needed). */
export default function Sensors() {
  const { t } = useTranslation();
  const [win, setWin] = useState<keyof typeof WINDOWS>('24h');
  const sensors = useLoad((signal) => api<Page<Sensor>>('/api/v1/sensors', { signal }), []);
  const report = useLoad(
    (signal) => {
      const w = WINDOWS[win];
      const to = new Date();
      const from = new Date(to.getTime() - w.hours * 3600_000);
      return api<ObservationReport>(`/api/v1/observations${qs({ from: from.toISOString(), to: to.toISOString(), resolution: w.resolution, top: 10, heatmap_ports: 12 })}`, { signal });
    },
    [win],
  );
  if (sensors.error instanceof ApiError && sensors.error.status === 404) {
    return (
      <>
        <h1>{t('sensors.title')}</h1>
        <p>{t('sensors.noApi')}</p>
      </>
    );
  }
  const r = report.data;
  return (
    <>
      <h1>{t('sensors.title')}</h1>
      <div className="row">
        <label htmlFor="sensor-window">{t('sensors.window')}</label>
        <select id="sensor-window" value={win} onChange={(e) => setWin(e.target.value as keyof typeof WINDOWS)}>
          {Object.keys(WINDOWS).map((k) => (
            <option key={k} value={k}>
              {t(`sensors.windows.${k}`)}
            </option>
          ))}
        </select>
      </div>
      <Card title={t('sensors.list')} id="sensor-list">
        {sensors.loading ? <Loading /> : null}
        <ErrorBox error={sensors.error} />
        {sensors.data && !sensors.data.items.length ? <p className="muted">{t('dashboard.sensorsNone')}</p> : null}
        <ul className="list">
          {sensors.data?.items.map((s) => (
            <li key={s.id}>
              <Data>{s.label}</Data> <span className="type">{t(`sensors.kinds.${s.kind}`)}</span>
            </li>
          ))}
        </ul>
      </Card>
      {report.loading ? <Loading /> : null}
      <ErrorBox error={report.error} />
      {r ? (
        <>
          <p>{t('sensors.totals', { packets: formatNumber(r.totals.packets), sources: formatNumber(r.totals.unique_sources) })}</p>
          <Suspense fallback={<Loading />}>
            <Card title={t('sensors.series')} id="sensor-series">
              <SeriesChart report={r} label={t('sensors.packets')} />
            </Card>
            <Card title={t('sensors.heatmap')} id="sensor-heatmap">
              <HeatmapChart report={r} />
            </Card>
          </Suspense>
          <div className="grid">
            <TopTable title={t('sensors.topSources')} rows={r.top.sources} />
            <TopTable title={t('sensors.topPorts')} rows={r.top.ports} />
            <TopTable title={t('sensors.topCountries')} rows={r.top.countries} />
            <TopTable title={t('sensors.topAsns')} rows={r.top.asns} />
          </div>
        </>
      ) : null}
    </>
  );
}

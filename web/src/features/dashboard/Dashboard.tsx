import { useTranslation } from 'react-i18next';
import { api, ApiError, type Page } from '../../app/api.ts';
import { href } from '../../app/router.ts';
import { useSession } from '../../app/session.tsx';
import { formatDateTime, formatNumber } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, TlpBadge, useLoad } from '../../app/ui.tsx';
import { AlertTitle } from '../alerts/AlertText.tsx';
import { labelOf, type ClusterView, type InboxItem, type ObjectSummary, type RootSource } from '../common/types.ts';

function Alerts() {
  const { t } = useTranslation();
  const { data, error, loading } = useLoad((signal) => api<Page<InboxItem> & { unread: number }>('/api/v1/inbox?limit=5', { signal }), []);
  if (loading) return <Loading />;
  if (error) return <ErrorBox error={error} />;
  if (!data?.items.length) return <p className="muted">{t('dashboard.noAlerts')}</p>;
  return (
    <>
      <p>{t('dashboard.unread', { count: data.unread })}</p>
      <ul className="list">
        {data.items.map((a) => (
          <li key={a.id} className={a.read ? '' : 'unread'}>
            <a href={href(`/alerts/${a.id}`)}>
              <AlertTitle item={a} />
            </a>{' '}
            <span className="muted">{formatDateTime(a.created_at)}</span>
          </li>
        ))}
      </ul>
      <a href={href('/alerts')}>{t('dashboard.allAlerts')}</a>
    </>
  );
}

function Priorities() {
  const { t } = useTranslation();
  const { data, error, loading } = useLoad((signal) => api<Page<ClusterView>>('/api/v1/priorities?limit=5', { signal }), []);
  if (loading) return <Loading />;
  if (error) return <ErrorBox error={error} />;
  if (!data?.items.length) return <p className="muted">{t('dashboard.noPriorities')}</p>;
  return (
    <ol className="list">
      {data.items.map((c) => (
        <li key={c.id}>
          <a href={href(`/analysis/clusters/${c.id}`)}>{t('analysis.clusterN', { id: c.id })}</a> — {t('analysis.score')} {formatNumber(c.score)} · {t('analysis.incidentsN', { count: c.members.incidents })} · {t('analysis.orgsN', { count: c.organisations })}
          {c.referral_candidate ? <span className="pill">{t('analysis.referral')}</span> : null}
        </li>
      ))}
    </ol>
  );
}

function RootSources() {
  const { t } = useTranslation();
  const { data, error, loading } = useLoad((signal) => api<Page<RootSource>>('/api/v1/root-sources?limit=5', { signal }), []);
  if (loading) return <Loading />;
  if (error) return <ErrorBox error={error} />;
  if (!data?.items.length) return <p className="muted">{t('dashboard.noRootSources')}</p>;
  return (
    <ol className="list">
      {data.items.map((r) => (
        <li key={r.key}>
          <a href={href(`/search?q=${encodeURIComponent(r.value)}`)}>
            <Data className="mono">{r.value}</Data>
          </a>{' '}
          — {t('analysis.score')} {formatNumber(r.score)} · {t('analysis.incidentsN', { count: r.evidence.incidents })}
        </li>
      ))}
    </ol>
  );
}

const HIDDEN_TYPES = new Set(['relationship', 'identity', 'marking-definition', 'ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr', 'file']);

function SectorActivity({ sector }: { sector: string | null }) {
  const { t } = useTranslation();
  const { data, error, loading } = useLoad((signal) => api<Page<ObjectSummary>>(`/api/v1/objects?limit=40${sector ? `&sector=${sector}` : ''}`, { signal }), [sector]);
  if (loading) return <Loading />;
  if (error) return <ErrorBox error={error} />;
  // Relationships and observables behind indicators say little on their own: show what people shared.
  const shown = (data?.items ?? []).filter((o) => !HIDDEN_TYPES.has(o.type)).slice(0, 8);
  if (!shown.length) return <p className="muted">{t('dashboard.noContributions')}</p>;
  return (
    <ul className="list">
      {shown.map((o) => (
        <li key={o.id}>
          <span className="type">{t(`stixTypes.${o.type}`, { defaultValue: o.type })}</span>{' '}
          <a href={href(`/objects/${o.id}`)}>
            <Data className="mono">{labelOf(o.object).slice(0, 80)}</Data>
          </a>{' '}
          <TlpBadge tlp={o.tlp} /> <span className="muted">{formatDateTime(o.updated_at)}</span>
        </li>
      ))}
    </ul>
  );
}

function Sensors() {
  const { t } = useTranslation();
  const { data, error, loading } = useLoad((signal) => api<Page<{ id: string; name: string }>>('/api/v1/sensors', { signal }), []);
  if (loading) return <Loading />;
  if (error instanceof ApiError && error.status === 404) return <p className="muted">{t('dashboard.sensorsNone')}</p>;
  if (error) return <ErrorBox error={error} />;
  if (!data?.items.length) return <p className="muted">{t('dashboard.sensorsNone')}</p>;
  return <p>{t('dashboard.sensorsN', { count: data.items.length })}</p>;
}

/** The first screen: my alerts, top priorities and root sources I may see, my sector's recent contributions, sensors. */
export function Dashboard() {
  const { t } = useTranslation();
  const { session } = useSession();
  return (
    <>
      <h1>{t('dashboard.title')}</h1>
      <p className="muted">
        {t('dashboard.welcome')} <Data>{session?.org.name}</Data>
      </p>
      <div className="grid">
        <Card title={t('dashboard.alerts')} id="dash-alerts">
          <Alerts />
        </Card>
        <Card title={t('dashboard.priorities')} id="dash-priorities">
          <Priorities />
        </Card>
        <Card title={t('dashboard.rootSources')} id="dash-roots">
          <RootSources />
        </Card>
        <Card title={t(session?.org.sector ? 'dashboard.sector' : 'dashboard.recent', { sector: t(`sectors.${session?.org.sector ?? 'other'}`) })} id="dash-sector">
          <SectorActivity sector={session?.org.sector ?? null} />
        </Card>
        <Card title={t('dashboard.sensors')} id="dash-sensors">
          <Sensors />
        </Card>
      </div>
    </>
  );
}

import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { href, useRoute } from '../../app/router.ts';
import { isHubRole, useSession } from '../../app/session.tsx';
import { formatDateTime, formatNumber } from '../../app/format.ts';
import { Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';
import { Explanation } from '../common/Explanation.tsx';
import type { ClusterView, RootSource } from '../common/types.ts';
import { ClusterDetail } from './ClusterDetail.tsx';

const TABS = ['priorities', 'root-sources', 'clusters'] as const;

function Priorities() {
  const { t } = useTranslation();
  const { data, error, loading } = useLoad((signal) => api<Page<ClusterView> & { referral_threshold: number }>('/api/v1/priorities?limit=50', { signal }), []);
  if (loading) return <Loading />;
  if (error || !data) return <ErrorBox error={error} />;
  if (!data.items.length) return <p>{t('dashboard.noPriorities')}</p>;
  return (
    <>
      <p className="muted">{t('analysis.threshold', { threshold: formatNumber(data.referral_threshold) })}</p>
      <ol className="ranked">
        {data.items.map((c) => (
          <li key={c.id}>
            <a href={href(`/analysis/clusters/${c.id}`)}>{t('analysis.clusterN', { id: c.id })}</a> — {t('analysis.score')} <strong>{formatNumber(c.score)}</strong> · {t('analysis.incidentsN', { count: c.members.incidents })} · {t('analysis.orgsN', { count: c.organisations })} · {t('analysis.damage', { amount: formatNumber(c.damage.amount_jpy) })}
            {c.referral_candidate ? <span className="pill">{t('analysis.referral')}</span> : null}
            <details>
              <summary>{t('analysis.why')}</summary>
              <Explanation explanation={c.explanation} />
            </details>
          </li>
        ))}
      </ol>
    </>
  );
}

function RootSources() {
  const { t } = useTranslation();
  const { data, error, loading } = useLoad((signal) => api<Page<RootSource>>('/api/v1/root-sources?limit=50', { signal }), []);
  if (loading) return <Loading />;
  if (error || !data) return <ErrorBox error={error} />;
  if (!data.items.length) return <p>{t('dashboard.noRootSources')}</p>;
  return (
    <ol className="ranked">
      {data.items.map((r) => (
        <li key={r.key}>
          <span className="type">{t(`stixTypes.${r.kind}`, { defaultValue: r.kind })}</span>{' '}
          <a href={href(`/search?q=${encodeURIComponent(r.value)}`)}>
            <Data className="mono">{r.value}</Data>
          </a>{' '}
          — {t('analysis.score')} <strong>{formatNumber(r.score)}</strong> · {t('analysis.incidentsN', { count: r.evidence.incidents })} · {t('analysis.orgsN', { count: r.evidence.organisations })} · {t('analysis.lastSeen')} {formatDateTime(r.last_seen)}
          {r.too_common ? <span className="pill">{t('analysis.tooCommon')}</span> : null}
          <details>
            <summary>{t('analysis.why')}</summary>
            <Explanation explanation={r.explanation} />
          </details>
        </li>
      ))}
    </ol>
  );
}

function Clusters() {
  const { t } = useTranslation();
  const { data, error, loading } = useLoad((signal) => api<Page<ClusterView>>('/api/v1/clusters?limit=50', { signal }), []);
  if (loading) return <Loading />;
  if (error || !data) return <ErrorBox error={error} />;
  if (!data.items.length) return <p>{t('analysis.noClusters')}</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t('analysis.cluster')}</th>
          <th scope="col">{t('analysis.status')}</th>
          <th scope="col">{t('analysis.score')}</th>
          <th scope="col">{t('analysis.members')}</th>
          <th scope="col">{t('analysis.lastSeen')}</th>
        </tr>
      </thead>
      <tbody>
        {data.items.map((c) => (
          <tr key={c.id}>
            <td>
              <a href={href(`/analysis/clusters/${c.id}`)}>{t('analysis.clusterN', { id: c.id })}</a>
            </td>
            <td>{t(`clusterStatus.${c.status ?? 'active'}`, { defaultValue: c.status ?? '' })}</td>
            <td>{formatNumber(c.score)}</td>
            <td>{formatNumber(c.members.visible)}</td>
            <td>{formatDateTime(c.last_seen)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Analysis: priorities and root sources with their explanations, clusters, and one cluster's detail with referral. */
export default function Analysis() {
  const { t } = useTranslation();
  const { session } = useSession();
  const route = useRoute();
  if (route.parts[1] === 'clusters' && route.parts[2]) return <ClusterDetail id={Number(route.parts[2])} />;
  const tab = (TABS as readonly string[]).includes(route.parts[1] ?? '') ? (route.parts[1] as (typeof TABS)[number]) : 'priorities';
  const run = () => void api('/api/v1/analysis/runs', { method: 'POST' }).then(() => window.location.reload(), () => {});
  return (
    <>
      <h1>{t('analysis.title')}</h1>
      <nav aria-label={t('analysis.tabs')} className="tabs">
        {TABS.map((k) => (
          <a key={k} href={href(`/analysis/${k}`)} aria-current={tab === k ? 'page' : undefined}>
            {t(`analysis.tab.${k}`)}
          </a>
        ))}
        {isHubRole(session?.user.role) ? (
          <button type="button" onClick={run}>
            {t('analysis.runNow')}
          </button>
        ) : null}
      </nav>
      {tab === 'priorities' ? <Priorities /> : tab === 'root-sources' ? <RootSources /> : <Clusters />}
    </>
  );
}

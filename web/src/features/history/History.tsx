import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { href, useRoute } from '../../app/router.ts';
import { formatDateTime } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, TlpBadge, useLoad } from '../../app/ui.tsx';

interface Contribution {
  readonly id: number;
  readonly object: { id: string; type: string; name: string | null };
  readonly tlp: string;
  readonly anonymous: boolean;
  readonly shared_with: { organisations: number; groups: number };
  readonly first_seen: string;
  readonly last_seen: string;
}

interface HistoryView {
  readonly contribution: Contribution;
  readonly related_objects: number;
  readonly reported_by_others: { orgs: number; sectors: string[] };
  readonly sightings: { total: number; by_others: number; not_shared_with_you: number; items: { id: string; count: number; last_seen: string | null; sighted_by: { name: string; id: string | null } }[] };
  readonly clusters: { id: number; status: string; referral_candidate: boolean; visible_members: number }[];
  readonly advisories: { id: string; title: { ja: string | null; en: string | null }; published_at: string | null; url: string }[];
  readonly alerts: { organisations_alerted: number };
  readonly cases: unknown[];
  readonly takedowns: unknown[];
}

function Detail({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const { data, error, loading } = useLoad((signal) => api<HistoryView>(`/api/v1/contributions/${encodeURIComponent(id)}/history`, { signal }), [id]);
  if (loading) return <Loading />;
  if (error || !data) return <ErrorBox error={error} />;
  const c = data.contribution;
  return (
    <>
      <h1>{t('history.detailTitle')}</h1>
      <p>
        <span className="type">{t(`stixTypes.${c.object.type}`, { defaultValue: c.object.type })}</span>{' '}
        <a href={href(`/objects/${c.object.id}`)}>
          <Data className="mono">{c.object.name ?? c.object.id}</Data>
        </a>{' '}
        <TlpBadge tlp={c.tlp} /> {c.anonymous ? <span className="pill">{t('history.anonymous')}</span> : null}
      </p>
      <div className="grid">
        <Card title={t('history.correlations')}>
          <p>{t('history.othersReported', { count: data.reported_by_others.orgs })}</p>
          {data.reported_by_others.sectors.length ? (
            <p className="muted">
              {t('history.sectors')} {data.reported_by_others.sectors.map((s) => t(`sectors.${s}`, { defaultValue: s })).join('、')}
            </p>
          ) : null}
          <p>{t('history.alerted', { count: data.alerts.organisations_alerted })}</p>
        </Card>
        <Card title={t('history.sightings')}>
          <p>{t('history.sightingsCount', { total: data.sightings.total, others: data.sightings.by_others, hidden: data.sightings.not_shared_with_you })}</p>
        </Card>
        <Card title={t('history.clusters')}>
          {data.clusters.length ? (
            <ul className="list">
              {data.clusters.map((k) => (
                <li key={k.id}>
                  <a href={href(`/analysis/clusters/${k.id}`)}>{t('analysis.clusterN', { id: k.id })}</a> — {t('analysis.membersN', { count: k.visible_members })}
                  {k.referral_candidate ? <span className="pill">{t('analysis.referral')}</span> : null}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t('history.noClusters')}</p>
          )}
        </Card>
        <Card title={t('history.advisories')}>
          {data.advisories.length ? (
            <ul className="list">
              {data.advisories.map((a) => (
                <li key={a.id}>
                  <a href={a.url}>
                    <Data>{(i18n.language === 'ja' ? a.title.ja : a.title.en) ?? a.title.ja ?? a.title.en}</Data>
                  </a>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t('history.noAdvisories')}</p>
          )}
        </Card>
        <Card title={t('history.cases')}>
          <p className="muted">{t('history.casesN', { count: data.cases.length })}</p>
          <p className="muted">{t('history.takedownsN', { count: data.takedowns.length })}</p>
        </Card>
      </div>
    </>
  );
}

/** "What happened to what I shared": my organisation's contributions, and for each its correlations, sightings, clusters, advisories, cases. */
export default function History() {
  const { t } = useTranslation();
  const route = useRoute();
  const id = route.parts[1];
  const { data, error, loading } = useLoad((signal) => (id ? Promise.resolve(null) : api<Page<Contribution>>('/api/v1/contributions?limit=100', { signal })), [id]);
  if (id) return <Detail id={id} />;
  return (
    <>
      <h1>{t('history.title')}</h1>
      <p className="muted">{t('history.intro')}</p>
      {loading ? <Loading /> : null}
      <ErrorBox error={error} />
      {data && !data.items.length ? <p>{t('history.none')}</p> : null}
      {data?.items.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('search.colType')}</th>
              <th scope="col">{t('search.colName')}</th>
              <th scope="col">{t('search.colTlp')}</th>
              <th scope="col">{t('history.sharedWith')}</th>
              <th scope="col">{t('history.when')}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((c) => (
              <tr key={c.id}>
                <td>{t(`stixTypes.${c.object.type}`, { defaultValue: c.object.type })}</td>
                <td>
                  <a href={href(`/shared/${c.id}`)}>
                    <Data className="mono">{(c.object.name ?? c.object.id).slice(0, 100)}</Data>
                  </a>
                </td>
                <td>
                  <TlpBadge tlp={c.tlp} />
                </td>
                <td>{t('history.recipients', { orgs: c.shared_with.organisations, groups: c.shared_with.groups })}</td>
                <td>{formatDateTime(c.first_seen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

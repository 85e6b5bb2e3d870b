import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, type Page } from '../../app/api.ts';
import { href } from '../../app/router.ts';
import { isHubRole, useSession } from '../../app/session.tsx';
import { formatDateTime, formatNumber } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, TlpBadge, useLoad } from '../../app/ui.tsx';
import { Explanation, type ScoreTerm } from '../common/Explanation.tsx';

interface ClusterDetailView {
  readonly id: number;
  readonly status: string;
  readonly score?: number;
  readonly referral_candidate?: boolean;
  readonly explanation?: { score: number; terms: ScoreTerm[]; factors: ScoreTerm[] };
  readonly organisations?: number;
  readonly first_seen?: string | null;
  readonly last_seen?: string | null;
  readonly members_shown?: { id: string; type: string; name: string | null; tlp: string; seen_at: string | null }[];
  readonly evidence?: { kind: string; ref: string; weight: number }[];
}

/** One cluster: members, evidence, the priority explained, and (for the hub) referral to a case. */
export function ClusterDetail({ id }: { id: number }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const [referred, setReferred] = useState<string | null>(null);
  const [leOrg, setLeOrg] = useState('');
  const [title, setTitle] = useState('');
  const police = useLoad((signal) => api<Page<{ id: string; name: string; kind: string }>>('/api/v1/orgs?limit=1000', { signal }).then((p) => p.items.filter((o) => o.kind === 'law_enforcement')), []);
  const [error, setError] = useState<unknown>(null);
  const { data, error: loadError, loading } = useLoad((signal) => api<ClusterDetailView>(`/api/v1/clusters/${id}`, { signal }), [id]);
  // Referral needs the cases API (issue 12); the button says so when this hub has none yet.
  const cases = useLoad((signal) => api('/api/v1/cases?limit=1', { signal }).then(() => true, (e: unknown) => !(e instanceof ApiError && e.status === 404)), []);
  if (loading) return <Loading />;
  if (loadError || !data) return <ErrorBox error={loadError} />;
  const refer = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const le = leOrg || police.data?.[0]?.id;
    api<{ id: string }>('/api/v1/cases', { json: { title: title.trim() || `Cluster ${id}`, cluster_id: id, le_org_id: le } }).then((c) => setReferred(c.id), setError);
  };
  return (
    <>
      <p>
        <a href={href('/analysis')}>{t('analysis.back')}</a>
      </p>
      <h1>
        {t('analysis.clusterN', { id })} {data.referral_candidate ? <span className="pill">{t('analysis.referral')}</span> : null}
      </h1>
      <p>
        {t('analysis.status')}: {t(`clusterStatus.${data.status}`, { defaultValue: data.status })} · {t('analysis.score')} <strong>{formatNumber(data.score)}</strong> · {t('analysis.orgsN', { count: data.organisations ?? 0 })} · {t('analysis.lastSeen')} {formatDateTime(data.last_seen)}
      </p>
      {data.explanation ? (
        <Card title={t('analysis.priorityExplained')} id="cluster-explain">
          <Explanation explanation={data.explanation} />
        </Card>
      ) : null}
      <Card title={t('analysis.membersTitle')} id="cluster-members">
        <ul className="list">
          {(data.members_shown ?? []).map((m) => (
            <li key={m.id}>
              <span className="type">{t(`stixTypes.${m.type}`, { defaultValue: m.type })}</span>{' '}
              <a href={href(`/objects/${m.id}`)}>
                <Data className="mono">{m.name ?? m.id}</Data>
              </a>{' '}
              <TlpBadge tlp={m.tlp} />
            </li>
          ))}
        </ul>
      </Card>
      <Card title={t('analysis.evidence')} id="cluster-evidence">
        <ul className="list">
          {(data.evidence ?? []).map((e, n) => (
            <li key={n}>
              {t(e.kind === 'relationship' ? 'analysis.viaRelationship' : 'analysis.viaValue')} <Data className="mono">{e.ref}</Data> <span className="muted">({t('analysis.weight')} {formatNumber(e.weight)})</span>
            </li>
          ))}
        </ul>
      </Card>
      {isHubRole(session?.user.role) ? (
        <Card title={t('analysis.referTitle')} id="cluster-refer">
          {referred ? (
            <p role="status">
              {t('analysis.referred')} <a href={href(`/cases/${referred}`)}>{t('analysis.openCase')}</a>
            </p>
          ) : cases.data === false ? (
            <p className="muted">{t('analysis.noCasesApi')}</p>
          ) : (
            <form onSubmit={refer}>
              <label htmlFor="case-title">{t('analysis.caseTitle')}</label>
              <input id="case-title" value={title} onChange={(e) => setTitle(e.target.value)} placeholder={t('analysis.clusterN', { id })} />
              <label htmlFor="case-police">{t('analysis.police')}</label>
              <select id="case-police" value={leOrg || police.data?.[0]?.id || ''} onChange={(e) => setLeOrg(e.target.value)} required>
                {(police.data ?? []).map((o) => (
                  <option key={o.id} value={o.id} translate="no">
                    {o.name}
                  </option>
                ))}
              </select>
              <button type="submit" disabled={!police.data?.length}>
                {t('analysis.refer')}
              </button>
            </form>
          )}
          <ErrorBox error={error} />
        </Card>
      ) : null}
    </>
  );
}

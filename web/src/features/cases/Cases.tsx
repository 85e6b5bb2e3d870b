import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, type Page } from '../../app/api.ts';
import { href, useRoute } from '../../app/router.ts';
import { formatDateTime } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';

/** Case states in the order a case moves through them (issue 12). */
export const CASE_STATES = ['proposed', 'accepted', 'investigating', 'actions', 'closed'] as const;
type State = (typeof CASE_STATES)[number];
const NEXT: Readonly<Record<State, readonly State[]>> = {
  proposed: ['accepted', 'closed'],
  accepted: ['investigating', 'actions', 'closed'],
  investigating: ['actions', 'closed'],
  actions: ['investigating', 'closed'],
  closed: [],
};

interface CaseItem {
  readonly id: string;
  readonly number: number;
  readonly title: string | null;
  readonly state: State;
  readonly access: 'full' | 'contributor';
  readonly cluster_id?: number | null;
  readonly updated_at: string;
}
interface CaseDetail extends CaseItem {
  readonly summary?: { ja: string | null; en: string | null };
  readonly objects?: { id: string; role: string }[];
  readonly contributors?: { name?: string; sector?: string; anonymous?: boolean; objects?: number }[];
  readonly timeline?: { at: string; kind: string; details: Record<string, unknown> }[];
}
interface Evidence {
  readonly id: string;
  readonly filename: string;
  readonly kind: string;
  readonly sha256: string;
  readonly size: number;
  readonly collected_at: string;
}

function EvidenceList({ id }: { id: string }) {
  const { t } = useTranslation();
  const { data, error, loading } = useLoad((signal) => api<Page<Evidence>>(`/api/v1/cases/${id}/evidence`, { signal }), [id]);
  if (loading) return <Loading />;
  if (error instanceof ApiError && error.status === 404) return <p className="muted">{t('cases.noEvidence')}</p>;
  if (error) return <ErrorBox error={error} />;
  if (!data?.items.length) return <p className="muted">{t('cases.noEvidence')}</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t('cases.file')}</th>
          <th scope="col" translate="no">SHA-256</th>
          <th scope="col">{t('cases.collected')}</th>
        </tr>
      </thead>
      <tbody>
        {data.items.map((e) => (
          <tr key={e.id}>
            <td>
              <Data>{e.filename}</Data>
            </td>
            <td>
              <Data className="mono">{e.sha256}</Data>
            </td>
            <td>{formatDateTime(e.collected_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Detail({ id }: { id: string }) {
  const { t } = useTranslation();
  const { data, error, loading, reload } = useLoad((signal) => api<CaseDetail>(`/api/v1/cases/${id}`, { signal }), [id]);
  const [err, setErr] = useState<unknown>(null);
  if (loading) return <Loading />;
  if (error || !data) return <ErrorBox error={error} />;
  const move = (state: State) => void api(`/api/v1/cases/${id}/state`, { json: { state } }).then(reload, setErr);
  return (
    <>
      <p>
        <a href={href('/cases')}>{t('cases.back')}</a>
      </p>
      <h1>
        {t('cases.caseN', { n: data.number })} <Data>{data.title ?? ''}</Data>
      </h1>
      <p id="case-state">
        {t('cases.state')}: <strong>{t(`cases.states.${data.state}`)}</strong>
        {data.cluster_id ? (
          <>
            {' · '}
            <a href={href(`/analysis/clusters/${data.cluster_id}`)}>{t('analysis.clusterN', { id: data.cluster_id })}</a>
          </>
        ) : null}
      </p>
      {data.access === 'full' ? (
        <div className="actions">
          {NEXT[data.state].map((s) => (
            <button key={s} type="button" onClick={() => move(s)} className={s === 'accepted' ? 'primary' : ''}>
              {t(`cases.moveTo.${s}`)}
            </button>
          ))}
        </div>
      ) : null}
      <ErrorBox error={err} />
      <div className="grid">
        <Card title={t('cases.objects')} id="case-objects">
          <ul className="list">
            {(data.objects ?? []).map((o) => (
              <li key={o.id}>
                <a href={href(`/objects/${o.id}`)}>
                  <Data className="mono">{o.id}</Data>
                </a>
              </li>
            ))}
          </ul>
        </Card>
        <Card title={t('cases.contributors')} id="case-contributors">
          <ul className="list">
            {(data.contributors ?? []).map((c, n) => (
              <li key={n}>{c.name ? <Data>{c.name}</Data> : t('object.anonymousSector', { sector: t(`sectors.${c.sector ?? 'other'}`, { defaultValue: c.sector ?? '' }) })}</li>
            ))}
          </ul>
        </Card>
      </div>
      <Card title={t('cases.evidence')} id="case-evidence">
        <EvidenceList id={id} />
      </Card>
      <Card title={t('object.timeline')} id="case-timeline">
        <ol className="timeline">
          {(data.timeline ?? []).map((e, n) => (
            <li key={n}>
              <time dateTime={e.at}>{formatDateTime(e.at)}</time>{' '}
              {e.kind === 'state' && typeof e.details.state === 'string' ? t(`cases.states.${e.details.state}`) : t(`cases.events.${e.kind}`)}
            </li>
          ))}
        </ol>
      </Card>
    </>
  );
}

/** Cases and actions board (hub analysts, investigators): a column per state; a case's objects, evidence with hashes, timeline. */
export default function Cases() {
  const { t } = useTranslation();
  const route = useRoute();
  const id = route.parts[1];
  const { data, error, loading } = useLoad((signal) => (id ? Promise.resolve(null) : api<Page<CaseItem>>('/api/v1/cases?limit=200', { signal })), [id]);
  if (id) return <Detail id={id} />;
  if (loading) return <Loading />;
  if (error instanceof ApiError && error.status === 404) return <p>{t('analysis.noCasesApi')}</p>;
  return (
    <>
      <h1>{t('cases.title')}</h1>
      <ErrorBox error={error} />
      <div className="board">
        {CASE_STATES.map((s) => (
          <section key={s} aria-labelledby={`col-${s}`} className="column">
            <h2 id={`col-${s}`}>{t(`cases.states.${s}`)}</h2>
            <ul className="list">
              {(data?.items ?? [])
                .filter((c) => c.state === s)
                .map((c) => (
                  <li key={c.id}>
                    <a href={href(`/cases/${c.id}`)}>
                      {t('cases.caseN', { n: c.number })} <Data>{c.title ?? ''}</Data>
                    </a>
                  </li>
                ))}
            </ul>
          </section>
        ))}
      </div>
    </>
  );
}

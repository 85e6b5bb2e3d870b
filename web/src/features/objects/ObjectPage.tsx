import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../app/api.ts';
import { href, useRoute } from '../../app/router.ts';
import { formatDateTime } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, TlpBadge, useLoad } from '../../app/ui.tsx';
import { labelOf } from '../common/types.ts';
import { Timeline } from './Timeline.tsx';

const Graph = lazy(() => import('./Graph.tsx'));

/** GET /api/v1/objects/{id}. */
export interface ObjectDetail {
  readonly id: string;
  readonly type: string;
  readonly tlp: string;
  readonly object: Record<string, unknown>;
  readonly versions: { modified: string | null; added_at: string; tlp: string; current: boolean; shown: boolean; organisation: { id: string | null; name: string; sector: string | null } | null }[];
  readonly relationships: { via: string; kind: string; label: string; direction: 'in' | 'out'; object: { id: string; type: string; name: string | null } }[];
  readonly sightings: { sighting: string; object: { id: string; type: string; name: string | null } }[];
  readonly contributions: { organisation: { id: string | null; name: string; sector: string | null }; tlp: string; anonymous: boolean; confidence: number | null; first_seen: string; last_seen: string }[];
}

/** An organisation by name, or (anonymous) as its sector. */
function Who({ org }: { org: { id: string | null; name: string; sector: string | null } }) {
  const { t } = useTranslation();
  return org.id ? <Data>{org.name}</Data> : <>{t('object.anonymousSector', { sector: t(`sectors.${org.sector ?? 'other'}`) })}</>;
}

/** The object page: the object, versions, visible contributions (anonymous ones as a sector), sightings, graph, timeline. */
export default function ObjectPage() {
  const { t } = useTranslation();
  const route = useRoute();
  const id = route.parts[1] ?? '';
  const [showGraph, setShowGraph] = useState(false);
  const { data, error, loading } = useLoad((signal) => api<ObjectDetail>(`/api/v1/objects/${encodeURIComponent(id)}`, { signal }), [id]);
  if (loading) return <Loading />;
  if (error || !data) return <ErrorBox error={error} />;
  const o = data.object;
  return (
    <>
      <h1>
        <span className="type">{t(`stixTypes.${data.type}`, { defaultValue: data.type })}</span> <Data className="mono">{labelOf(o)}</Data> <TlpBadge tlp={data.tlp} />
      </h1>
      <p className="muted">
        <Data className="mono">{data.id}</Data>
      </p>
      <div className="grid">
        <Card title={t('object.contributions')} id="obj-contrib">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('object.who')}</th>
                <th scope="col">{t('object.tlp')}</th>
                <th scope="col">{t('object.confidence')}</th>
                <th scope="col">{t('object.lastSeen')}</th>
              </tr>
            </thead>
            <tbody>
              {data.contributions.map((c, n) => (
                <tr key={n}>
                  <td>
                    <Who org={c.organisation} />
                  </td>
                  <td>
                    <TlpBadge tlp={c.tlp} />
                  </td>
                  <td>{c.confidence ?? '—'}</td>
                  <td>{formatDateTime(c.last_seen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
        <Card title={t('object.versions')} id="obj-versions">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('object.modified')}</th>
                <th scope="col">{t('object.who')}</th>
                <th scope="col">{t('object.tlp')}</th>
                <th scope="col">{t('object.versionState')}</th>
              </tr>
            </thead>
            <tbody>
              {data.versions.map((v, n) => (
                <tr key={n} className={v.shown ? 'shown' : ''}>
                  <td>
                    {v.modified ? formatDateTime(v.modified) : '—'} <span className="muted">({t('object.received')} {formatDateTime(v.added_at)})</span>
                  </td>
                  <td>{v.organisation ? <Who org={v.organisation} /> : <span className="muted">{t('object.unknownContributor')}</span>}</td>
                  <td>
                    <TlpBadge tlp={v.tlp} />
                  </td>
                  <td>{v.shown ? <strong>{t('object.versionShown')}</strong> : v.current ? t('object.versionCurrent') : <span className="muted">{t('object.versionEarlier')}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {!data.versions.length ? <p className="muted">{t('object.noVersions')}</p> : null}
        </Card>
        <Card title={t('object.relationships')} id="obj-rels">
          {data.relationships.length ? (
            <ul className="list">
              {data.relationships.map((r) => (
                <li key={r.via + r.object.id}>
                  {r.direction === 'out' ? '→' : '←'} <Data className="mono">{r.label}</Data> <span className="type">{t(`stixTypes.${r.object.type}`, { defaultValue: r.object.type })}</span>{' '}
                  <a href={href(`/objects/${r.object.id}`)}>
                    <Data className="mono">{r.object.name ?? r.object.id}</Data>
                  </a>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t('object.noRelationships')}</p>
          )}
        </Card>
        <Card title={t('object.sightings')} id="obj-sightings">
          {data.sightings.length ? (
            <ul className="list">
              {data.sightings.map((s) => (
                <li key={s.sighting}>
                  <a href={href(`/objects/${s.sighting}`)}>{t('object.sighting')}</a>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t('object.noSightings')}</p>
          )}
        </Card>
      </div>
      <Card title={t('object.timeline')} id="obj-timeline">
        <Timeline detail={data} />
      </Card>
      <Card title={t('object.graph')} id="obj-graph">
        {showGraph ? (
          <Suspense fallback={<Loading />}>
            <Graph rootId={data.id} rootLabel={labelOf(o)} rootType={data.type} />
          </Suspense>
        ) : (
          <button type="button" onClick={() => setShowGraph(true)}>
            {t('object.showGraph')}
          </button>
        )}
      </Card>
      <details>
        <summary>{t('object.raw')}</summary>
        <pre translate="no">{JSON.stringify(o, null, 2)}</pre>
      </details>
    </>
  );
}

import { useTranslation } from 'react-i18next';
import { api } from '../../app/api.ts';
import { href, navigate, useRoute } from '../../app/router.ts';
import { formatDateTime, formatNumber } from '../../app/format.ts';
import { Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';
import { EntryPage } from './EntryPage.tsx';
import { DecisionText } from './DecisionText.tsx';
import { HotlineFigures } from './HotlineFigures.tsx';
import { STATUSES, type Decision, type Site } from './types.ts';

function Earlier({ decisions, site }: { decisions: readonly Decision[]; site: string }) {
  const { t } = useTranslation();
  if (!decisions.length) return <p className="muted">{t('hotline.noEarlier')}</p>;
  return (
    <table>
      <caption>{t('hotline.earlier')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('hotline.url')}</th>
          <th scope="col">{t('hotline.category')}</th>
          <th scope="col">{t('hotline.decision')}</th>
          <th scope="col">{t('hotline.statusCol')}</th>
        </tr>
      </thead>
      <tbody>
        {decisions.map((d) => (
          <tr key={d.id} data-site={site}>
            <td>
              <a href={href(`/hotline/${d.id}`)}>
                <Data className="mono">{d.url}</Data>
              </a>
            </td>
            <td>{t(`hotline.categories.${d.category}`)}</td>
            <td>
              <DecisionText e={d} /> <span className="muted">{formatDateTime(d.classified_at)}</span>
            </td>
            <td>{t(`hotline.statuses.${d.status}`)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SiteCard({ s, n }: { s: Site; n: number }) {
  const { t } = useTranslation();
  return (
    <section className="card site" aria-labelledby={`site-${n}`}>
      <h2 id={`site-${n}`}>
        <Data>{s.site}</Data> <span className="pill">{t('hotline.reportsN', { count: s.reports })}</span>
      </h2>
      <table>
        <caption>{t('hotline.entries')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('hotline.url')}</th>
            <th scope="col">{t('hotline.category')}</th>
            <th scope="col">{t('hotline.reports')}</th>
            <th scope="col">{t('hotline.lastReported')}</th>
            <th scope="col">{t('hotline.decision')}</th>
          </tr>
        </thead>
        <tbody>
          {s.entries.map((e) => (
            <tr key={e.id}>
              <td>
                <a href={href(`/hotline/${e.id}`)}>
                  <Data className="mono">{e.url}</Data>
                </a>
                {e.reports[0]?.description ? (
                  <>
                    <br />
                    <Data className="muted">{e.reports[0].description.slice(0, 160)}</Data>
                  </>
                ) : null}
              </td>
              <td>{t(`hotline.categories.${e.category}`)}</td>
              <td>{formatNumber(e.report_count)}</td>
              <td>{formatDateTime(e.last_reported_at)}</td>
              <td>
                <DecisionText e={e} />
                {e.actions.length ? <div className="muted">{e.actions.map((a) => t(`hotline.actionKinds.${a.kind}`)).join(', ')}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Earlier decisions={s.earlier_decisions} site={s.site} />
    </section>
  );
}

/** The operator queue: reported URLs grouped by site, most urgent first, with the earlier decisions on each site. */
function Queue() {
  const { t } = useTranslation();
  const route = useRoute();
  const status = (STATUSES as readonly string[]).includes(route.query.get('status') ?? '') ? route.query.get('status')! : 'new';
  const { data, error, loading } = useLoad((signal) => api<{ sites: Site[] }>(`/api/v1/hotline/triage?status=${status}&limit=200`, { signal }), [status]);
  return (
    <>
      <h1>{t('hotline.title')}</h1>
      <p>
        <a href="/hotline" target="_blank" rel="noopener">
          {t('hotline.publicForm')}
        </a>
      </p>
      <HotlineFigures />
      <div className="row">
        <label htmlFor="hotline-status">{t('hotline.show')}</label>
        <select id="hotline-status" value={status} onChange={(e) => navigate(`/hotline?status=${e.target.value}`)}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`hotline.statuses.${s}`)}
            </option>
          ))}
        </select>
      </div>
      {loading ? <Loading /> : null}
      <ErrorBox error={error} />
      {data && !data.sites.length ? (
        <p id="hotline-empty" className="muted">
          {t('hotline.empty')}
        </p>
      ) : null}
      <div id="hotline-queue">
        {data?.sites.map((s, n) => (
          <SiteCard key={s.site} s={s} n={n} />
        ))}
      </div>
    </>
  );
}

/** Hotline (issue 15) for operators and hub analysts: the queue, an entry with its decision and actions. */
export default function Hotline() {
  const route = useRoute();
  const id = route.parts[1];
  return id ? <EntryPage id={id} /> : <Queue />;
}

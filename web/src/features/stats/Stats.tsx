import { useTranslation } from 'react-i18next';
import { api, ApiError, type Page } from '../../app/api.ts';
import { href, useRoute } from '../../app/router.ts';
import { formatNumber } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';

type Bilingual = { readonly en: string; readonly ja: string };

/** GET /api/v1/stats/series items. */
interface SeriesSummary {
  readonly id: string;
  readonly kind: 'published' | 'unpublished' | 'platform';
  readonly title: Bilingual;
  readonly unit: string;
  readonly first: string | null;
  readonly last: string | null;
}

/** GET /api/v1/stats/series/{id}. */
interface SeriesView extends SeriesSummary {
  readonly categories: { key: string; label: Bilingual }[];
  readonly periods: string[];
  readonly values: { category: string; period: string; value: number; text: Bilingual }[];
}

function useLang(): 'ja' | 'en' {
  const { i18n } = useTranslation();
  return i18n.language === 'ja' ? 'ja' : 'en';
}

function Detail({ id }: { id: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { data, error, loading } = useLoad((signal) => api<SeriesView>(`/api/v1/stats/series/${encodeURIComponent(id)}`, { signal }), [id]);
  if (loading) return <Loading />;
  if (error || !data) return <ErrorBox error={error} />;
  const last = data.periods[data.periods.length - 1];
  const rows = data.categories.map((c) => ({ c, v: data.values.find((x) => x.category === c.key && x.period === last) })).filter((r) => r.v);
  return (
    <>
      <p>
        <a href={href('/stats')}>{t('stats.back')}</a>
      </p>
      <h1>
        <Data>{data.title[lang] || data.title.en}</Data>
      </h1>
      <p className="muted">{t(`stats.kinds.${data.kind}`)}</p>
      {/* The hub draws the chart (SVG, in the reader's language); the table beside it says the same in text. */}
      <img className="chart" src={`/api/v1/stats/series/${encodeURIComponent(id)}/chart.svg?lang=${lang}`} alt={t('stats.chartAlt', { count: data.periods.length })} />
      <Card title={last ? t('stats.latest', { period: last }) : t('stats.noValues')} id="stats-latest">
        {rows.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('stats.category')}</th>
                <th scope="col">{t('stats.value')}</th>
                <th scope="col">{t('stats.change')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ c, v }) => (
                <tr key={c.key}>
                  <td>
                    <Data>{c.label[lang] || c.key}</Data>
                  </td>
                  <td>{formatNumber(v!.value)}</td>
                  <td>
                    <Data>{v!.text[lang]}</Data>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">{t('stats.noValues')}</p>
        )}
      </Card>
      <p>
        <a href={`/api/v1/stats/series/${encodeURIComponent(id)}?format=csv`} download>
          {t('stats.csv')}
        </a>
      </p>
    </>
  );
}

/** Statistics: the series the reader may see (white-paper tables and the hub's own), each as a chart and its latest values. */
export default function Stats() {
  const { t } = useTranslation();
  const lang = useLang();
  const route = useRoute();
  const id = route.parts[1];
  const { data, error, loading } = useLoad((signal) => (id ? Promise.resolve(null) : api<Page<SeriesSummary>>('/api/v1/stats/series', { signal })), [id]);
  if (id) return <Detail id={id} />;
  return (
    <>
      <h1>{t('stats.title')}</h1>
      {loading ? <Loading /> : null}
      {error instanceof ApiError && error.status === 404 ? <p>{t('stats.noApi')}</p> : <ErrorBox error={error} />}
      {data && !data.items.length ? <p className="muted">{t('stats.none')}</p> : null}
      {data?.items.length ? (
        <table id="stats-series">
          <thead>
            <tr>
              <th scope="col">{t('stats.series')}</th>
              <th scope="col">{t('stats.kind')}</th>
              <th scope="col">{t('stats.periods')}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((s) => (
              <tr key={s.id}>
                <td>
                  <a href={href(`/stats/${encodeURIComponent(s.id)}`)}>
                    <Data>{s.title[lang] || s.title.en}</Data>
                  </a>
                </td>
                <td>{t(`stats.kinds.${s.kind}`)}</td>
                <td>{s.first && s.last ? <Data>{`${s.first} – ${s.last}`}</Data> : t('stats.rolling')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

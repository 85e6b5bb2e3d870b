import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs, type Page } from '../../app/api.ts';
import { href, navigate, useRoute } from '../../app/router.ts';
import { formatDateTime } from '../../app/format.ts';
import { Data, ErrorBox, Loading, TlpBadge, useLoad } from '../../app/ui.tsx';
import { labelOf, type ObjectSummary } from '../common/types.ts';

const TYPES = ['', 'indicator', 'ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr', 'file', 'malware', 'infrastructure', 'incident', 'campaign', 'threat-actor', 'report'] as const;

// A single token with a dot, colon, @ or digits is a value (defanged allowed); anything else is text.
function looksLikeValue(q: string): boolean {
  return !/\s/.test(q) && /[.:@/\d[\]]/.test(q);
}

/** Undoes the usual defanging (hxxp, [.], [:], [at]) so a pasted indicator finds its stored, normalised value. */
export function refang(q: string): string {
  return q
    .trim()
    .replace(/^hxxp/i, 'http')
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]/gi, '.')
    .replace(/\[:\]/g, ':')
    .replace(/\[at\]|\(at\)/gi, '@');
}

/** Search: by value (normalised, defanged allowed) or by text, filtered by type and TLP; only what the caller may see. */
export default function Search() {
  const { t } = useTranslation();
  const route = useRoute();
  const q = route.query.get('q') ?? '';
  const type = route.query.get('type') ?? '';
  const [draft, setDraft] = useState(q);
  const [draftType, setDraftType] = useState(type);
  const { data, error, loading } = useLoad(
    (signal) => (q || type ? api<Page<ObjectSummary>>(`/api/v1/objects${qs({ ...(q ? (looksLikeValue(q) ? { value: refang(q) } : { text: q }) : {}), type, limit: 50 })}`, { signal }) : Promise.resolve(null)),
    [q, type],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/search${qs({ q: draft.trim(), type: draftType })}`);
  };
  return (
    <>
      <h1>{t('search.title')}</h1>
      <form onSubmit={submit} role="search" className="row">
        <label htmlFor="search-q" className="sr-only">
          {t('search.label')}
        </label>
        <input id="search-q" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder={t('search.placeholder')} />
        <label htmlFor="search-type" className="sr-only">
          {t('search.type')}
        </label>
        <select id="search-type" value={draftType} onChange={(e) => setDraftType(e.target.value)}>
          {TYPES.map((ty) => (
            <option key={ty} value={ty}>
              {ty ? t(`stixTypes.${ty}`) : t('search.anyType')}
            </option>
          ))}
        </select>
        <button type="submit">{t('search.submit')}</button>
      </form>
      {loading ? <Loading /> : null}
      <ErrorBox error={error} />
      {data ? (
        data.items.length ? (
          <table className="results">
            <caption>{t('search.results', { count: data.items.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('search.colType')}</th>
                <th scope="col">{t('search.colName')}</th>
                <th scope="col">{t('search.colTlp')}</th>
                <th scope="col">{t('search.colUpdated')}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((o) => (
                <tr key={o.id}>
                  <td>{t(`stixTypes.${o.type}`, { defaultValue: o.type })}</td>
                  <td>
                    <a href={href(`/objects/${o.id}`)}>
                      <Data className="mono">{labelOf(o.object).slice(0, 120)}</Data>
                    </a>
                  </td>
                  <td>
                    <TlpBadge tlp={o.tlp} />
                  </td>
                  <td>{formatDateTime(o.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p role="status" id="search-empty">
            {t('search.none')}
          </p>
        )
      ) : null}
    </>
  );
}

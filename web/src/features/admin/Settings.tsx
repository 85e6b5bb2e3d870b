import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { Card, Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';

const KINDS = ['asset', 'sector', 'indicator', 'shared_sighting', 'cluster_priority', 'advisory'] as const;

/** My organisation's subscriptions: list, add an asset watch (domains, keywords, address ranges), delete. */
export function Subscriptions() {
  const { t } = useTranslation();
  const { data, error, loading, reload } = useLoad((signal) => api<Page<{ id: string; name: string; kind: string; enabled: boolean }>>('/api/v1/subscriptions', { signal }), []);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<(typeof KINDS)[number]>('asset');
  const [terms, setTerms] = useState('');
  const [err, setErr] = useState<unknown>(null);
  const create = (e: FormEvent) => {
    e.preventDefault();
    const list = terms.split(/[\s,]+/).filter(Boolean);
    const rule =
      kind === 'asset'
        ? { keywords: list.filter((x) => !x.includes('.') && !x.includes('/')), domains: list.filter((x) => x.includes('.') && !x.includes('/')), cidrs: list.filter((x) => x.includes('/')) }
        : kind === 'sector'
          ? { sectors: list }
          : {};
    api('/api/v1/subscriptions', { json: { name, kind, rule } }).then(() => (setName(''), setTerms(''), reload()), setErr);
  };
  const remove = (id: string) => void api(`/api/v1/subscriptions/${id}`, { method: 'DELETE' }).then(reload, setErr);
  return (
    <Card title={t('admin.tab.subscriptions')}>
      {loading ? <Loading /> : null}
      <ErrorBox error={error} />
      <ul className="list">
        {data?.items.map((s) => (
          <li key={s.id}>
            <Data>{s.name}</Data> · {t(`alertKinds.${s.kind}`)}{' '}
            <button type="button" onClick={() => remove(s.id)}>
              {t('admin.delete')}
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={create}>
        <label htmlFor="sub-name">{t('admin.name')}</label>
        <input id="sub-name" required value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="sub-kind">{t('admin.kind')}</label>
        <select id="sub-kind" value={kind} onChange={(e) => setKind(e.target.value as (typeof KINDS)[number])}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`alertKinds.${k}`)}
            </option>
          ))}
        </select>
        <label htmlFor="sub-terms">{t('admin.subTerms')}</label>
        <input id="sub-terms" value={terms} onChange={(e) => setTerms(e.target.value)} />
        <button type="submit">{t('admin.add')}</button>
      </form>
      <ErrorBox error={err} />
    </Card>
  );
}

/** Warninglists of this hub: enable or disable each. */
export function Warninglists() {
  const { t } = useTranslation();
  const { data, error, loading, reload } = useLoad((signal) => api<Page<{ slug: string; name: string; entries: number; enabled: boolean }>>('/api/v1/warninglists', { signal }), []);
  const [err, setErr] = useState<unknown>(null);
  const toggle = (slug: string, enable: boolean) => void api(`/api/v1/warninglists/${slug}/${enable ? 'enable' : 'disable'}`, { method: 'POST' }).then(reload, setErr);
  return (
    <Card title={t('admin.tab.warninglists')}>
      {loading ? <Loading /> : null}
      <ErrorBox error={error} />
      {data && !data.items.length ? <p>{t('admin.noWarninglists')}</p> : null}
      <ul className="list">
        {data?.items.map((w) => (
          <li key={w.slug}>
            <label className="inline">
              <input type="checkbox" checked={w.enabled} onChange={(e) => toggle(w.slug, e.target.checked)} /> <Data>{w.name}</Data>{' '}
              <span className="muted">{t('admin.entries', { count: w.entries })}</span>
            </label>
          </li>
        ))}
      </ul>
      <ErrorBox error={err} />
    </Card>
  );
}


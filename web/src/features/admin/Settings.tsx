import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { Card, Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';
import type { Org } from './Orgs.tsx';

/** Sharing groups: list, create, add a member organisation. */
export function Groups() {
  const { t } = useTranslation();
  const { data, error, loading, reload } = useLoad((signal) => api<Page<{ id: string; name: string; confidential: boolean; members?: string[] }>>('/api/v1/groups', { signal }), []);
  const orgs = useLoad((signal) => api<Page<Org>>('/api/v1/orgs?limit=1000', { signal }), []);
  const [name, setName] = useState('');
  const [member, setMember] = useState<Record<string, string>>({});
  const [err, setErr] = useState<unknown>(null);
  const create = (e: FormEvent) => {
    e.preventDefault();
    api('/api/v1/groups', { json: { name } }).then(() => (setName(''), reload()), setErr);
  };
  const add = (g: string) => void api(`/api/v1/groups/${g}/members`, { json: { org_id: member[g] } }).then(reload, setErr);
  return (
    <Card title={t('admin.tab.groups')}>
      {loading ? <Loading /> : null}
      <ErrorBox error={error} />
      <ul className="list">
        {data?.items.map((g) => (
          <li key={g.id}>
            <Data>{g.name}</Data> {g.confidential ? <span className="pill">{t('admin.confidential')}</span> : null}{' '}
            <label htmlFor={`gm-${g.id}`} className="sr-only">
              {t('admin.addMember')}
            </label>
            <select id={`gm-${g.id}`} value={member[g.id] ?? ''} onChange={(e) => setMember({ ...member, [g.id]: e.target.value })}>
              <option value="">{t('admin.chooseOrg')}</option>
              {orgs.data?.items.map((o) => (
                <option key={o.id} value={o.id} translate="no">
                  {o.name}
                </option>
              ))}
            </select>
            <button type="button" disabled={!member[g.id]} onClick={() => add(g.id)}>
              {t('admin.addMember')}
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={create} className="row">
        <label htmlFor="group-name">{t('admin.groupName')}</label>
        <input id="group-name" required value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit">{t('admin.add')}</button>
      </form>
      <ErrorBox error={err} />
    </Card>
  );
}

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


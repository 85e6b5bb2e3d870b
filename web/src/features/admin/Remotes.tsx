import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { formatDateTime, formatNumber } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, TlpBadge, useLoad } from '../../app/ui.tsx';
import type { Org } from './Orgs.tsx';

interface Remote {
  readonly id: string;
  readonly name: string;
  readonly collection_url: string;
  readonly auth: 'none' | 'basic' | 'bearer';
  readonly credentials: 'set' | 'none';
  readonly partner_org_id: string;
  readonly default_tlp: string;
  readonly max_tlp: string;
  readonly interval_seconds: number;
  readonly last_pull_at: string | null;
  readonly last_pull_count: number | null;
  readonly last_error: string | null;
}
type Pulled = { ok: true; report: { stored: number; fetched: number; rejected: number; above_agreed_tlp: number }; remote: Remote } | { ok: false; error: string; remote: Remote };

const TLPS = ['clear', 'green', 'amber'] as const;
const AUTHS = ['basic', 'bearer', 'none'] as const;

function AddRemote({ orgs, added }: { orgs: readonly Org[]; added: () => void }) {
  const { t } = useTranslation();
  const [f, setF] = useState({ name: '', url: '', partner: '', auth: 'basic' as (typeof AUTHS)[number], username: '', key: '', defaultTlp: 'amber', maxTlp: 'amber', interval: '0' });
  const [err, setErr] = useState<unknown>(null);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    const body = {
      name: f.name.trim(),
      url: f.url.trim(),
      partner_org_id: f.partner,
      auth: f.auth,
      ...(f.auth === 'basic' && f.username.trim() ? { username: f.username.trim() } : {}),
      ...(f.auth !== 'none' && f.key ? { key: f.key } : {}),
      default_tlp: f.defaultTlp,
      max_tlp: f.maxTlp,
      interval_seconds: Number(f.interval) || 0,
    };
    api('/api/v1/taxii/remotes', { json: body }).then(() => (setF({ ...f, name: '', url: '', key: '', username: '' }), added()), setErr);
  };
  return (
    <form onSubmit={submit} id="remote-add">
      <h3>{t('admin.remotes.add')}</h3>
      <label htmlFor="remote-name">{t('admin.remotes.name')}</label>
      <input id="remote-name" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}" value={f.name} onChange={set('name')} />
      <label htmlFor="remote-url">{t('admin.remotes.url')}</label>
      <input id="remote-url" required type="url" translate="no" value={f.url} onChange={set('url')} placeholder="https://peer.example/taxii2/api/collections/…/" />
      <label htmlFor="remote-partner">{t('admin.remotes.partner')}</label>
      <select id="remote-partner" required value={f.partner} onChange={set('partner')}>
        <option value="">{t('admin.chooseOrg')}</option>
        {orgs.map((o) => (
          <option key={o.id} value={o.id} translate="no">
            {o.name}
          </option>
        ))}
      </select>
      <label htmlFor="remote-auth">{t('admin.remotes.auth')}</label>
      <select id="remote-auth" value={f.auth} onChange={set('auth')}>
        {AUTHS.map((a) => (
          <option key={a} value={a}>
            {t(`admin.remotes.auths.${a}`)}
          </option>
        ))}
      </select>
      {f.auth === 'basic' ? (
        <>
          <label htmlFor="remote-username">{t('admin.remotes.username')}</label>
          <input id="remote-username" value={f.username} onChange={set('username')} autoComplete="off" />
        </>
      ) : null}
      {f.auth !== 'none' ? (
        <>
          <label htmlFor="remote-key">{t('admin.remotes.key')}</label>
          <input id="remote-key" type="password" required value={f.key} onChange={set('key')} autoComplete="new-password" />
        </>
      ) : null}
      <div className="row">
        <label htmlFor="remote-tlp">{t('admin.remotes.defaultTlp')}</label>
        <select id="remote-tlp" value={f.defaultTlp} onChange={set('defaultTlp')} translate="no">
          {TLPS.map((l) => (
            <option key={l} value={l}>{`TLP:${l.toUpperCase()}`}</option>
          ))}
        </select>
        <label htmlFor="remote-max-tlp">{t('admin.remotes.maxTlp')}</label>
        <select id="remote-max-tlp" value={f.maxTlp} onChange={set('maxTlp')} translate="no">
          {TLPS.map((l) => (
            <option key={l} value={l}>{`TLP:${l.toUpperCase()}`}</option>
          ))}
        </select>
        <label htmlFor="remote-interval">{t('admin.remotes.interval')}</label>
        <input id="remote-interval" type="number" min={0} max={604800} value={f.interval} onChange={set('interval')} />
      </div>
      <button type="submit">{t('admin.add')}</button>
      <ErrorBox error={err} />
    </form>
  );
}

/** TAXII remotes (hub admins): the collections this hub pulls from, their last pull; add, remove, pull now. */
export function Remotes() {
  const { t } = useTranslation();
  const { data, error, loading, reload } = useLoad((signal) => api<Page<Remote>>('/api/v1/taxii/remotes', { signal }), []);
  const orgs = useLoad((signal) => api<Page<Org>>('/api/v1/orgs?limit=1000', { signal }), []);
  const [pulled, setPulled] = useState<Pulled | null>(null);
  const [busy, setBusy] = useState('');
  const [err, setErr] = useState<unknown>(null);
  const orgName = (id: string) => orgs.data?.items.find((o) => o.id === id)?.name ?? id;
  const pull = (name: string) => {
    setBusy(name);
    setErr(null);
    api<Pulled>(`/api/v1/taxii/remotes/${encodeURIComponent(name)}/pull`, { method: 'POST' })
      .then((p) => (setPulled(p), reload()), setErr)
      .finally(() => setBusy(''));
  };
  const remove = (name: string) => {
    if (!window.confirm(t('admin.remotes.confirmRemove', { name }))) return;
    setErr(null);
    api(`/api/v1/taxii/remotes/${encodeURIComponent(name)}`, { method: 'DELETE' }).then(() => (setPulled(null), reload()), setErr);
  };
  return (
    <Card title={t('admin.tab.taxii')} id="remotes">
      {loading && !data ? <Loading /> : null}
      <ErrorBox error={error} />
      {data && !data.items.length ? <p className="muted">{t('admin.remotes.none')}</p> : null}
      {data?.items.length ? (
        <table id="remotes-list">
          <thead>
            <tr>
              <th scope="col">{t('admin.remotes.name')}</th>
              <th scope="col">{t('admin.remotes.partner')}</th>
              <th scope="col">{t('admin.remotes.tlp')}</th>
              <th scope="col">{t('admin.remotes.lastPull')}</th>
              <th scope="col">{t('admin.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((r) => (
              <tr key={r.id}>
                <td>
                  <Data>{r.name}</Data>
                  <br />
                  <Data className="mono muted">{r.collection_url}</Data>
                </td>
                <td>
                  <Data>{orgName(r.partner_org_id)}</Data>
                </td>
                <td>
                  <TlpBadge tlp={r.default_tlp} /> / <TlpBadge tlp={r.max_tlp} />
                </td>
                <td>
                  {r.last_pull_at ? t('admin.remotes.pulledAt', { at: formatDateTime(r.last_pull_at), count: r.last_pull_count ?? 0 }) : t('admin.remotes.never')}
                  {r.last_error ? (
                    <div className="error">
                      {t('admin.remotes.failed')} <Data>{r.last_error}</Data>
                    </div>
                  ) : null}
                  <div className="muted">{r.interval_seconds ? t('admin.remotes.every', { n: formatNumber(r.interval_seconds) }) : t('admin.remotes.manual')}</div>
                </td>
                <td>
                  <button type="button" disabled={busy !== ''} onClick={() => pull(r.name)}>
                    {busy === r.name ? t('admin.remotes.pulling') : t('admin.remotes.pull')}
                  </button>
                  <button type="button" onClick={() => remove(r.name)}>
                    {t('admin.delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {pulled ? (
        <p role="status" id="remote-pulled" className={pulled.ok ? 'ok' : 'error'}>
          {pulled.ok ? t('admin.remotes.pullDone', { stored: formatNumber(pulled.report.stored), fetched: formatNumber(pulled.report.fetched), rejected: formatNumber(pulled.report.rejected + pulled.report.above_agreed_tlp) }) : t('admin.remotes.failed')}{' '}
          <Data>{pulled.remote.name}</Data>
        </p>
      ) : null}
      <ErrorBox error={err} />
      <AddRemote orgs={orgs.data?.items ?? []} added={reload} />
    </Card>
  );
}

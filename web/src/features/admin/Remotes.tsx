import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { formatDateTime, formatNumber } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, TlpBadge, useLoad } from '../../app/ui.tsx';
import type { Org } from './Orgs.tsx';
import { REMOTE_AUTHS as AUTHS, REMOTE_TLPS as TLPS, RemoteEdit, type Remote } from './RemoteEdit.tsx';

type Pulled = { ok: true; report: { stored: number; fetched: number; rejected: number; above_agreed_tlp: number }; remote: Remote } | { ok: false; error: string; remote: Remote };

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

/** TAXII remotes (hub admins): the collections this hub pulls from, their last pull; add, edit, enable, disable, remove, pull now. */
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
  const [editing, setEditing] = useState('');
  const [saved, setSaved] = useState<{ name: string; changed: boolean } | null>(null);
  const toggle = (r: Remote) => {
    setErr(null);
    setSaved(null);
    setPulled(null);
    api<Remote>(`/api/v1/taxii/remotes/${encodeURIComponent(r.name)}/${r.enabled ? 'disable' : 'enable'}`, { method: 'POST' }).then(reload, setErr);
  };
  const edited = data?.items.find((r) => r.id === editing);
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
              <th scope="col">{t('admin.remotes.status')}</th>
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
                  <div className="muted">{t(`admin.remotes.auths.${r.auth}`)}</div>
                </td>
                <td>
                  <span className={r.enabled ? 'pill' : 'pill pill-off'}>{r.enabled ? t('admin.remotes.enabled') : t('admin.remotes.disabled')}</span>
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
                  <button type="button" disabled={busy !== '' || !r.enabled} onClick={() => pull(r.name)}>
                    {busy === r.name ? t('admin.remotes.pulling') : t('admin.remotes.pull')}
                  </button>
                  <button type="button" aria-expanded={editing === r.id} aria-controls={editing === r.id ? 'remote-edit' : undefined} onClick={() => (setSaved(null), setEditing(editing === r.id ? '' : r.id))}>
                    {t('admin.remotes.edit')}
                  </button>
                  <button type="button" onClick={() => toggle(r)}>
                    {r.enabled ? t('admin.remotes.disable') : t('admin.remotes.enable')}
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
      {edited ? (
        <RemoteEdit
          key={edited.id}
          remote={edited}
          orgs={orgs.data?.items ?? []}
          cancel={() => setEditing('')}
          done={(r) => {
            setEditing('');
            setSaved({ name: r?.name ?? edited.name, changed: r !== null });
            if (r) reload();
          }}
        />
      ) : null}
      {saved ? (
        <p role="status" id="remote-saved" className="ok">
          {saved.changed ? t('admin.remotes.saved') : t('admin.remotes.unchanged')} <Data>{saved.name}</Data>
        </p>
      ) : null}
      <ErrorBox error={err} />
      <AddRemote orgs={orgs.data?.items ?? []} added={reload} />
    </Card>
  );
}

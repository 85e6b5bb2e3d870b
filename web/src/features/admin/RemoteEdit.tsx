import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../app/api.ts';
import { Data, ErrorBox } from '../../app/ui.tsx';
import type { Org } from './Orgs.tsx';

/** A remote TAXII collection as the API answers it (never its key: only whether one is set). */
export interface Remote {
  readonly id: string;
  readonly name: string;
  readonly collection_url: string;
  readonly auth: 'none' | 'basic' | 'bearer';
  readonly username: string | null;
  readonly credentials: 'set' | 'none';
  readonly partner_org_id: string;
  readonly default_tlp: string;
  readonly max_tlp: string;
  readonly interval_seconds: number;
  readonly enabled: boolean;
  readonly last_pull_at: string | null;
  readonly last_pull_count: number | null;
  readonly last_error: string | null;
}

/** TLP levels a remote's objects may arrive at (never above AMBER between hubs). */
export const REMOTE_TLPS = ['clear', 'green', 'amber'] as const;
// A level set from the command line (AMBER+STRICT, RED) stays choosable where it is the stored one.
const tlpChoices = (stored: string): readonly string[] => ((REMOTE_TLPS as readonly string[]).includes(stored) ? REMOTE_TLPS : [...REMOTE_TLPS, stored]);

/** How the hub authenticates to a remote. */
export const REMOTE_AUTHS = ['basic', 'bearer', 'none'] as const;

/**
 * Edits a remote: URL, partner, credentials (the key write-only: empty keeps the stored one), TLPs, schedule.
 * Sends only what changed; a new key is required when the authentication changes or none is stored.
 */
export function RemoteEdit({ remote, orgs, done, cancel }: { remote: Remote; orgs: readonly Org[]; done: (saved: Remote | null) => void; cancel: () => void }) {
  const { t } = useTranslation();
  const [f, setF] = useState({ url: remote.collection_url, partner: remote.partner_org_id, auth: remote.auth, username: remote.username ?? '', key: '', defaultTlp: remote.default_tlp, maxTlp: remote.max_tlp, interval: String(remote.interval_seconds) });
  const [err, setErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  // Keyboard users land in the form they opened.
  useEffect(() => first.current?.focus(), []);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const keyNeeded = f.auth !== 'none' && (f.auth !== remote.auth || remote.credentials === 'none');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    const body: Record<string, unknown> = {};
    if (f.url.trim() !== remote.collection_url) body.url = f.url.trim();
    if (f.partner !== remote.partner_org_id) body.partner_org_id = f.partner;
    if (f.auth !== remote.auth) body.auth = f.auth;
    if (f.auth === 'basic' && f.username.trim() && f.username.trim() !== remote.username) body.username = f.username.trim();
    if (f.auth !== 'none' && f.key) body.key = f.key;
    if (f.defaultTlp !== remote.default_tlp) body.default_tlp = f.defaultTlp;
    if (f.maxTlp !== remote.max_tlp) body.max_tlp = f.maxTlp;
    if ((Number(f.interval) || 0) !== remote.interval_seconds) body.interval_seconds = Number(f.interval) || 0;
    if (!Object.keys(body).length) return done(null);
    setBusy(true);
    api<Remote>(`/api/v1/taxii/remotes/${encodeURIComponent(remote.name)}`, { method: 'PATCH', json: body })
      .then(done, setErr)
      .finally(() => setBusy(false));
  };
  return (
    <form onSubmit={submit} id="remote-edit" aria-labelledby="remote-edit-title">
      <h3 id="remote-edit-title">
        {t('admin.remotes.editTitle')} <Data>{remote.name}</Data>
      </h3>
      <label htmlFor="remote-edit-url">{t('admin.remotes.url')}</label>
      <input id="remote-edit-url" ref={first} required type="url" translate="no" value={f.url} onChange={set('url')} aria-describedby="remote-edit-url-hint" />
      <p id="remote-edit-url-hint" className="muted">
        {t('admin.remotes.urlRestarts')}
      </p>
      <label htmlFor="remote-edit-partner">{t('admin.remotes.partner')}</label>
      <select id="remote-edit-partner" required value={f.partner} onChange={set('partner')}>
        {orgs.map((o) => (
          <option key={o.id} value={o.id} translate="no">
            {o.name}
          </option>
        ))}
      </select>
      <label htmlFor="remote-edit-auth">{t('admin.remotes.auth')}</label>
      <select id="remote-edit-auth" value={f.auth} onChange={set('auth')}>
        {REMOTE_AUTHS.map((a) => (
          <option key={a} value={a}>
            {t(`admin.remotes.auths.${a}`)}
          </option>
        ))}
      </select>
      {f.auth === 'basic' ? (
        <>
          <label htmlFor="remote-edit-username">{t('admin.remotes.username')}</label>
          <input id="remote-edit-username" value={f.username} onChange={set('username')} autoComplete="off" translate="no" />
        </>
      ) : null}
      {f.auth !== 'none' ? (
        <>
          <label htmlFor="remote-edit-key">{keyNeeded ? t('admin.remotes.key') : t('admin.remotes.newKey')}</label>
          <input id="remote-edit-key" type="password" required={keyNeeded} value={f.key} onChange={set('key')} autoComplete="new-password" />
        </>
      ) : null}
      <div className="row">
        <label htmlFor="remote-edit-tlp">{t('admin.remotes.defaultTlp')}</label>
        <select id="remote-edit-tlp" value={f.defaultTlp} onChange={set('defaultTlp')} translate="no">
          {tlpChoices(remote.default_tlp).map((l) => (
            <option key={l} value={l}>{`TLP:${l.toUpperCase()}`}</option>
          ))}
        </select>
        <label htmlFor="remote-edit-max-tlp">{t('admin.remotes.maxTlp')}</label>
        <select id="remote-edit-max-tlp" value={f.maxTlp} onChange={set('maxTlp')} translate="no">
          {tlpChoices(remote.max_tlp).map((l) => (
            <option key={l} value={l}>{`TLP:${l.toUpperCase()}`}</option>
          ))}
        </select>
        <label htmlFor="remote-edit-interval">{t('admin.remotes.interval')}</label>
        <input id="remote-edit-interval" type="number" min={0} max={604800} value={f.interval} onChange={set('interval')} />
      </div>
      <button type="submit" disabled={busy}>
        {t('admin.remotes.save')}
      </button>{' '}
      <button type="button" onClick={cancel}>
        {t('admin.remotes.cancel')}
      </button>
      <ErrorBox error={err} />
    </form>
  );
}

import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { formatDateTime } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';
import type { Org } from './Orgs.tsx';

interface User {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly disabled_at: string | null;
}
interface Key {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly revoked_at: string | null;
}

const ROLES = ['member', 'org_admin', 'hub_analyst', 'investigator', 'hotline_operator', 'volunteer', 'admin'] as const;

function Keys({ user }: { user: User }) {
  const { t } = useTranslation();
  const { data, reload } = useLoad((signal) => api<Page<Key>>(`/api/v1/users/${user.id}/keys`, { signal }), [user.id]);
  const [shown, setShown] = useState<string | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const create = () => void api<{ key: string }>(`/api/v1/users/${user.id}/keys`, { json: { name: 'web' } }).then((k) => (setShown(k.key), reload()), setErr);
  const revoke = (id: string) => void api(`/api/v1/users/${user.id}/keys/${id}`, { method: 'DELETE' }).then(reload, setErr);
  return (
    <div>
      <ul className="list">
        {data?.items.map((k) => (
          <li key={k.id}>
            <Data className="mono">{k.prefix}</Data> {formatDateTime(k.created_at)} {k.revoked_at ? t('admin.revoked') : <button type="button" onClick={() => revoke(k.id)}>{t('admin.revoke')}</button>}
          </li>
        ))}
      </ul>
      <button type="button" onClick={create}>
        {t('admin.newKey')}
      </button>
      {shown ? (
        <p role="status">
          {t('admin.keyOnce')} <Data className="mono secret">{shown}</Data>
        </p>
      ) : null}
      <ErrorBox error={err} />
    </div>
  );
}

function Login({ user }: { user: User }) {
  const { t } = useTranslation();
  const [username, setUsername] = useState(user.name.toLowerCase().replace(/[^a-z0-9._@-]/g, '.'));
  const [password, setPassword] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    api(`/api/v1/users/${user.id}/login`, { method: 'PUT', json: { username, password } }).then(() => (setDone(t('admin.passwordSet')), setPassword('')), setErr);
  };
  const resetTotp = () => void api(`/api/v1/users/${user.id}/totp`, { method: 'DELETE' }).then(() => setDone(t('admin.totpReset')), setErr);
  return (
    <form onSubmit={submit} className="row">
      <label htmlFor={`u-${user.id}`}>{t('signin.username')}</label>
      <input id={`u-${user.id}`} value={username} onChange={(e) => setUsername(e.target.value)} required />
      <label htmlFor={`p-${user.id}`}>{t('signin.password')}</label>
      <input id={`p-${user.id}`} type="password" autoComplete="new-password" minLength={12} value={password} onChange={(e) => setPassword(e.target.value)} required />
      <button type="submit">{t('admin.setPassword')}</button>
      <button type="button" onClick={resetTotp}>
        {t('admin.resetTotp')}
      </button>
      {done ? <span role="status">{done}</span> : null}
      <ErrorBox error={err} />
    </form>
  );
}

// Role and access of one person: a new role, or disabled (their keys and sessions stop working) and enabled again.
function Access({ user, changed }: { user: User; changed: () => void }) {
  const { t } = useTranslation();
  const [role, setRole] = useState(user.role);
  const [err, setErr] = useState<unknown>(null);
  const update = (patch: { role?: string; disabled?: boolean }) => {
    setErr(null);
    api(`/api/v1/users/${user.id}`, { method: 'PATCH', json: patch }).then(changed, setErr);
  };
  return (
    <div className="row">
      <label htmlFor={`role-${user.id}`}>{t('account.role')}</label>
      <select id={`role-${user.id}`} value={role} onChange={(e) => setRole(e.target.value)}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {t(`roles.${r}`)}
          </option>
        ))}
      </select>
      <button type="button" disabled={role === user.role} onClick={() => update({ role })}>
        {t('admin.changeRole')}
      </button>
      <button type="button" onClick={() => update({ disabled: !user.disabled_at })}>
        {user.disabled_at ? t('admin.enableUser') : t('admin.disableUser')}
      </button>
      <ErrorBox error={err} />
    </div>
  );
}

/** People of one organisation: add, roles, disable, sign-in (password, TOTP reset), API keys. */
export function Users({ orgId }: { orgId: string | null }) {
  const { t } = useTranslation();
  const orgs = useLoad((signal) => api<Page<Org>>('/api/v1/orgs?limit=1000', { signal }), []);
  const [chosen, setChosen] = useState(orgId ?? '');
  const org = chosen || orgs.data?.items[0]?.id || '';
  const { data, error, loading, reload } = useLoad((signal) => (org ? api<Page<User>>(`/api/v1/orgs/${org}/users`, { signal }) : Promise.resolve(null)), [org]);
  const [name, setName] = useState('');
  const [role, setRole] = useState<string>('member');
  const [err, setErr] = useState<unknown>(null);
  const add = (e: FormEvent) => {
    e.preventDefault();
    api(`/api/v1/orgs/${org}/users`, { json: { name, role } }).then(() => (setName(''), reload()), setErr);
  };
  return (
    <>
      <label htmlFor="users-org">{t('admin.org')}</label>
      <select id="users-org" value={org} onChange={(e) => setChosen(e.target.value)}>
        {orgs.data?.items.map((o) => (
          <option key={o.id} value={o.id} translate="no">
            {o.name}
          </option>
        ))}
      </select>
      {loading ? <Loading /> : null}
      <ErrorBox error={error} />
      {data?.items.map((u) => (
        <Card key={u.id} title={<><Data>{u.name}</Data> · {t(`roles.${u.role}`)}{u.disabled_at ? <span className="pill pill-off">{t('admin.userDisabled', { at: formatDateTime(u.disabled_at) })}</span> : null}</>}>
          <Access key={u.role} user={u} changed={reload} />
          <Login user={u} />
          <h3>{t('admin.keys')}</h3>
          <Keys user={u} />
        </Card>
      ))}
      <Card title={t('admin.addUser')}>
        <form onSubmit={add}>
          <label htmlFor="user-name">{t('admin.name')}</label>
          <input id="user-name" required value={name} onChange={(e) => setName(e.target.value)} />
          <label htmlFor="user-role">{t('account.role')}</label>
          <select id="user-role" value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
          <button type="submit">{t('admin.add')}</button>
        </form>
        <ErrorBox error={err} />
      </Card>
    </>
  );
}

import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../app/api.ts';
import { useSession } from '../../app/session.tsx';
import { formatDateTime, TIME_ZONE } from '../../app/format.ts';
import { Card, Data, ErrorBox } from '../../app/ui.tsx';

/** The signed-in person: who they are, password change, second factor, sign-out everywhere. */
export default function Account() {
  const { t } = useTranslation();
  const { session, set } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (!session) return null;

  const changePassword = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    api(`/api/v1/users/${session.user.id}/login`, { method: 'PUT', json: { username: session.user.username ?? session.user.name, password: next, current_password: current } })
      .then(() => set(null))
      .catch(setError);
  };
  const everywhere = () => {
    api<{ signed_out: number }>('/api/v1/session/sign-out-everywhere', { method: 'POST' })
      .then((r) => {
        setDone(t('account.signedOut', { count: r.signed_out }));
        set(null);
      })
      .catch(setError);
  };

  return (
    <>
      <h1>{t('account.title')}</h1>
      <Card title={t('account.who')}>
        <dl className="facts">
          <dt>{t('account.name')}</dt>
          <dd>
            <Data>{session.user.name}</Data>
          </dd>
          <dt>{t('signin.username')}</dt>
          <dd>
            <Data>{session.user.username ?? '—'}</Data>
          </dd>
          <dt>{t('account.org')}</dt>
          <dd>
            <Data>{session.org.name}</Data>
          </dd>
          <dt>{t('account.role')}</dt>
          <dd>{t(`roles.${session.user.role}`)}</dd>
          <dt>{t('account.totp')}</dt>
          <dd>{t(session.totp_enrolled ? 'account.totpOn' : 'account.totpOff')}</dd>
          <dt>{t('account.expires')}</dt>
          <dd>{formatDateTime(session.expires_at)}</dd>
          <dt>{t('account.timeZone')}</dt>
          <dd>
            <Data>{TIME_ZONE}</Data>
          </dd>
        </dl>
      </Card>
      <Card title={t('account.password')}>
        <form onSubmit={changePassword}>
          <label htmlFor="current-password">{t('account.current')}</label>
          <input id="current-password" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
          <label htmlFor="new-password">{t('account.new')}</label>
          <input id="new-password" type="password" autoComplete="new-password" minLength={12} required value={next} onChange={(e) => setNext(e.target.value)} />
          <button type="submit">{t('account.change')}</button>
        </form>
      </Card>
      <Card title={t('account.sessions')}>
        <p>{t('account.everywhereWhy')}</p>
        <button type="button" onClick={everywhere}>
          {t('account.everywhere')}
        </button>
        {done ? <p role="status">{done}</p> : null}
      </Card>
      <ErrorBox error={error} />
    </>
  );
}

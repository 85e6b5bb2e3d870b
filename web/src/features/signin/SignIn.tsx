import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../app/api.ts';
import { useSession, type Session } from '../../app/session.tsx';
import { Data } from '../../app/ui.tsx';

/** Sign-in: username and password, then the TOTP code or enrolment when the role needs a second factor. */
export function SignIn() {
  const { t } = useTranslation();
  const { session, set } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauth_uri: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(fn: () => Promise<void>): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      setError(status === 429 ? t('signin.locked') : status === 401 ? t(session ? 'signin.wrongCode' : 'signin.wrong') : t('errors.other'));
    } finally {
      setBusy(false);
    }
  }

  const submitPassword = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const s = await api<Session>('/api/v1/session', { json: { username, password }, quiet401: true });
      setPassword('');
      set(s);
    });
  };
  const submitCode = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const path = session?.stage === 'enrol' ? '/api/v1/session/totp/confirm' : '/api/v1/session/totp';
      set(await api<Session>(path, { json: { code }, quiet401: true }));
    });
  };
  const startEnrolment = () => void run(async () => setEnrolment(await api('/api/v1/session/totp/enrol', { method: 'POST', quiet401: true })));

  if (session && session.stage !== 'full') {
    return (
      <div className="narrow">
        <h1>{t(session.stage === 'enrol' ? 'signin.enrolTitle' : 'signin.totpTitle')}</h1>
        {session.stage === 'enrol' ? (
          <>
            <p>{t('signin.enrolWhy')}</p>
            {enrolment ? (
              <div className="enrol">
                <p>{t('signin.enrolSecret')}</p>
                <p>
                  <Data className="secret">{enrolment.secret.replace(/(.{4})/g, '$1 ').trim()}</Data>
                </p>
                <p className="muted">
                  <Data>{enrolment.otpauth_uri}</Data>
                </p>
              </div>
            ) : (
              <button type="button" onClick={startEnrolment} disabled={busy}>
                {t('signin.enrolStart')}
              </button>
            )}
          </>
        ) : null}
        {session.stage === 'totp' || enrolment ? (
          <form onSubmit={submitCode}>
            <label htmlFor="totp-code">{t('signin.code')}</label>
            <input id="totp-code" name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6} required value={code} onChange={(e) => setCode(e.target.value)} autoFocus />
            <button type="submit" disabled={busy}>
              {t('signin.verify')}
            </button>
          </form>
        ) : null}
        {error ? <p role="alert" className="error">{error}</p> : null}
      </div>
    );
  }

  return (
    <div className="narrow">
      <h1>{t('signin.title')}</h1>
      <p className="muted">{t('app.tagline')}</p>
      <form onSubmit={submitPassword}>
        <label htmlFor="username">{t('signin.username')}</label>
        <input id="username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
        <label htmlFor="password">{t('signin.password')}</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <button type="submit" disabled={busy}>
          {t('signin.submit')}
        </button>
      </form>
      {error ? <p role="alert" className="error">{error}</p> : null}
      <p className="muted">
        {t('signin.public')} <a href="/advisories">{t('signin.advisories')}</a>
      </p>
    </div>
  );
}

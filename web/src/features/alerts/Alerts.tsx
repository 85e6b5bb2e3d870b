import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { href, useRoute } from '../../app/router.ts';
import { formatDateTime } from '../../app/format.ts';
import { Data, ErrorBox, Loading, TlpBadge, useLoad } from '../../app/ui.tsx';
import type { InboxItem } from '../common/types.ts';
import { AlertTitle, Reason } from './AlertText.tsx';

function Matches({ item }: { item: InboxItem }) {
  const { t } = useTranslation();
  const matches = item.alert.matches ?? [];
  if (!matches.length) return null;
  return (
    <ul className="list">
      {matches.slice(0, 20).map((m, n) => (
        <li key={n}>
          <a href={href(`/search?q=${encodeURIComponent(m.value)}`)}>
            <Data className="mono">{m.display ?? m.value}</Data>
          </a>{' '}
          {m.tlp ? <TlpBadge tlp={m.tlp} /> : null} <span className="muted">{t('alerts.reason')}</span> <Reason reason={m.reason} />
        </li>
      ))}
    </ul>
  );
}

/** The inbox: alerts for me and my organisation, newest first, marked read when opened. */
export default function Alerts() {
  const { t } = useTranslation();
  const route = useRoute();
  const open = route.parts[1] ? Number(route.parts[1]) : null;
  const { data, error, loading, reload } = useLoad((signal) => api<Page<InboxItem> & { unread: number }>('/api/v1/inbox?limit=100', { signal }), []);
  const markRead = (id: number) => void api(`/api/v1/inbox/${id}/read`, { method: 'POST' }).then(reload, () => {});
  return (
    <>
      <h1>{t('alerts.title')}</h1>
      {loading ? <Loading /> : null}
      <ErrorBox error={error} />
      {data ? <p>{t('dashboard.unread', { count: data.unread })}</p> : null}
      {data && !data.items.length ? <p>{t('dashboard.noAlerts')}</p> : null}
      <ul className="alerts">
        {data?.items.map((a) => (
          <li key={a.id} className={a.read ? '' : 'unread'} id={`alert-${a.id}`}>
            <details open={open === a.id || data.items.length <= 3} onToggle={(e) => (e.currentTarget.open && !a.read ? markRead(a.id) : undefined)}>
              <summary>
                <AlertTitle item={a} /> <span className="muted">{formatDateTime(a.created_at)}</span> {a.read ? null : <span className="pill">{t('alerts.unread')}</span>}
              </summary>
              <p className="muted">{t(`alertKinds.${a.kind}`)}</p>
              <Matches item={a} />
            </details>
          </li>
        ))}
      </ul>
    </>
  );
}

import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { href, useRoute } from '../../app/router.ts';
import { isHubRole, useSession } from '../../app/session.tsx';
import { formatDateTime } from '../../app/format.ts';
import { Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';
import { Editor, type Advisory } from './Editor.tsx';

/** Advisories (注意喚起): the list (drafts too for the hub), the editor with ja/en side by side, links to the public pages. */
export default function Advisories() {
  const { t, i18n } = useTranslation();
  const { session } = useSession();
  const route = useRoute();
  const id = route.parts[1];
  const hub = isHubRole(session?.user.role);
  const { data, error, loading } = useLoad((signal) => (id ? Promise.resolve(null) : api<Page<Advisory>>('/api/v1/advisories', { signal })), [id]);
  if (id) return <Editor id={id === 'new' ? null : id} />;
  const title = (a: Advisory) => (i18n.language === 'ja' ? a.title.ja || a.title.en : a.title.en || a.title.ja) || '—';
  return (
    <>
      <h1>{t('advisories.title')}</h1>
      <p>
        <a href="/advisories">{t('advisories.public')}</a> · <a href="/advisories.atom">{t('advisories.atom')}</a>
      </p>
      {hub ? (
        <p>
          <a className="button" href={href('/advisories/new')}>
            {t('advisories.new')}
          </a>
        </p>
      ) : null}
      {loading ? <Loading /> : null}
      <ErrorBox error={error} />
      {data && !data.items.length ? <p>{t('advisories.none')}</p> : null}
      {data?.items.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('advisories.titleCol')}</th>
              <th scope="col">{t('advisories.status')}</th>
              <th scope="col">{t('advisories.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((a) => (
              <tr key={a.id}>
                <td>{hub ? <a href={href(`/advisories/${a.id}`)}><Data>{title(a)}</Data></a> : <a href={`/advisories/${a.id}`}><Data>{title(a)}</Data></a>}</td>
                <td>{t(`advisories.statuses.${a.status}`, { defaultValue: a.status })}</td>
                <td>{formatDateTime(a.published_at ?? a.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

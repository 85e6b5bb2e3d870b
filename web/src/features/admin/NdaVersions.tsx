import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { formatDateTime } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';

interface NdaVersion {
  readonly version: string;
  readonly title: string;
  readonly published_at: string;
}

/** NDA versions (hub admin): the published ones, newest first, and publishing a new one, which organisations then accept. */
export function NdaVersions() {
  const { t } = useTranslation();
  const { data, error, loading, reload } = useLoad((signal) => api<Page<NdaVersion>>('/api/v1/ndas', { signal }), []);
  const [version, setVersion] = useState('');
  const [title, setTitle] = useState('');
  const [err, setErr] = useState<unknown>(null);
  const publish = (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    api('/api/v1/ndas', { json: { version: version.trim(), title: title.trim() } }).then(() => (setVersion(''), setTitle(''), reload()), setErr);
  };
  return (
    <Card title={t('admin.ndaVersions.title')} id="nda-versions">
      {loading && !data ? <Loading /> : null}
      <ErrorBox error={error} />
      {data && !data.items.length ? <p className="muted">{t('admin.ndaVersions.none')}</p> : null}
      <ul className="list">
        {data?.items.map((v) => (
          <li key={v.version}>
            <Data className="mono">{v.version}</Data> <Data>{v.title}</Data> <span className="muted">{t('admin.ndaVersions.publishedAt', { at: formatDateTime(v.published_at) })}</span>
          </li>
        ))}
      </ul>
      <form onSubmit={publish}>
        <label htmlFor="nda-new-version">{t('admin.ndaVersions.version')}</label>
        <input id="nda-new-version" required pattern="[A-Za-z0-9._\-]{1,40}" value={version} onChange={(e) => setVersion(e.target.value)} translate="no" placeholder="2026-1" />
        <label htmlFor="nda-new-title">{t('admin.ndaVersions.versionTitle')}</label>
        <input id="nda-new-title" required maxLength={300} value={title} onChange={(e) => setTitle(e.target.value)} />
        <button type="submit">{t('admin.ndaVersions.publish')}</button>
      </form>
      <ErrorBox error={err} />
    </Card>
  );
}

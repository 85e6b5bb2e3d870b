import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../app/api.ts';
import { href, navigate } from '../../app/router.ts';
import { ErrorBox, Loading } from '../../app/ui.tsx';
// The public pages' own renderer (pure, no I/O), so the preview is what readers will see.
import { renderMarkdown } from '../../../../src/feedback/advisories/markdown.render.ts';

/** An advisory as the API answers it. */
export interface Advisory {
  readonly id: string;
  readonly status: string;
  readonly title: { ja: string | null; en: string | null };
  readonly body: { ja: string | null; en: string | null };
  readonly object_ids: string[];
  readonly updated_at: string;
  readonly published_at: string | null;
}

function Preview({ lang, title, body }: { lang: 'ja' | 'en'; title: string; body: string }) {
  const html = useMemo(() => renderMarkdown(body), [body]);
  return (
    <article lang={lang} translate="no" className="preview-pane">
      <h2>{title}</h2>
      <div dangerouslySetInnerHTML={{ __html: html }} />
    </article>
  );
}

/** The advisory editor: Japanese and English side by side, each with its live preview; save, publish, withdraw. */
export function Editor({ id }: { id: string | null }) {
  const { t } = useTranslation();
  const [loaded, setLoaded] = useState(id === null);
  const [status, setStatus] = useState('draft');
  const [fields, setFields] = useState({ title_ja: '', title_en: '', body_ja: '', body_en: '' });
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);

  useEffect(() => {
    if (!id) return;
    api<Advisory>(`/api/v1/advisories/${id}`).then((a) => {
      setFields({ title_ja: a.title.ja ?? '', title_en: a.title.en ?? '', body_ja: a.body.ja ?? '', body_en: a.body.en ?? '' });
      setStatus(a.status);
      setLoaded(true);
    }, setError);
  }, [id]);

  const save = async (): Promise<string | null> => {
    setError(null);
    try {
      const a = id ? await api<Advisory>(`/api/v1/advisories/${id}`, { method: 'PATCH', json: fields }) : await api<Advisory>('/api/v1/advisories', { json: fields });
      setSaved(t('advisories.saved'));
      if (!id) navigate(`/advisories/${a.id}`);
      return a.id;
    } catch (err) {
      setError(err);
      return null;
    }
  };
  const act = async (action: 'publish' | 'withdraw') => {
    const saved = await save();
    if (!saved) return;
    api<Advisory>(`/api/v1/advisories/${saved}/${action}`, { method: 'POST' }).then((a) => setStatus(a.status), setError);
  };
  if (!loaded) return error ? <ErrorBox error={error} /> : <Loading />;
  const set = (k: keyof typeof fields) => (e: { target: { value: string } }) => setFields((f) => ({ ...f, [k]: e.target.value }));
  return (
    <>
      <p>
        <a href={href('/advisories')}>{t('advisories.back')}</a>
      </p>
      <h1>{t(id ? 'advisories.edit' : 'advisories.new')}</h1>
      <p>
        {t('advisories.status')}: {t(`advisories.statuses.${status}`, { defaultValue: status })}
      </p>
      <div className="side-by-side">
        {(['ja', 'en'] as const).map((lang) => (
          <section key={lang} aria-labelledby={`adv-${lang}`}>
            <h2 id={`adv-${lang}`}>{t(`advisories.lang.${lang}`)}</h2>
            <label htmlFor={`title-${lang}`}>{t('advisories.titleField')}</label>
            <input id={`title-${lang}`} lang={lang} value={fields[`title_${lang}`]} onChange={set(`title_${lang}`)} />
            <label htmlFor={`body-${lang}`}>{t('advisories.bodyField')}</label>
            <textarea id={`body-${lang}`} lang={lang} rows={12} value={fields[`body_${lang}`]} onChange={set(`body_${lang}`)} />
            <h3>{t('advisories.preview')}</h3>
            <Preview lang={lang} title={fields[`title_${lang}`]} body={fields[`body_${lang}`]} />
          </section>
        ))}
      </div>
      <div className="actions">
        <button type="button" onClick={() => void save()}>
          {t('advisories.save')}
        </button>
        {status !== 'published' ? (
          <button type="button" className="primary" onClick={() => void act('publish')}>
            {t('advisories.publish')}
          </button>
        ) : (
          <button type="button" onClick={() => void act('withdraw')}>
            {t('advisories.withdraw')}
          </button>
        )}
      </div>
      {saved ? <p role="status">{saved}</p> : null}
      <ErrorBox error={error} />
    </>
  );
}

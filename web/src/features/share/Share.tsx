import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs, type Page } from '../../app/api.ts';
import { href } from '../../app/router.ts';
import { useSession } from '../../app/session.tsx';
import { Card, Data, ErrorBox, TlpBadge, useLoad } from '../../app/ui.tsx';
import { PreviewTable, type IngestReport } from './PreviewTable.tsx';

const TLPS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
const FORMATS = ['auto', 'text', 'stix', 'misp', 'csv', 'eml', 'stix1', 'openioc'] as const;

interface Org {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
}

/** Share: paste or upload, preview what would be created (dry run), then commit with TLP, recipients, anonymity and confidence. */
export default function Share() {
  const { t } = useTranslation();
  const { session } = useSession();
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<(typeof FORMATS)[number]>('auto');
  const [tlp, setTlp] = useState<(typeof TLPS)[number]>('amber');
  const [orgs, setOrgs] = useState<string[]>([]);
  const [groups, setGroups] = useState<string[]>([]);
  const [anonymous, setAnonymous] = useState(false);
  const [confidence, setConfidence] = useState('');
  const [preview, setPreview] = useState<IngestReport | null>(null);
  const [result, setResult] = useState<IngestReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const orgList = useLoad((signal) => api<Page<Org>>('/api/v1/orgs?limit=1000', { signal }), []);
  const groupList = useLoad((signal) => api<Page<{ id: string; name: string }>>('/api/v1/groups', { signal }), []);
  const amberish = tlp === 'amber' || tlp === 'amber+strict';

  async function send(dryRun: boolean): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      const query = qs({
        format,
        tlp,
        orgs: amberish && orgs.length ? orgs.join(',') : undefined,
        groups: amberish && groups.length ? groups.join(',') : undefined,
        anonymous: anonymous || undefined,
        confidence: confidence === '' ? undefined : Number(confidence),
        filename: file?.name,
        dry_run: dryRun || undefined,
      });
      const body: BodyInit = file ?? text;
      const report = await api<IngestReport>(`/api/v1/ingest${query}`, { method: 'POST', body, contentType: file ? 'application/octet-stream' : 'text/plain; charset=utf-8' });
      if (dryRun) setPreview(report);
      else {
        setResult(report);
        setPreview(null);
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const onPreview = (e: FormEvent) => {
    e.preventDefault();
    setResult(null);
    void send(true);
  };
  const toggle = (list: string[], set: (v: string[]) => void, id: string) => set(list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);
  const otherOrgs = (orgList.data?.items ?? []).filter((o) => o.id !== session?.org.id && o.kind !== 'hub');

  return (
    <>
      <h1>{t('share.title')}</h1>
      <p className="muted">{t('share.intro')}</p>
      <form onSubmit={onPreview} className="share">
        <Card title={t('share.what')}>
          <label htmlFor="share-text">{t('share.paste')}</label>
          <textarea id="share-text" rows={8} value={text} onChange={(e) => setText(e.target.value)} disabled={file !== null} />
          <label htmlFor="share-file">{t('share.file')}</label>
          <input id="share-file" type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          <label htmlFor="share-format">{t('share.format')}</label>
          <select id="share-format" value={format} onChange={(e) => setFormat(e.target.value as (typeof FORMATS)[number])}>
            {FORMATS.map((f) => (
              <option key={f} value={f}>
                {t(`formats.${f}`)}
              </option>
            ))}
          </select>
        </Card>
        <Card title={t('share.how')}>
          <fieldset>
            <legend>{t('share.tlp')}</legend>
            {TLPS.map((l) => (
              <label key={l} className="inline">
                <input type="radio" name="tlp" value={l} checked={tlp === l} onChange={() => setTlp(l)} /> <TlpBadge tlp={l} /> <span className="muted">{t(`tlp.${l}`)}</span>
              </label>
            ))}
          </fieldset>
          {amberish ? (
            <fieldset>
              <legend>{t('share.recipients')}</legend>
              <p className="muted">{t('share.recipientsHelp')}</p>
              {otherOrgs.map((o) => (
                <label key={o.id} className="inline">
                  <input type="checkbox" checked={orgs.includes(o.id)} onChange={() => toggle(orgs, setOrgs, o.id)} /> <Data>{o.name}</Data>
                </label>
              ))}
              {(groupList.data?.items ?? []).map((g) => (
                <label key={g.id} className="inline">
                  <input type="checkbox" checked={groups.includes(g.id)} onChange={() => toggle(groups, setGroups, g.id)} /> {t('share.group')} <Data>{g.name}</Data>
                </label>
              ))}
            </fieldset>
          ) : null}
          <label className="inline">
            <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} /> {t('share.anonymous')}
          </label>
          <label htmlFor="share-confidence">{t('share.confidence')}</label>
          <input id="share-confidence" type="number" min={0} max={100} value={confidence} onChange={(e) => setConfidence(e.target.value)} />
        </Card>
        <div className="actions">
          <button type="submit" disabled={busy || (!text.trim() && !file)}>
            {t('share.preview')}
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      {preview ? (
        <Card title={t('share.previewTitle')} id="share-preview">
          <PreviewTable report={preview} />
          <div className="actions">
            <button type="button" className="primary" onClick={() => void send(false)} disabled={busy}>
              {t('share.commit')}
            </button>
          </div>
        </Card>
      ) : null}
      {result ? (
        <div role="status" className="ok" id="share-result">
          <p>{t('share.done', { created: result.counts.created, updated: result.counts.updated, unchanged: result.counts.unchanged })}</p>
          <a href={href('/shared')}>{t('share.follow')}</a>
        </div>
      ) : null}
    </>
  );
}

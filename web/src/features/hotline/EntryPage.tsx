import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { href } from '../../app/router.ts';
import { formatDateTime, formatNumber } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';
import { DecisionText } from './DecisionText.tsx';
import { CATEGORIES, CLASSIFICATIONS, type Category, type Entry } from './types.ts';

/** Classify an entry (illegal or harmful with the legal basis), or close it as not actionable. */
function DecisionForm({ e, done }: { e: Entry; done: () => void }) {
  const { t } = useTranslation();
  const cats = useLoad((signal) => api<Page<Category>>('/api/v1/hotline/categories', { signal }), []);
  const [cls, setCls] = useState<string>(e.classification ?? 'illegal');
  const [category, setCategory] = useState(e.category);
  const [basis, setBasis] = useState(e.legal_basis ?? '');
  const [note, setNote] = useState(e.decision_note ?? '');
  const [err, setErr] = useState<unknown>(null);
  const bases = cats.data?.items.find((c) => c.key === category)?.legal_bases ?? [];
  const save = (classification: string) => {
    setErr(null);
    const body = { classification, category, ...(basis.trim() ? { legal_basis: basis.trim() } : {}), ...(note.trim() ? { note: note.trim() } : {}) };
    api('/api/v1/hotline/entries/' + e.id + '/classify', { json: body }).then(done, setErr);
  };
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    save(cls);
  };
  return (
    <form onSubmit={submit} id="hotline-decide">
      <fieldset>
        <legend>{t('hotline.classification')}</legend>
        {CLASSIFICATIONS.map((c) => (
          <label key={c} className="inline">
            <input type="radio" name="classification" value={c} checked={cls === c} onChange={() => setCls(c)} /> {t(`hotline.classes.${c}`)}
          </label>
        ))}
      </fieldset>
      <label htmlFor="hotline-category">{t('hotline.category')}</label>
      <select id="hotline-category" value={category} onChange={(ev) => setCategory(ev.target.value)}>
        {CATEGORIES.map((c) => (
          <option key={c} value={c}>
            {t(`hotline.categories.${c}`)}
          </option>
        ))}
      </select>
      {bases.length ? (
        <>
          <label htmlFor="hotline-usual">{t('hotline.usualBases')}</label>
          <select id="hotline-usual" value="" onChange={(ev) => ev.target.value && setBasis(ev.target.value)}>
            <option value="">{t('hotline.chooseBasis')}</option>
            {bases.map((b) => (
              <option key={b} value={b} translate="no">
                {b}
              </option>
            ))}
          </select>
        </>
      ) : null}
      <label htmlFor="hotline-basis">{t('hotline.legalBasis')}</label>
      <input id="hotline-basis" value={basis} maxLength={500} onChange={(ev) => setBasis(ev.target.value)} required={cls !== 'not_actionable'} />
      <label htmlFor="hotline-note">{t('hotline.note')}</label>
      <textarea id="hotline-note" rows={2} maxLength={2000} value={note} onChange={(ev) => setNote(ev.target.value)} />
      <div>
        <button type="submit">{t('hotline.decide')}</button>
        <button type="button" id="hotline-close" onClick={() => save('not_actionable')}>
          {t('hotline.close')}
        </button>
      </div>
      <ErrorBox error={err} />
    </form>
  );
}

type Outcome = { kind: 'police'; case_id: string; case_number: string | number } | { kind: 'deletion_request' | 'forward'; action: { id: string; status: string; recipient?: { name?: string } | null } };

/** The actions on a classified entry: a police case, a deletion request, a forward to the partner hotline abroad. */
function Actions({ e, done }: { e: Entry; done: () => void }) {
  const { t, i18n } = useTranslation();
  const police = useLoad((signal) => api<Page<{ id: string; name: string; kind: string }>>('/api/v1/orgs?limit=1000', { signal }).then((p) => p.items.filter((o) => o.kind === 'law_enforcement')), []);
  const [le, setLe] = useState('');
  const [lang, setLang] = useState(i18n.language === 'en' ? 'en' : 'ja');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const actionable = e.classification === 'illegal' || e.classification === 'harmful';
  const act = (kind: 'police' | 'deletion_request' | 'forward') => {
    setErr(null);
    const body = kind === 'police' ? { kind, le_org_id: le } : { kind, lang };
    api<Outcome>(`/api/v1/hotline/entries/${e.id}/actions`, { json: body }).then((o) => (setOutcome(o), done()), setErr);
  };
  if (!actionable) return <p className="muted">{t('hotline.classifyFirst')}</p>;
  return (
    <>
      <div className="row">
        <label htmlFor="hotline-le">{t('hotline.policeOrg')}</label>
        <select id="hotline-le" value={le} onChange={(ev) => setLe(ev.target.value)}>
          <option value="">{t('hotline.choosePolice')}</option>
          {police.data?.map((o) => (
            <option key={o.id} value={o.id} translate="no">
              {o.name}
            </option>
          ))}
        </select>
        <button type="button" disabled={!le || !!e.case_id} onClick={() => act('police')}>
          {t('hotline.toPolice')}
        </button>
      </div>
      <div className="row">
        <label htmlFor="hotline-lang">{t('hotline.noticeLang')}</label>
        <select id="hotline-lang" value={lang} onChange={(ev) => setLang(ev.target.value)}>
          <option value="ja">{t('advisories.lang.ja')}</option>
          <option value="en">{t('advisories.lang.en')}</option>
        </select>
        <button type="button" onClick={() => act('deletion_request')}>
          {t('hotline.requestDeletion')}
        </button>
        <button type="button" onClick={() => act('forward')}>
          {t('hotline.forward')}
        </button>
      </div>
      {outcome ? (
        <p role="status" className="ok" id="hotline-outcome">
          {outcome.kind === 'police' ? (
            <>
              {t('hotline.caseOpened')} <Data>{String(outcome.case_number)}</Data> <a href={href(`/cases/${outcome.case_id}`)}>{t('hotline.openCase')}</a>
            </>
          ) : (
            <>
              {t(`hotline.sent.${outcome.kind}`)} {outcome.action.recipient?.name ? <Data>{outcome.action.recipient.name}</Data> : null}
            </>
          )}
        </p>
      ) : null}
      <ErrorBox error={err} />
    </>
  );
}

/** One reported URL: its reports, the decision and its legal basis, the actions taken and the removal checks. */
export function EntryPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const { data: e, error, loading, reload } = useLoad((signal) => api<Entry>(`/api/v1/hotline/entries/${encodeURIComponent(id)}`, { signal }), [id]);
  if (loading && !e) return <Loading />;
  if (!e) return <ErrorBox error={error} />;
  return (
    <>
      <p>
        <a href={href('/hotline')}>{t('hotline.back')}</a>
      </p>
      <h1>
        {t('hotline.entry')} <Data className="mono">{e.url}</Data>
      </h1>
      <dl className="facts" id="hotline-entry">
        <dt>{t('hotline.site')}</dt>
        <dd>
          <Data>{e.site}</Data>
        </dd>
        <dt>{t('hotline.category')}</dt>
        <dd>{t(`hotline.categories.${e.category}`)}</dd>
        <dt>{t('hotline.statusCol')}</dt>
        <dd id="hotline-state">{t(`hotline.statuses.${e.status}`)}</dd>
        <dt>{t('hotline.decision')}</dt>
        <dd id="hotline-decision">
          <DecisionText e={e} />
        </dd>
        <dt>{t('hotline.reports')}</dt>
        <dd>
          {formatNumber(e.report_count)} ({formatDateTime(e.first_reported_at)} – {formatDateTime(e.last_reported_at)})
        </dd>
        <dt>{t('hotline.host')}</dt>
        <dd>
          <Data className="mono">{e.host_ip ?? '—'}</Data> <Data>{e.country ?? ''}</Data>
        </dd>
        {e.removed_at ? (
          <>
            <dt>{t('hotline.removedAt')}</dt>
            <dd>{formatDateTime(e.removed_at)}</dd>
          </>
        ) : null}
        {e.case_id ? (
          <>
            <dt>{t('hotline.policeCase')}</dt>
            <dd>
              <a href={href(`/cases/${e.case_id}`)}>{t('hotline.openCase')}</a>
            </dd>
          </>
        ) : null}
      </dl>
      <div className="grid">
        <Card title={t('hotline.decision')} id="hotline-decision-card">
          <DecisionForm key={`${e.classification}-${e.classified_at}`} e={e} done={reload} />
        </Card>
        <Card title={t('hotline.actions')} id="hotline-actions">
          <Actions e={e} done={reload} />
          {e.actions.length ? (
            <ul className="list">
              {e.actions.map((a) => (
                <li key={a.id}>
                  {t(`hotline.actionKinds.${a.kind}`)}: {t(`hotline.actionStatus.${a.status}`, { defaultValue: a.status })} {a.recipient?.name ? <Data>{a.recipient.name}</Data> : null} <span className="muted">{formatDateTime(a.created_at)}</span>
                </li>
              ))}
            </ul>
          ) : null}
        </Card>
      </div>
      <Card title={t('hotline.reports')} id="hotline-reports">
        <ul className="list">
          {e.reports.map((r, n) => (
            <li key={n}>
              {formatDateTime(r.at)} · {t(`hotline.categories.${r.category}`)} · {t(`hotline.sources.${r.source}`, { defaultValue: r.source })}
              {r.description ? (
                <>
                  <br />
                  <Data>
                    <span lang={r.lang ?? undefined}>{r.description}</span>
                  </Data>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      </Card>
      {e.checks?.length ? (
        <Card title={t('hotline.checks')} id="hotline-checks">
          <ul className="list">
            {e.checks.map((c, n) => (
              <li key={n}>
                {formatDateTime(c.at)} · {t(`hotline.checkResults.${c.result.split(':')[0]!.replace(' ', '_')}`, { defaultValue: c.result })} {c.result.includes(':') ? <Data>{c.result.slice(c.result.indexOf(':') + 1).trim()}</Data> : null}
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
    </>
  );
}

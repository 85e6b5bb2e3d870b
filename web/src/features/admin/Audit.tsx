import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs, type Page } from '../../app/api.ts';
import { formatDateTime, formatNumber } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';

interface Entry {
  readonly seq: number;
  readonly at: string;
  readonly action: string;
  readonly target_type: string | null;
  readonly target_id: string | null;
  readonly via: string | null;
}
type Verdict = { ok: true; entries: number } | { ok: false; entries: number; brokenAt: number; reason: string };

/** What the log is narrowed to: an action or its start ("object.read", "taxii.remote."), a target id. */
interface Filter {
  readonly action: string;
  readonly target: string;
}

const PAGE = 50;

function pageUrl(f: Filter, before?: string): string {
  return `/api/v1/audit${qs({ limit: PAGE, action: f.action.trim(), target: f.target.trim(), before })}`;
}

/** The audit log (newest first, by action or target, page after page) and a walk of its hash chain. */
export function Audit() {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Filter>({ action: '', target: '' });
  const [filter, setFilter] = useState<Filter>({ action: '', target: '' });
  const { data, error, loading } = useLoad((signal) => api<Page<Entry>>(pageUrl(filter), { signal }), [filter.action, filter.target]);
  // Older pages fetched after the first one, for that first page (a new filter starts again).
  const [older, setOlder] = useState<{ readonly after: Page<Entry>; readonly items: readonly Entry[]; readonly next: string | null } | null>(null);
  const [busy, setBusy] = useState(false);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const verify = () => void api<Verdict>('/api/v1/audit/verify', { method: 'POST' }).then(setVerdict, setErr);
  const more = older && older.after === data ? older : null;
  const items = [...(data?.items ?? []), ...(more?.items ?? [])];
  const next = more ? more.next : (data?.next ?? null);
  const loadOlder = () => {
    if (!data || !next) return;
    setBusy(true);
    api<Page<Entry>>(pageUrl(filter, next))
      .then(
        (p) => setOlder({ after: data, items: [...(more?.items ?? []), ...p.items], next: p.next }),
        (e: unknown) => setErr(e),
      )
      .finally(() => setBusy(false));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilter(draft);
  };
  return (
    <Card title={t('admin.tab.audit')} id="audit">
      <button type="button" onClick={verify}>
        {t('admin.verify')}
      </button>
      {verdict ? (
        <p role="status" className={verdict.ok ? 'ok' : 'error'} id="audit-verdict">
          {verdict.ok ? t('admin.chainOk', { count: verdict.entries }) : t('admin.chainBroken', { seq: verdict.brokenAt })}
        </p>
      ) : null}
      <form onSubmit={submit} className="row" aria-label={t('admin.auditFilter')}>
        <label htmlFor="audit-action">{t('admin.auditAction')}</label>
        <input id="audit-action" translate="no" maxLength={100} value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} placeholder="object.read" />
        <label htmlFor="audit-target">{t('admin.auditTarget')}</label>
        <input id="audit-target" translate="no" maxLength={300} value={draft.target} onChange={(e) => setDraft({ ...draft, target: e.target.value })} />
        <button type="submit">{t('admin.auditShow')}</button>
      </form>
      <ErrorBox error={err} />
      {loading ? <Loading /> : null}
      <ErrorBox error={error} />
      {data && !items.length ? <p id="audit-empty">{t('admin.auditNone')}</p> : null}
      <table id="audit-entries">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t('admin.when')}</th>
            <th scope="col">{t('admin.action')}</th>
            <th scope="col">{t('admin.target')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.seq}>
              <td>{formatNumber(e.seq)}</td>
              <td>{formatDateTime(e.at)}</td>
              <td>
                <Data className="mono">{e.action}</Data>
              </td>
              <td>
                <Data className="mono">{e.target_type ? `${e.target_type} ${e.target_id ?? ''}` : '—'}</Data>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {next ? (
        <button type="button" id="audit-older" onClick={loadOlder} disabled={busy}>
          {t('admin.auditOlder')}
        </button>
      ) : null}
    </Card>
  );
}

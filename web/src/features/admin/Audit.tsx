import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
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

/** The audit log (newest first) and a walk of its hash chain. */
export function Audit() {
  const { t } = useTranslation();
  const { data, error, loading } = useLoad((signal) => api<Page<Entry>>('/api/v1/audit?limit=100', { signal }), []);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const verify = () => void api<Verdict>('/api/v1/audit/verify', { method: 'POST' }).then(setVerdict, setErr);
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
      <ErrorBox error={err} />
      {loading ? <Loading /> : null}
      <ErrorBox error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t('admin.when')}</th>
            <th scope="col">{t('admin.action')}</th>
            <th scope="col">{t('admin.target')}</th>
          </tr>
        </thead>
        <tbody>
          {data?.items.map((e) => (
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
    </Card>
  );
}

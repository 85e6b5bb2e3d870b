import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { formatDateTime } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';

interface Pending {
  readonly subscription_id: string;
  readonly org_name: string;
  readonly name: string;
  readonly outside: { readonly domains?: string[]; readonly cidrs?: string[]; readonly asns?: number[]; readonly keywords?: string[] };
  readonly requested_at: string;
}

/** Asset subscriptions waiting for the hub (watches beyond an organisation's declared assets): read, approve. */
export function Approvals() {
  const { t } = useTranslation();
  const { data, error, loading, reload } = useLoad((signal) => api<Page<Pending>>('/api/v1/subscription-approvals', { signal }), []);
  const [err, setErr] = useState<unknown>(null);
  const approve = (id: string) => {
    setErr(null);
    api(`/api/v1/subscriptions/${id}/approve`, { method: 'POST' }).then(reload, setErr);
  };
  return (
    <Card title={t('admin.approvals.title')} id="approvals">
      {loading && !data ? <Loading /> : null}
      <ErrorBox error={error} />
      {data && !data.items.length ? <p className="muted">{t('admin.approvals.none')}</p> : null}
      <ul className="list">
        {data?.items.map((p) => {
          const beyond = [...(p.outside.domains ?? []), ...(p.outside.cidrs ?? []), ...(p.outside.asns ?? []).map((a) => `AS${a}`), ...(p.outside.keywords ?? [])];
          return (
            <li key={p.subscription_id}>
              <Data>{p.org_name}</Data> · <Data>{p.name}</Data> <span className="muted">{formatDateTime(p.requested_at)}</span>
              <div>
                {t('admin.approvals.beyond')} <Data className="mono">{beyond.join(', ')}</Data>
              </div>
              <button type="button" onClick={() => approve(p.subscription_id)}>
                {t('admin.approvals.approve')}
              </button>
            </li>
          );
        })}
      </ul>
      <ErrorBox error={err} />
    </Card>
  );
}

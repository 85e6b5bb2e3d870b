import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { ErrorBox, Loading, useLoad } from '../../app/ui.tsx';

/**
 * Records an organisation's NDA acceptance as the hub requires it: a published NDA version, signed by
 * one of the organisation's people (never free text).
 */
export function NdaForm({ orgId, onDone }: { orgId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const { data, error, loading } = useLoad(
    (signal) => Promise.all([api<Page<{ version: string; title: string }>>('/api/v1/ndas', { signal }), api<Page<{ id: string; name: string; disabled_at?: string | null }>>(`/api/v1/orgs/${orgId}/users`, { signal })]),
    [orgId],
  );
  const [version, setVersion] = useState('');
  const [signer, setSigner] = useState('');
  const [err, setErr] = useState<unknown>(null);
  if (loading) return <Loading />;
  if (error || !data) return <ErrorBox error={error} />;
  const [versions, users] = data;
  if (!versions.items.length) return <p className="muted">{t('admin.noNdaVersion')}</p>;
  const people = users.items.filter((u) => !u.disabled_at);
  if (!people.length) return <p className="muted">{t('admin.noSigner')}</p>;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    api(`/api/v1/orgs/${orgId}/nda`, { json: { version: version || versions.items[0]!.version, signer_user_id: signer || people[0]!.id } }).then(onDone, setErr);
  };
  return (
    <form onSubmit={submit} className="inline">
      <label htmlFor={`nda-version-${orgId}`}>{t('admin.ndaVersion')}</label>
      <select id={`nda-version-${orgId}`} value={version || versions.items[0]!.version} onChange={(e) => setVersion(e.target.value)} translate="no">
        {versions.items.map((v) => (
          <option key={v.version} value={v.version}>
            {v.version} {v.title}
          </option>
        ))}
      </select>
      <label htmlFor={`nda-signer-${orgId}`}>{t('admin.ndaSigner')}</label>
      <select id={`nda-signer-${orgId}`} value={signer || people[0]!.id} onChange={(e) => setSigner(e.target.value)} translate="no">
        {people.map((u) => (
          <option key={u.id} value={u.id}>
            {u.name}
          </option>
        ))}
      </select>
      <button type="submit">{t('admin.recordNda')}</button>
      <ErrorBox error={err} />
    </form>
  );
}

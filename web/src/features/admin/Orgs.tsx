import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { href } from '../../app/router.ts';
import { formatDateTime } from '../../app/format.ts';
import { Card, Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';
import { NdaForm } from './NdaForm.tsx';
import { OrgEdit } from './OrgEdit.tsx';
import { NdaVersions } from './NdaVersions.tsx';

/** An organisation as the API answers it. */
export interface Org {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly sector: string | null;
  readonly default_tlp: string;
  readonly nda_accepted_at: string | null;
}

/** Kinds and sectors of organisations, as the API takes them. */
const ORG_KINDS = ['industry', 'academia', 'law_enforcement', 'government', 'international_partner', 'hub'] as const;
const ORG_SECTORS = ['finance', 'telecom', 'ecommerce', 'security_vendor', 'critical_infrastructure', 'other'] as const;

/** The kind of an organisation and, for industry, its sector: the fields the add and edit forms share. */
export function KindAndSector({ idPrefix, kind, sector, onKind, onSector }: { idPrefix: string; kind: string; sector: string; onKind: (k: string) => void; onSector: (s: string) => void }) {
  const { t } = useTranslation();
  return (
    <>
      <label htmlFor={`${idPrefix}-kind`}>{t('admin.kind')}</label>
      <select id={`${idPrefix}-kind`} value={kind} onChange={(e) => onKind(e.target.value)}>
        {ORG_KINDS.map((k) => (
          <option key={k} value={k}>
            {t(`orgKinds.${k}`)}
          </option>
        ))}
      </select>
      {kind === 'industry' ? (
        <>
          <label htmlFor={`${idPrefix}-sector`}>{t('admin.sector')}</label>
          <select id={`${idPrefix}-sector`} value={sector} onChange={(e) => onSector(e.target.value)}>
            {ORG_SECTORS.map((s) => (
              <option key={s} value={s}>
                {t(`sectors.${s}`)}
              </option>
            ))}
          </select>
        </>
      ) : null}
    </>
  );
}

/** Organisations: list, add, edit, record NDA acceptance; NDA versions: publish. */
export function Orgs() {
  const { t } = useTranslation();
  const { data, error, loading, reload } = useLoad((signal) => api<Page<Org>>('/api/v1/orgs?limit=1000', { signal }), []);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<string>('industry');
  const [sector, setSector] = useState<string>('finance');
  const [err, setErr] = useState<unknown>(null);
  const add = (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    api('/api/v1/orgs', { json: { name, kind, ...(kind === 'industry' ? { sector } : {}) } }).then(() => {
      setName('');
      reload();
    }, setErr);
  };
  const [ndaFor, setNdaFor] = useState<string | null>(null);
  const [editing, setEditing] = useState('');
  const [saved, setSaved] = useState<{ name: string; changed: boolean } | null>(null);
  const edited = data?.items.find((o) => o.id === editing);
  return (
    <>
      <Card title={t('admin.orgs')}>
        {loading ? <Loading /> : null}
        <ErrorBox error={error} />
        <table>
          <thead>
            <tr>
              <th scope="col">{t('admin.name')}</th>
              <th scope="col">{t('admin.kind')}</th>
              <th scope="col">{t('admin.sector')}</th>
              <th scope="col">{t('admin.nda')}</th>
              <th scope="col">{t('admin.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {data?.items.map((o) => (
              <tr key={o.id}>
                <td>
                  <Data>{o.name}</Data>
                </td>
                <td>{t(`orgKinds.${o.kind}`)}</td>
                <td>{o.sector ? t(`sectors.${o.sector}`) : '—'}</td>
                <td>{o.nda_accepted_at ? formatDateTime(o.nda_accepted_at) : t('admin.ndaMissing')}</td>
                <td>
                  <a href={href(`/admin/users?org=${o.id}`)}>{t('admin.users')}</a>{' '}
                  <button type="button" onClick={() => (setSaved(null), setEditing(o.id))} aria-label={t('admin.editOrgNamed', { name: o.name })}>
                    {t('admin.edit')}
                  </button>{' '}
                  {o.nda_accepted_at ? null : ndaFor === o.id ? (
                    <NdaForm orgId={o.id} onDone={() => (setNdaFor(null), reload())} />
                  ) : (
                    <button type="button" onClick={() => setNdaFor(o.id)}>
                      {t('admin.recordNda')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {edited ? (
          <OrgEdit
            key={edited.id}
            org={edited}
            cancel={() => setEditing('')}
            done={(o) => {
              setEditing('');
              setSaved({ name: o?.name ?? edited.name, changed: o !== null });
              if (o) reload();
            }}
          />
        ) : null}
        {saved ? (
          <p role="status" id="org-saved" className="ok">
            {saved.changed ? t('admin.orgSaved') : t('admin.orgUnchanged')} <Data>{saved.name}</Data>
          </p>
        ) : null}
      </Card>
      <Card title={t('admin.addOrg')}>
        <form onSubmit={add}>
          <label htmlFor="org-name">{t('admin.name')}</label>
          <input id="org-name" required value={name} onChange={(e) => setName(e.target.value)} />
          <KindAndSector idPrefix="org" kind={kind} sector={sector} onKind={setKind} onSector={setSector} />
          <button type="submit">{t('admin.add')}</button>
        </form>
        <ErrorBox error={err} />
      </Card>
      <NdaVersions />
    </>
  );
}

import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../app/api.ts';
import { Data, ErrorBox } from '../../app/ui.tsx';
import { KindAndSector, type Org } from './Orgs.tsx';

/** The TLP levels an organisation's shares default to. */
const TLPS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;

/**
 * Edits an organisation: name, kind, sector (industry only) and the TLP its shares take when they name none.
 * Sends only what changed; the API checks the rest (a name taken, a sector for a kind without one).
 */
export function OrgEdit({ org, done, cancel }: { org: Org; done: (saved: Org | null) => void; cancel: () => void }) {
  const { t } = useTranslation();
  const [f, setF] = useState({ name: org.name, kind: org.kind, sector: org.sector ?? 'finance', defaultTlp: org.default_tlp });
  const [err, setErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  // Keyboard users land in the form they opened.
  useEffect(() => first.current?.focus(), []);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    const sector = f.kind === 'industry' ? f.sector : null;
    const body: Record<string, unknown> = {};
    if (f.name.trim() !== org.name) body.name = f.name.trim();
    if (f.kind !== org.kind) body.kind = f.kind;
    if (sector !== org.sector) body.sector = sector;
    if (f.defaultTlp !== org.default_tlp) body.default_tlp = f.defaultTlp;
    if (!Object.keys(body).length) return done(null);
    setBusy(true);
    api<Org>(`/api/v1/orgs/${org.id}`, { method: 'PATCH', json: body })
      .then(done, setErr)
      .finally(() => setBusy(false));
  };
  return (
    <form onSubmit={submit} id="org-edit" aria-labelledby="org-edit-title">
      <h3 id="org-edit-title">
        {t('admin.editOrg')} <Data>{org.name}</Data>
      </h3>
      <label htmlFor="org-edit-name">{t('admin.name')}</label>
      <input id="org-edit-name" ref={first} required maxLength={200} value={f.name} onChange={set('name')} />
      <div className="row">
        <KindAndSector idPrefix="org-edit" kind={f.kind} sector={f.sector} onKind={(kind) => setF({ ...f, kind })} onSector={(sector) => setF({ ...f, sector })} />
        <label htmlFor="org-edit-tlp">{t('admin.defaultTlp')}</label>
        <select id="org-edit-tlp" value={f.defaultTlp} onChange={set('defaultTlp')} translate="no">
          {TLPS.map((l) => (
            <option key={l} value={l}>{`TLP:${l.toUpperCase()}`}</option>
          ))}
        </select>
      </div>
      <button type="submit" disabled={busy}>
        {t('admin.save')}
      </button>{' '}
      <button type="button" onClick={cancel}>
        {t('admin.cancel')}
      </button>
      <ErrorBox error={err} />
    </form>
  );
}

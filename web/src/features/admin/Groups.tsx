import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../app/api.ts';
import { Card, Data, ErrorBox, Loading, useLoad } from '../../app/ui.tsx';
import type { Org } from './Orgs.tsx';

/** A sharing group as the API answers it: members null when confidential to the caller, invited null unless it manages the group. */
interface Group {
  readonly id: string;
  readonly name: string;
  readonly owner_org_id: string;
  readonly confidential: boolean;
  readonly members: readonly { id: string; name: string }[] | null;
  readonly member_count: number | null;
  readonly invited: readonly { id: string; name: string }[] | null;
}

/**
 * Sharing groups: each with its members and pending invitations; create one, invite an organisation (the owner's
 * own joins at once, another when its admin accepts), remove a member, withdraw an invitation.
 */
export function Groups() {
  const { t } = useTranslation();
  const { data, error, loading, reload } = useLoad((signal) => api<Page<Group>>('/api/v1/groups', { signal }), []);
  const orgs = useLoad((signal) => api<Page<Org>>('/api/v1/orgs?limit=1000', { signal }), []);
  const [name, setName] = useState('');
  const [confidential, setConfidential] = useState(false);
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const [err, setErr] = useState<unknown>(null);
  const call = (p: Promise<unknown>) => {
    setErr(null);
    p.then(reload, setErr);
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    api('/api/v1/groups', { json: { name, confidential, members: [] } }).then(() => (setName(''), setConfidential(false), reload()), setErr);
  };
  const invite = (g: Group) => call(api(`/api/v1/groups/${g.id}/members`, { json: { orgs: [chosen[g.id]] } }).then(() => setChosen({ ...chosen, [g.id]: '' })));
  const remove = (g: Group, orgId: string) => call(api(`/api/v1/groups/${g.id}/members/${orgId}`, { method: 'DELETE' }));
  const withdraw = (g: Group, orgId: string) => call(api(`/api/v1/groups/${g.id}/invitations/${orgId}`, { method: 'DELETE' }));
  return (
    <Card title={t('admin.tab.groups')}>
      {loading ? <Loading /> : null}
      <ErrorBox error={error} />
      {data && !data.items.length ? <p>{t('admin.noGroups')}</p> : null}
      {data?.items.map((g) => {
        const taken = new Set([...(g.members ?? []), ...(g.invited ?? [])].map((m) => m.id));
        return (
          <section key={g.id} className="group" aria-labelledby={`group-${g.id}`} data-group={g.name}>
            <h3 id={`group-${g.id}`}>
              <Data>{g.name}</Data> {g.confidential ? <span className="pill">{t('admin.confidential')}</span> : null}
            </h3>
            <h4>{t('admin.groupMembers')}</h4>
            {g.members === null ? (
              <p className="muted">{t('admin.membersHidden', { count: g.member_count ?? 0 })}</p>
            ) : g.members.length ? (
              <ul className="list members">
                {g.members.map((m) => (
                  <li key={m.id}>
                    <Data>{m.name}</Data>{' '}
                    {g.invited !== null ? (
                      <button type="button" onClick={() => remove(g, m.id)} aria-label={t('admin.removeMember', { name: m.name })}>
                        {t('admin.remove')}
                      </button>
                    ) : null}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">{t('admin.noMembers')}</p>
            )}
            {g.invited?.length ? (
              <>
                <h4>{t('admin.groupInvited')}</h4>
                <ul className="list invited">
                  {g.invited.map((m) => (
                    <li key={m.id}>
                      <Data>{m.name}</Data>{' '}
                      <button type="button" onClick={() => withdraw(g, m.id)} aria-label={t('admin.withdrawInvitation', { name: m.name })}>
                        {t('admin.withdraw')}
                      </button>
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
            {g.invited !== null ? (
              <div className="row">
                <label htmlFor={`gm-${g.id}`}>{t('admin.addMember')}</label>
                <select id={`gm-${g.id}`} value={chosen[g.id] ?? ''} onChange={(e) => setChosen({ ...chosen, [g.id]: e.target.value })}>
                  <option value="">{t('admin.chooseOrg')}</option>
                  {orgs.data?.items
                    .filter((o) => !taken.has(o.id))
                    .map((o) => (
                      <option key={o.id} value={o.id} translate="no">
                        {o.name}
                      </option>
                    ))}
                </select>
                <button type="button" disabled={!chosen[g.id]} onClick={() => invite(g)}>
                  {t('admin.invite')}
                </button>
              </div>
            ) : null}
          </section>
        );
      })}
      <h3 id="group-new">{t('admin.newGroup')}</h3>
      <form onSubmit={create} className="row" aria-labelledby="group-new">
        <label htmlFor="group-name">{t('admin.groupName')}</label>
        <input id="group-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        <label>
          <input type="checkbox" checked={confidential} onChange={(e) => setConfidential(e.target.checked)} /> {t('admin.groupConfidential')}
        </label>
        <button type="submit">{t('admin.add')}</button>
      </form>
      <ErrorBox error={err} />
    </Card>
  );
}

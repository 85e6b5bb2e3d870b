import { useTranslation } from 'react-i18next';
import { href, useRoute } from '../../app/router.ts';
import { Orgs } from './Orgs.tsx';
import { Users } from './Users.tsx';
import { Groups } from './Groups.tsx';
import { Subscriptions, Warninglists } from './Settings.tsx';
import { Remotes } from './Remotes.tsx';
import { Audit } from './Audit.tsx';
import { Approvals } from './Approvals.tsx';

const TABS = ['orgs', 'users', 'groups', 'subscriptions', 'warninglists', 'taxii', 'audit'] as const;

/** Administration: organisations and NDAs, users, keys and sign-in, sharing groups, subscriptions, warninglists, TAXII remotes, audit log. */
export default function Admin() {
  const { t } = useTranslation();
  const route = useRoute();
  const tab = (TABS as readonly string[]).includes(route.parts[1] ?? '') ? (route.parts[1] as (typeof TABS)[number]) : 'orgs';
  return (
    <>
      <h1>{t('admin.title')}</h1>
      <nav aria-label={t('admin.tabs')} className="tabs">
        {TABS.map((k) => (
          <a key={k} href={href(`/admin/${k}`)} aria-current={tab === k ? 'page' : undefined}>
            {t(`admin.tab.${k}`)}
          </a>
        ))}
      </nav>
      {tab === 'orgs' ? <Orgs /> : null}
      {tab === 'users' ? <Users orgId={route.query.get('org')} /> : null}
      {tab === 'groups' ? <Groups /> : null}
      {tab === 'subscriptions' ? (
        <>
          <Approvals />
          <Subscriptions />
        </>
      ) : null}
      {tab === 'warninglists' ? <Warninglists /> : null}
      {tab === 'taxii' ? <Remotes /> : null}
      {tab === 'audit' ? <Audit /> : null}
    </>
  );
}

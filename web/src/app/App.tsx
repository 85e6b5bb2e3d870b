import { lazy, Suspense, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { href, useRoute } from './router.ts';
import { isHubRole, useSession } from './session.tsx';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { Loading } from './ui.tsx';
import { ErrorBoundary } from './ErrorBoundary.tsx';
import { SignIn } from '../features/signin/SignIn.tsx';
import { Dashboard } from '../features/dashboard/Dashboard.tsx';

// Screens other than the dashboard load when first opened, so the first screen stays small.
const Share = lazy(() => import('../features/share/Share.tsx'));
const Search = lazy(() => import('../features/search/Search.tsx'));
const ObjectPage = lazy(() => import('../features/objects/ObjectPage.tsx'));
const History = lazy(() => import('../features/history/History.tsx'));
const Analysis = lazy(() => import('../features/analysis/Analysis.tsx'));
const Alerts = lazy(() => import('../features/alerts/Alerts.tsx'));
const Advisories = lazy(() => import('../features/advisories/Advisories.tsx'));
const Admin = lazy(() => import('../features/admin/Admin.tsx'));
const Account = lazy(() => import('../features/account/Account.tsx'));
const Cases = lazy(() => import('../features/cases/Cases.tsx'));
const Sensors = lazy(() => import('../features/sensors/Sensors.tsx'));
const Stats = lazy(() => import('../features/stats/Stats.tsx')); // web interface (issue 13): statistics
const Hotline = lazy(() => import('../features/hotline/Hotline.tsx')); // web interface (issue 13): hotline

interface NavItem {
  readonly path: string;
  readonly key: string;
  readonly show: (role: string) => boolean;
}

const NAV: readonly NavItem[] = [
  { path: '/', key: 'nav.dashboard', show: () => true },
  { path: '/share', key: 'nav.share', show: () => true },
  { path: '/search', key: 'nav.search', show: () => true },
  { path: '/shared', key: 'nav.shared', show: () => true },
  { path: '/alerts', key: 'nav.alerts', show: () => true },
  { path: '/analysis', key: 'nav.analysis', show: () => true },
  { path: '/cases', key: 'nav.cases', show: (r) => r === 'hub_analyst' || r === 'admin' || r === 'investigator' },
  { path: '/sensors', key: 'nav.sensors', show: () => true },
  { path: '/stats', key: 'nav.stats', show: () => true },
  { path: '/hotline', key: 'nav.hotline', show: (r) => r === 'hotline_operator' || r === 'hub_analyst' || r === 'admin' },
  { path: '/advisories', key: 'nav.advisories', show: () => true },
  { path: '/admin', key: 'nav.admin', show: (r) => r === 'admin' },
];

function Screen({ first }: { first: string }) {
  switch (first) {
    case '':
      return <Dashboard />;
    case 'share':
      return <Share />;
    case 'search':
      return <Search />;
    case 'objects':
      return <ObjectPage />;
    case 'shared':
      return <History />;
    case 'analysis':
      return <Analysis />;
    case 'alerts':
      return <Alerts />;
    case 'advisories':
      return <Advisories />;
    case 'admin':
      return <Admin />;
    case 'account':
      return <Account />;
    case 'cases':
      return <Cases />;
    case 'sensors':
      return <Sensors />;
    case 'stats':
      return <Stats />;
    case 'hotline':
      return <Hotline />;
    default:
      return <NotFound />;
  }
}

function NotFound() {
  const { t } = useTranslation();
  return <h1>{t('common.notFound')}</h1>;
}

/** The whole interface: header with navigation and the language switch, then the current screen. */
export function App() {
  const { t, i18n } = useTranslation();
  const { loading, session, signOut } = useSession();
  const route = useRoute();
  const first = route.parts[0] ?? '';
  useEffect(() => {
    document.title = `${t('app.name')} — ${t(NAV.find((n) => n.path === `/${first}`)?.key ?? 'app.tagline')}`;
  }, [t, first]);

  if (loading) return <Loading />;
  const full = session?.stage === 'full';
  return (
    <>
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        {t('app.skip')}
      </a>
      <header className="top">
        <a className="brand" href={href('/')}>
          {i18n.language === 'ja' ? null : (
            <>
              <span aria-hidden="true" translate="no">
                結節
              </span>{' '}
            </>
          )}
          {t('app.name')}
        </a>
        {full ? (
          <nav aria-label={t('nav.label')}>
            <ul>
              {NAV.filter((n) => n.show(session.user.role)).map((n) => (
                <li key={n.path}>
                  <a href={href(n.path)} aria-current={`/${first}` === n.path ? 'page' : undefined}>
                    {t(n.key)}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        <div className="top-right">
          <LanguageSwitch />
          {full ? (
            <>
              <a href={href('/account')} className="who">
                <span translate="no">{session.user.name}</span> · <span translate="no">{session.org.name}</span>
                {isHubRole(session.user.role) ? <> · {t(`roles.${session.user.role}`)}</> : null}
              </a>
              <button type="button" onClick={() => void signOut()}>
                {t('nav.signOut')}
              </button>
            </>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {full ? (
          <ErrorBoundary resetKey={route.path}>
            <Suspense fallback={<Loading />}>
              <Screen first={first} />
            </Suspense>
          </ErrorBoundary>
        ) : (
          <SignIn />
        )}
      </main>
    </>
  );
}

import { render, type FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiFailure, setCsrfToken } from './api';
import { ActivitiesPage } from './pages/activities';
import { LedgerPage } from './pages/ledger';
import { LoginPage } from './pages/login';
import { NewLeadPage } from './pages/new-lead';
import { PasswordPage } from './pages/password';
import { PeoplePage } from './pages/people';
import { ProjectPage } from './pages/project';
import { ProjectsPage } from './pages/projects';
import { QualityPage } from './pages/quality';
import type { Reference, SessionPerson } from './session';

/** The page a hash names: #/cockpit, #/projects, #/projects/<id>, #/leads/new, #/people. */
function useRoute(): string {
  const [route, setRoute] = useState(location.hash.slice(1));
  useEffect(() => {
    const changed = () => setRoute(location.hash.slice(1));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function App() {
  const [person, setPerson] = useState<SessionPerson | null | undefined>(undefined);
  const [reference, setReference] = useState<Reference | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const route = useRoute();

  useEffect(() => {
    // Asked together: a person who is logged in needs both (one who is not gets 401 twice).
    void referenceOnce().catch(() => undefined);
    api<{ person: SessionPerson; csrfToken: string }>('GET', '/v1/session').then(
      (session) => {
        setCsrfToken(session.csrfToken);
        setPerson(session.person);
      },
      () => setPerson(null),
    );
  }, []);
  useEffect(() => {
    if (person) void referenceOnce().then(setReference);
  }, [person]);

  if (person === undefined) return <p class="loading">加载中…</p>;
  if (person === null)
    return (
      <LoginPage
        onLogin={(p, token) => {
          setCsrfToken(token);
          setPerson(p);
        }}
      />
    );

  const logout = async () => {
    await api('DELETE', '/v1/session').catch((error) => {
      if (!(error instanceof ApiFailure)) throw error;
    });
    setPerson(null);
    location.hash = '';
  };

  const links: Array<[string, string]> = [
    ['#/cockpit', '驾驶舱'],
    ['#/projects', '项目库'],
    ...(person.role !== 'reader' ? ([['#/leads/new', '新建线索']] as Array<[string, string]>) : []),
    ['#/activities', '招商活动'],
    ['#/quality', '数据质量'],
    ...(person.role !== 'reader' ? ([['#/ledger', '台账导入']] as Array<[string, string]>) : []),
    ...(person.role === 'admin' ? ([['#/people', '用户管理']] as Array<[string, string]>) : []),
  ];
  // Readers (the leadership) start on the cockpit, the others on the projects.
  const page = route || (person.role === 'reader' ? '/cockpit' : '/projects');
  const projectId = /^\/projects\/([0-9a-f-]{36})$/.exec(page)?.[1];
  return (
    <div class="shell">
      <header>
        <span class="brand">招商引资工作台</span>
        {/* On a phone the links fold behind 菜单; from a tablet's width up they stand in the header. */}
        <button
          type="button"
          class="secondary menu-toggle"
          aria-expanded={menuOpen ? 'true' : 'false'}
          aria-controls="main-menu"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          菜单
        </button>
        {/* A link followed on a phone closes the menu it was in. */}
        <div id="main-menu" class={`menu${menuOpen ? ' open' : ''}`} onClick={() => setMenuOpen(false)}>
          <nav aria-label="主导航">
            {links.map(([href, label]) => (
              <a key={href} href={href} aria-current={`#${page}`.startsWith(href) ? 'page' : undefined}>
                {label}
              </a>
            ))}
          </nav>
          <a class="who" href="#/password" title="修改密码">
            {person.displayName}
          </a>
        </div>
        <button type="button" class="secondary" onClick={logout}>
          退出
        </button>
      </header>
      <main>
        {!reference ? (
          <p class="loading">加载中…</p>
        ) : page.startsWith('/cockpit') ? (
          <Cockpit route={page} reference={reference} />
        ) : projectId ? (
          <ProjectPage id={projectId} person={person} reference={reference} />
        ) : page === '/leads/new' && person.role !== 'reader' ? (
          <NewLeadPage person={person} reference={reference} />
        ) : page.startsWith('/quality') ? (
          <QualityPage route={page} reference={reference} />
        ) : page === '/password' ? (
          <PasswordPage />
        ) : page === '/ledger' && person.role !== 'reader' ? (
          <LedgerPage />
        ) : page === '/activities' ? (
          <ActivitiesPage person={person} reference={reference} />
        ) : page === '/people' && person.role === 'admin' ? (
          <PeoplePage reference={reference} />
        ) : (
          <ProjectsPage person={person} reference={reference} />
        )}
      </main>
    </div>
  );
}

let referenceRequest: Promise<Reference> | null = null;

/** GET /v1/reference, asked once (again after a failure, e.g. before logging in). */
function referenceOnce(): Promise<Reference> {
  referenceRequest ??= api<Reference>('GET', '/v1/reference').catch((error) => {
    referenceRequest = null;
    throw error;
  });
  return referenceRequest;
}

// Opened on the cockpit's address: its page and its data load at once, beside the session.
if (location.hash.startsWith('#/cockpit')) {
  const route = location.hash.slice(1);
  void import('./pages/cockpit').then((module) => module.prefetchBoard(route));
}

/** The cockpit and its charts load on first use: the workbench pages stay light. */
function Cockpit(props: { route: string; reference: Reference }) {
  const [page, setPage] = useState<FunctionComponent<{ route: string; reference: Reference }> | null>(null);
  useEffect(() => {
    void import('./pages/cockpit').then((module) => setPage(() => module.CockpitPage));
  }, []);
  const Page = page;
  return Page ? <Page {...props} /> : <p class="loading">加载中…</p>;
}

render(<App />, document.getElementById('app')!);

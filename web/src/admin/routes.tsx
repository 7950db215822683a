/**
 * The admin area (管理后台) under /admin: org tree and import, users, categories, deadline rule sets,
 * 码上办 posters. Loaded on demand, so the citizen's phone pages never download it.
 */
import { Navigate, type RouteObject } from 'react-router';
import { Spin } from 'antd';

const RELOADED = 'xf-admin-chunk-reload';

/**
 * Given a page module's import, returns the module. A chunk that is gone (the server was updated
 * while this tab was open, and the new build names its chunks differently) reloads the page once,
 * which fetches the new index; a second failure is a real one.
 */
async function load<T>(importer: () => Promise<T>): Promise<T> {
  try {
    const module = await importer();
    sessionStorage.removeItem(RELOADED);
    return module;
  } catch (err) {
    if (sessionStorage.getItem(RELOADED)) throw err;
    sessionStorage.setItem(RELOADED, '1');
    window.location.reload();
    return new Promise<T>(() => {});
  }
}

const fallback = () => (
  <div style={{ display: 'flex', justifyContent: 'center', paddingTop: 120 }}>
    <Spin size="large" />
  </div>
);

export const adminRoutes: RouteObject[] = [
  {
    path: '/admin',
    HydrateFallback: fallback,
    lazy: async () => ({ Component: (await load(() => import('./AdminLayout'))).AdminLayout }),
    children: [
      { index: true, element: <Navigate to="/admin/org" replace /> },
      { path: 'org', lazy: async () => ({ Component: (await load(() => import('./org/OrgPage'))).OrgPage }) },
      { path: 'users', lazy: async () => ({ Component: (await load(() => import('./users/UsersPage'))).UsersPage }) },
      { path: 'categories', lazy: async () => ({ Component: (await load(() => import('./categories/CategoriesPage'))).CategoriesPage }) },
      { path: 'rules', lazy: async () => ({ Component: (await load(() => import('./rules/RulesPage'))).RulesPage }) },
      { path: 'posters', lazy: async () => ({ Component: (await load(() => import('./posters/PostersPage'))).PostersPage }) },
      { path: 'channels', lazy: async () => ({ Component: (await load(() => import('./channels/ChannelsPage'))).ChannelsPage }) },
      { path: 'webhooks', lazy: async () => ({ Component: (await load(() => import('./webhooks/WebhooksPage'))).WebhooksPage }) },
      { path: 'api-keys', lazy: async () => ({ Component: (await load(() => import('./api-keys/ApiKeysPage'))).ApiKeysPage }) },
      { path: 'lexicon', lazy: async () => ({ Component: (await load(() => import('./LexiconPage'))).LexiconPage }) },
      { path: 'cockpit-weights', lazy: async () => ({ Component: (await load(() => import('./CockpitWeightsPage'))).CockpitWeightsPage }) },
    ],
  },
];

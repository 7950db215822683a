/**
 * The staff workbench (工作台): login, queues, the case page, intake and the printable notice.
 * Everything but the login and the notice sits in the layout that loads the session.
 */
import { lazy, Suspense, type ReactNode } from 'react';
import { Spin } from 'antd';
import type { RouteObject } from 'react-router';
import { StaffLayout } from './StaffLayout';
import { LoginPage } from './LoginPage';
import { QueuesPage } from './QueuesPage';
import { CasePage } from './case/CasePage';
import { IntakePage } from './IntakePage';
import { NoticePage } from './NoticePage';
import { InboxPage } from './inbox/InboxPage';
import { RotaPage } from './reception/RotaPage';
import { DayPage } from './reception/DayPage';
import { LedgerPage } from './ledger/LedgerPage';
import { SpotChecksPage } from './spot-checks/SpotChecksPage';
import { HotIssuesPage } from './hot-issues/HotIssuesPage';
import { WarningPage, WarningsPage } from './warnings/WarningsPage';
import { BulkPage } from './bulk/BulkPage';
import { NotFound } from '../common/NotFound';
import { t } from '../i18n/zh-CN';

// The cockpit brings ECharts: loaded on its first visit only, so other pages' first load stays small.
const CockpitPage = lazy(() => import('./cockpit/CockpitPage').then((m) => ({ default: m.CockpitPage })));
const AssessmentPage = lazy(() => import('./cockpit/AssessmentPage').then((m) => ({ default: m.AssessmentPage })));
const later = (page: ReactNode) => (
  <Suspense
    fallback={
      <div style={{ padding: 64, textAlign: 'center' }}>
        <Spin size="large" description={t.common.loading} />
      </div>
    }
  >
    {page}
  </Suspense>
);

export const staffRoutes: RouteObject[] = [
  { path: '/staff/login', element: <LoginPage /> },
  { path: '/staff/notice', element: <NoticePage /> },
  {
    path: '/staff',
    element: <StaffLayout />,
    children: [
      { index: true, element: <QueuesPage /> },
      { path: 'cases/:id', element: <CasePage /> },
      { path: 'intake', element: <IntakePage /> },
      { path: 'inbox', element: <InboxPage /> },
      { path: 'warnings', element: <WarningsPage /> },
      { path: 'warnings/:id', element: <WarningPage /> },
      { path: 'reception', element: <RotaPage /> },
      { path: 'reception/day', element: <DayPage /> },
      { path: 'ledger', element: <LedgerPage /> },
      { path: 'spot-checks', element: <SpotChecksPage /> },
      { path: 'hot-issues', element: <HotIssuesPage /> },
      { path: 'bulk', element: <BulkPage /> },
      { path: 'cockpit', element: later(<CockpitPage />) },
      { path: 'cockpit/assessment', element: later(<AssessmentPage />) },
      { path: '*', element: <NotFound /> },
    ],
  },
];

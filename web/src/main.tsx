import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { Home } from './common/Home';
import { NotFound } from './common/NotFound';
import { citizenRoutes } from './citizen/routes';
import { staffRoutes } from './staff/routes';
import { adminRoutes } from './admin/routes';

dayjs.locale('zh-cn');

const router = createBrowserRouter([
  { path: '/', element: <Home /> },
  ...citizenRoutes,
  ...staffRoutes,
  ...adminRoutes,
  { path: '*', element: <NotFound /> },
]);

/** Who asks the system for less motion (vestibular disorders, slow office PCs) gets no animations. */
const reducedMotion = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ConfigProvider locale={zhCN} theme={{ token: { colorPrimary: '#b71c1c', motion: !reducedMotion } }}>
      <AntApp>
        <RouterProvider router={router} />
      </AntApp>
    </ConfigProvider>
  </StrictMode>,
);

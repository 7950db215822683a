/**
 * The admin area's frame: checks who is signed in (GET /api/auth/me; no session → the staff login),
 * refuses non-admins, and lays out the menu beside the page.
 */
import { useEffect, useState } from 'react';
import { Button, Layout, Menu, Result, Space, Spin, Typography } from 'antd';
import { ApartmentOutlined, ApiOutlined, KeyOutlined, BellOutlined, BookOutlined, ClockCircleOutlined, DashboardOutlined, LogoutOutlined, QrcodeOutlined, ScissorOutlined, TeamOutlined } from '@ant-design/icons';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { ApiError } from '../api/client';
import { t } from '../i18n/zh-CN';
import { adminApi, type Me } from './admin-api';
import { loginUrl } from '../api/use-failure';
import { AdminContext } from './session';
import './admin.css';

const s = t.admin.layout;

const MENU = [
  { key: 'org', icon: <ApartmentOutlined />, label: s.menuOrg },
  { key: 'users', icon: <TeamOutlined />, label: s.menuUsers },
  { key: 'categories', icon: <BookOutlined />, label: s.menuCategories },
  { key: 'rules', icon: <ClockCircleOutlined />, label: s.menuRules },
  { key: 'posters', icon: <QrcodeOutlined />, label: s.menuPosters },
  { key: 'channels', icon: <BellOutlined />, label: t.channels.menu },
  { key: 'webhooks', icon: <ApiOutlined />, label: t.integrations.webhooks.menu },
  { key: 'api-keys', icon: <KeyOutlined />, label: t.integrations.apiKeys.menu },
  { key: 'lexicon', icon: <ScissorOutlined />, label: t.lexicon.menu },
  { key: 'cockpit-weights', icon: <DashboardOutlined />, label: t.cockpit.weightsAdmin.menu },
];

export function AdminLayout() {
  const [me, setMe] = useState<Me | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const navigate = useNavigate();
  const location = useLocation();

  useEffect(() => {
    let live = true;
    adminApi.me().then(
      (m) => live && setMe(m),
      (err: unknown) => {
        if (!live) return;
        if (err instanceof ApiError && err.status === 401) navigate(loginUrl(location.pathname + location.search), { replace: true });
        else setFailed(err instanceof ApiError ? err.message : t.common.networkError);
      },
    );
    return () => {
      live = false;
    };
    // once per visit of the admin area: pages handle a session that expires later
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const section = location.pathname.split('/')[2] ?? 'org';
  const page = MENU.find((m) => m.key === section);
  useEffect(() => {
    document.title = `${page?.label ?? t.admin.appTitle} - ${t.admin.appTitle}`;
  }, [page?.label]);

  if (failed) {
    return <Result status="error" title={failed} extra={<Button onClick={() => window.location.reload()}>{t.common.retry}</Button>} />;
  }
  if (!me) {
    return (
      <div style={{ display: 'flex', justifyContent: 'center', paddingTop: 120 }}>
        <Spin size="large" />
      </div>
    );
  }
  if (!me.roles.includes('admin')) {
    return (
      <Result
        status="403"
        title={s.notAdminTitle}
        subTitle={s.notAdminText}
        extra={
          <Link to="/staff">
            <Button type="primary">{s.toWorkbench}</Button>
          </Link>
        }
      />
    );
  }

  const logout = async () => {
    try {
      await adminApi.logout();
    } finally {
      navigate('/staff/login', { replace: true });
    }
  };

  return (
    <AdminContext.Provider value={me}>
      <Layout className="xf-admin" style={{ minHeight: '100vh' }}>
        <Layout.Header style={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', background: '#b71c1c', paddingInline: 24 }}>
          <Typography.Title level={4} style={{ color: '#fff', margin: 0, whiteSpace: 'nowrap' }}>
            {t.common.appName} · {t.admin.appTitle}
          </Typography.Title>
          <Space size="middle">
            <span style={{ color: '#fff' }}>{me.displayName}</span>
            {me.roles.some((r) => r !== 'admin') && (
              <Link to="/staff" style={{ color: '#fff' }}>
                {s.workbench}
              </Link>
            )}
            <Button size="small" icon={<LogoutOutlined />} onClick={logout}>
              {s.logout}
            </Button>
          </Space>
        </Layout.Header>
        <Layout>
          <Layout.Sider width={200} theme="light" breakpoint="lg" collapsedWidth={0} style={{ borderRight: '1px solid #f0f0f0' }}>
            <Menu
              mode="inline"
              selectedKeys={[section]}
              items={MENU}
              style={{ borderInlineEnd: 0, paddingTop: 8 }}
              onClick={({ key }) => navigate(`/admin/${key}`)}
            />
          </Layout.Sider>
          <Layout.Content style={{ padding: 24, minWidth: 0 }}>
            <Outlet />
          </Layout.Content>
        </Layout>
      </Layout>
    </AdminContext.Provider>
  );
}

/**
 * The workbench frame: who is signed in (name, roles, unit), the menu, sign-out. Loads the session
 * first; without one it goes to the login page and comes back afterwards.
 */
import { useEffect, useState } from 'react';
import { Button, Layout, Menu, Result, Space, Spin, Tag } from 'antd';
import { AuditOutlined, CalendarOutlined, FileSearchOutlined, FireOutlined, FormOutlined, LogoutOutlined, TeamOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { AlertOutlined, DashboardOutlined } from '@ant-design/icons';
import { Link, Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { api, ApiError } from '../api/client';
import { t } from '../i18n/zh-CN';
import { loginUrl } from '../api/use-failure';
import { CASE_ROLES, INTAKE_ROLES, LEDGER_ROLES, RECEPTION_ROLES, SPOT_CHECK_ROLES, SessionContext, hasAnyRole } from './session';
import { clearReferenceCache, useUnits } from './reference';
import type { Me } from './types';
import { InboxBell } from './inbox/InboxBell';
import { HOT_ISSUE_ROLES } from '../api/hot-issues';
import { COCKPIT_ROLES } from '../api/cockpit';
import { EXPORT_ROLES, IMPORT_ROLES } from './bulk/bulk-api';
import { SwapOutlined } from '@ant-design/icons';
import './staff.css';

const s = t.staff.layout;

export function StaffLayout() {
  const location = useLocation();
  const navigate = useNavigate();
  const [me, setMe] = useState<Me | null>(null);
  const [failed, setFailed] = useState<'auth' | 'other' | null>(null);

  useEffect(() => {
    let live = true;
    api.get<Me>('/api/auth/me').then(
      (m) => live && setMe(m),
      (err) => live && setFailed(err instanceof ApiError && err.status === 401 ? 'auth' : 'other'),
    );
    return () => {
      live = false;
    };
  }, []);

  if (failed === 'auth') return <Navigate to={loginUrl(location.pathname + location.search)} replace />;
  if (failed === 'other')
    return <Result status="error" title={t.common.networkError} extra={<Button onClick={() => window.location.reload()}>{t.common.retry}</Button>} />;
  if (!me)
    return (
      <div style={{ padding: 96, textAlign: 'center' }}>
        <Spin size="large" description={t.common.loading} />
      </div>
    );

  const logout = async () => {
    await api.post('/api/auth/logout').catch(() => undefined);
    clearReferenceCache();
    navigate('/staff/login', { replace: true });
  };

  return (
    <SessionContext.Provider value={me}>
      <Frame me={me} onLogout={logout} />
    </SessionContext.Provider>
  );
}

function Frame({ me, onLogout }: { me: Me; onLogout: () => void }) {
  const location = useLocation();
  const units = useUnits();
  const unitName = units?.find((u) => u.id === me.unitId)?.name;
  const canIntake = hasAnyRole(me, INTAKE_ROLES);
  const canReception = hasAnyRole(me, RECEPTION_ROLES);
  const canLedger = hasAnyRole(me, LEDGER_ROLES);
  const canSpotChecks = hasAnyRole(me, SPOT_CHECK_ROLES);
  const canHotIssues = hasAnyRole(me, HOT_ISSUE_ROLES);
  const canCockpit = hasAnyRole(me, COCKPIT_ROLES);
  const canBulk = hasAnyRole(me, [...IMPORT_ROLES, ...EXPORT_ROLES]);
  const path = location.pathname;
  const selected = path.startsWith('/staff/cockpit')
    ? 'cockpit'
    : path.startsWith('/staff/warnings')
    ? 'warnings'
    : path.startsWith('/staff/intake')
    ? 'intake'
    : path.startsWith('/staff/reception/day')
      ? 'reception-day'
      : path.startsWith('/staff/reception')
        ? 'reception'
        : path.startsWith('/staff/ledger')
          ? 'ledger'
          : path.startsWith('/staff/spot-checks')
            ? 'spot-checks'
            : path.startsWith('/staff/hot-issues')
              ? 'hot-issues'
              : path.startsWith('/staff/bulk')
                ? 'bulk'
                : 'queues';
  const items = [
    ...(canCockpit ? [{ key: 'cockpit', icon: <DashboardOutlined />, label: <Link to="/staff/cockpit">{t.cockpit.menu}</Link> }] : []),
    { key: 'queues', icon: <UnorderedListOutlined />, label: <Link to="/staff">{s.menuQueues}</Link> },
    ...(hasAnyRole(me, CASE_ROLES) ? [{ key: 'warnings', icon: <AlertOutlined />, label: <Link to="/staff/warnings">{t.warnings.menu}</Link> }] : []),
    ...(canIntake ? [{ key: 'intake', icon: <FormOutlined />, label: <Link to="/staff/intake">{s.menuIntake}</Link> }] : []),
    ...(canReception
      ? [
          { key: 'reception', icon: <CalendarOutlined />, label: <Link to="/staff/reception">{t.reception.staff.menuRota}</Link> },
          { key: 'reception-day', icon: <TeamOutlined />, label: <Link to="/staff/reception/day">{t.reception.staff.menuDay}</Link> },
        ]
      : []),
    ...(canLedger ? [{ key: 'ledger', icon: <FileSearchOutlined />, label: <Link to="/staff/ledger">{t.ledger.menu}</Link> }] : []),
    ...(canSpotChecks ? [{ key: 'spot-checks', icon: <AuditOutlined />, label: <Link to="/staff/spot-checks">{t.spotChecks.menu}</Link> }] : []),
    ...(canHotIssues ? [{ key: 'hot-issues', icon: <FireOutlined />, label: <Link to="/staff/hot-issues">{t.hotIssues.menu}</Link> }] : []),
    ...(canBulk ? [{ key: 'bulk', icon: <SwapOutlined />, label: <Link to="/staff/bulk">{t.bulk.menu}</Link> }] : []),
  ];
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <a className="xf-skip" href="#xf-main">
        {s.skipToContent}
      </a>
      <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 24, background: '#b71c1c', paddingInline: 24, height: 56, lineHeight: '56px' }}>
        <Link to="/staff" style={{ color: '#fff', fontSize: 18, fontWeight: 600, whiteSpace: 'nowrap' }}>
          {t.common.appName} · {t.staff.appTitle}
        </Link>
        <div style={{ flex: 1 }} />
        <Space size="middle" style={{ color: '#fff' }} data-testid="whoami">
          <span style={{ fontWeight: 600 }}>{me.displayName}</span>
          {unitName && <span style={{ opacity: 0.85 }}>{unitName}</span>}
          <span>
            {me.roles.map((r) => (
              <Tag key={r} color="gold" style={{ marginInlineEnd: 4 }}>
                {t.staff.roles[r] ?? r}
              </Tag>
            ))}
          </span>
          <InboxBell />
          <Button icon={<LogoutOutlined />} onClick={onLogout} size="small" ghost>
            {s.logout}
          </Button>
        </Space>
      </Layout.Header>
      <Layout>
        <Layout.Sider width={168} theme="light" style={{ borderRight: '1px solid #f0f0f0' }}>
          <nav aria-label={t.staff.appTitle}>
            <Menu mode="inline" selectedKeys={[selected]} items={items} style={{ borderInlineEnd: 0, paddingTop: 8 }} />
          </nav>
        </Layout.Sider>
        <Layout.Content id="xf-main" tabIndex={-1} style={{ padding: 20, minWidth: 0, outline: 'none' }}>
          {hasAnyRole(me, CASE_ROLES) ? (
            <Outlet />
          ) : (
            <Result
              status="403"
              title={s.noCaseRole}
              subTitle={s.noCaseRoleHint}
              extra={
                <Link to="/admin">
                  <Button type="primary">{s.toAdmin}</Button>
                </Link>
              }
            />
          )}
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

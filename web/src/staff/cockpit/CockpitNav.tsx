/** The cockpit's two views as tabs: 态势总览 (/staff/cockpit) and 考核 (/staff/cockpit/assessment). */
import { Tabs } from 'antd';
import { useLocation, useNavigate } from 'react-router';
import { DashboardOutlined } from '@ant-design/icons';
import { Typography } from 'antd';
import { t } from '../../i18n/zh-CN';

const c = t.cockpit;

export function CockpitNav() {
  const location = useLocation();
  const navigate = useNavigate();
  const active = location.pathname.startsWith('/staff/cockpit/assessment') ? 'assessment' : 'overview';
  return (
    <>
      <Typography.Title level={4} id="xf-cockpit-title" style={{ marginTop: 0, marginBottom: 4 }}>
        <DashboardOutlined style={{ color: '#b71c1c', marginInlineEnd: 8 }} />
        {c.title}
      </Typography.Title>
      <Tabs
        activeKey={active}
        onChange={(k) => navigate(k === 'assessment' ? '/staff/cockpit/assessment' : '/staff/cockpit')}
        items={[
          { key: 'overview', label: c.tabs.overview },
          { key: 'assessment', label: c.tabs.assessment },
        ]}
        style={{ marginBottom: 8 }}
      />
    </>
  );
}

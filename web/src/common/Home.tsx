import { Button, Card, Space, Typography } from 'antd';
import { Link } from 'react-router';
import { t } from '../i18n/zh-CN';

/** The front door: citizens to the phone portal, staff to the workbench. */
export function Home() {
  return (
    <div style={{ maxWidth: 480, margin: '48px auto', padding: 16 }}>
      <Card>
        <Typography.Title level={3}>{t.common.appName}</Typography.Title>
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          <Link to="/m/submit">
            <Button type="primary" block size="large">
              {t.common.home.citizenSubmit}
            </Button>
          </Link>
          <Link to="/m/track">
            <Button block size="large">
              {t.common.home.citizenTrack}
            </Button>
          </Link>
          <Link to="/m/reception">
            <Button block size="large">
              {t.reception.citizen.homeLink}
            </Button>
          </Link>
          <Link to="/staff/login">
            <Button block size="large">
              {t.common.home.staffLogin}
            </Button>
          </Link>
        </Space>
      </Card>
    </div>
  );
}

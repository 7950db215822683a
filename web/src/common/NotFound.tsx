import { Button, Result } from 'antd';
import { Link } from 'react-router';
import { t } from '../i18n/zh-CN';

export function NotFound() {
  return (
    <Result
      status="404"
      title={t.common.notFound}
      extra={
        <Link to="/">
          <Button type="primary">{t.common.back}</Button>
        </Link>
      }
    />
  );
}

/** The header's bell: how many messages are unread (polled each minute), a link to the inbox. */
import { useEffect, useState } from 'react';
import { Badge, Button } from 'antd';
import { BellOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { t } from '../../i18n/zh-CN';
import { INBOX_CHANGED, inboxApi } from './inbox-api';

const POLL_MS = 60_000;

export function InboxBell() {
  const [unread, setUnread] = useState(0);
  useEffect(() => {
    let live = true;
    const load = () => inboxApi.list({ unread: true, limit: 1, offset: 0 }).then((r) => live && setUnread(r.unread), () => undefined);
    void load();
    const timer = setInterval(load, POLL_MS);
    window.addEventListener(INBOX_CHANGED, load);
    return () => {
      live = false;
      clearInterval(timer);
      window.removeEventListener(INBOX_CHANGED, load);
    };
  }, []);
  return (
    <Link to="/staff/inbox" aria-label={t.staff.inbox.bell(unread)} data-testid="inbox-bell">
      <Badge count={unread} size="small" overflowCount={99}>
        <Button icon={<BellOutlined />} size="small" ghost />
      </Badge>
    </Link>
  );
}

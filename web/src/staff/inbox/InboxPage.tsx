/**
 * /staff/inbox: the signed-in user's messages — reminders before a deadline (yellow), overdue
 * notices (red), chasing and supervision, escalations — newest first; opening one marks it read
 * and goes to its case.
 */
import { useCallback, useEffect, useState } from 'react';
import { Button, Card, List, Segmented, Space, Tag, Typography } from 'antd';
import { useNavigate } from 'react-router';
import { t } from '../../i18n/zh-CN';
import { useFailure } from '../../api/use-failure';
import { fmtTime } from '../format';
import { INBOX_CHANGED, inboxApi, type InboxPage as Page } from './inbox-api';

const s = t.staff.inbox;
const PAGE = 20;
const LEVEL_COLORS: Record<string, string> = { red: 'error', yellow: 'warning', info: 'default' };

export function InboxPage() {
  const [unreadOnly, setUnreadOnly] = useState(true);
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page | null>(null);
  const [loading, setLoading] = useState(false);
  const fail = useFailure();
  const navigate = useNavigate();

  const load = useCallback(() => {
    setLoading(true);
    inboxApi
      .list({ unread: unreadOnly, limit: PAGE, offset: (page - 1) * PAGE })
      .then(setData, fail)
      .finally(() => setLoading(false));
  }, [unreadOnly, page, fail]);

  useEffect(() => {
    document.title = `${s.title} - ${t.common.appName}`;
  }, []);
  useEffect(load, [load]);

  const changed = () => window.dispatchEvent(new Event(INBOX_CHANGED));
  const open = async (id: string, caseId: string | null) => {
    await inboxApi.read(id).catch(fail);
    changed();
    if (caseId) navigate(`/staff/cases/${caseId}`);
    else load();
  };
  const readAll = async () => {
    await inboxApi.readAll().catch(fail);
    changed();
    load();
  };

  return (
    <Card
      title={s.title}
      extra={
        <Space>
          <Segmented
            value={unreadOnly ? 'unread' : 'all'}
            options={[
              { value: 'unread', label: s.unread(data?.unread ?? 0) },
              { value: 'all', label: s.all },
            ]}
            onChange={(v) => {
              setUnreadOnly(v === 'unread');
              setPage(1);
            }}
          />
          <Button onClick={readAll} disabled={!data?.unread}>
            {s.readAll}
          </Button>
        </Space>
      }
    >
      <List
        loading={loading}
        dataSource={data?.items ?? []}
        locale={{ emptyText: unreadOnly ? s.emptyUnread : s.empty }}
        pagination={data && data.total > PAGE ? { current: page, pageSize: PAGE, total: data.total, onChange: setPage, showSizeChanger: false } : false}
        renderItem={(n) => (
          <List.Item
            data-testid="inbox-item"
            style={{ cursor: 'pointer', opacity: n.readAt ? 0.65 : 1 }}
            onClick={() => void open(n.id, n.caseId)}
            onKeyDown={(e) => e.key === 'Enter' && void open(n.id, n.caseId)}
            tabIndex={0}
            actions={[<Typography.Text key="at" type="secondary">{fmtTime(n.createdAt)}</Typography.Text>]}
          >
            <List.Item.Meta
              title={
                <Space size={6}>
                  <Tag color={LEVEL_COLORS[n.level] ?? 'default'}>{s.kinds[n.kind] ?? s.levels[n.level] ?? n.kind}</Tag>
                  <span style={{ fontWeight: n.readAt ? 400 : 600 }}>{n.title}</span>
                </Space>
              }
              description={n.body}
            />
          </List.Item>
        )}
      />
    </Card>
  );
}

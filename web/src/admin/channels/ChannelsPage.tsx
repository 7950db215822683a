/**
 * /admin/channels: the notification channels of the admin's scope — DingTalk and WeCom robots,
 * mailboxes, SMS numbers that forward a unit's or a user's messages. Create, change, switch on and
 * off, delete; send a test message and watch how its delivery goes (the outbox sends it within
 * seconds, retrying on failure).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { App, Button, Card, Popconfirm, Select, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import { LoadingOutlined, PlusOutlined, SendOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { t } from '../../i18n/zh-CN';
import { adminApi } from '../admin-api';
import { nestUnits, unitOptions } from '../org-tree';
import { useFailure } from '../../api/use-failure';
import { useLoad } from '../session';
import { CHANNEL_KINDS, channelsApi, type Channel, type ChannelKind, type Delivery } from './channels-api';
import { ChannelFormModal, type ChannelFormTarget } from './ChannelFormModal';
import './channels.css';

const c = t.channels;
const POLL_MS = 1500;
/** how long a pending test is watched before the admin is left with a refresh button */
const POLL_LIMIT = 40;

interface TestState {
  outboxId: string;
  delivery: Delivery | null;
  watching: boolean;
}

const fmt = (iso: string | null | undefined) => (iso ? dayjs(iso).format('MM-DD HH:mm:ss') : '');

export function ChannelsPage() {
  const { message } = App.useApp();
  const fail = useFailure();
  const [kind, setKind] = useState<ChannelKind | undefined>();
  const [form, setForm] = useState<ChannelFormTarget | null>(null);
  const [tests, setTests] = useState<Record<string, TestState>>({});
  const live = useRef(true);

  const units = useLoad(() => adminApi.units({ active: true }), []);
  const options = useMemo(() => unitOptions(nestUnits(units.data?.items ?? [])), [units.data]);
  const list = useLoad(() => channelsApi.list({ kind }), [kind]);

  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  /** the test each channel's status shows (a newer test of a channel takes over from the one watched) */
  const latest = useRef<Record<string, string>>({});

  /** Given a channel and a queued test, asks how it went until it is sent or given up (or the admin has waited long enough). */
  const watch = useCallback(
    async (channelId: string, outboxId: string) => {
      latest.current[channelId] = outboxId;
      const current = () => live.current && latest.current[channelId] === outboxId;
      setTests((prev) => ({ ...prev, [channelId]: { outboxId, delivery: prev[channelId]?.outboxId === outboxId ? prev[channelId]!.delivery : null, watching: true } }));
      for (let i = 0; i < POLL_LIMIT; i++) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        if (!current()) return;
        let delivery: Delivery;
        try {
          delivery = await channelsApi.delivery(channelId, outboxId);
        } catch (err) {
          fail(err);
          break;
        }
        if (!current()) return;
        setTests((prev) => ({ ...prev, [channelId]: { outboxId, delivery, watching: true } }));
        // sent, given up, or failed once and waiting for its retry: nothing more to see soon
        if (delivery.status !== 'pending' || delivery.attempts > 0) break;
      }
      if (current()) setTests((prev) => ({ ...prev, [channelId]: { ...prev[channelId]!, watching: false } }));
    },
    [fail],
  );

  const sendTest = async (ch: Channel) => {
    try {
      const { outboxId } = await channelsApi.test(ch.id);
      message.info(c.testQueued);
      void watch(ch.id, outboxId);
    } catch (err) {
      fail(err);
    }
  };

  const toggle = async (ch: Channel, enabled: boolean) => {
    try {
      await channelsApi.update(ch.id, { enabled });
      message.success(c.enabledDone(ch.name, enabled));
      await list.reload();
    } catch (err) {
      fail(err);
    }
  };

  const remove = async (ch: Channel) => {
    try {
      const res = await channelsApi.remove(ch.id);
      message.success(c.removed(res.abandonedDeliveries));
      await list.reload();
    } catch (err) {
      fail(err);
    }
  };

  return (
    <Card
      title={c.title}
      size="small"
      extra={
        <Button type="primary" size="small" icon={<PlusOutlined />} onClick={() => setForm({ mode: 'create' })}>
          {c.create}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{c.subtitle}</Typography.Paragraph>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select<ChannelKind | 'all'>
          aria-label={c.kindFilter}
          style={{ width: 180 }}
          value={kind ?? 'all'}
          onChange={(v) => setKind(v === 'all' ? undefined : v)}
          options={[{ value: 'all', label: t.admin.fmt.labelled(c.kindFilter, c.allKinds) }, ...CHANNEL_KINDS.map((k) => ({ value: k, label: c.kinds[k] }))]}
        />
      </Space>
      <Table<Channel>
        size="small"
        rowKey="id"
        loading={list.loading}
        dataSource={list.data ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: c.empty }}
        onRow={(ch) => ({ 'data-channel': ch.name }) as React.HTMLAttributes<HTMLElement>}
        data-testid="channels-table"
        columns={[
          {
            title: c.columns.name,
            dataIndex: 'name',
            render: (n: string, ch) => (
              <>
                <div style={{ wordBreak: 'break-word', fontWeight: 500 }}>{n}</div>
                <Typography.Text type="secondary" className="xf-channel-target">
                  {ch.target}
                </Typography.Text>
                {ch.hasSecret && (
                  <Tag color="blue" style={{ marginInlineStart: 4 }}>
                    {c.hasSecret}
                  </Tag>
                )}
              </>
            ),
          },
          { title: c.columns.kind, dataIndex: 'kind', width: 124, render: (k: string) => c.kinds[k] ?? k },
          {
            title: c.columns.owner,
            key: 'owner',
            width: 150,
            render: (_, ch) => (
              <>
                <Tag>{ch.unitId ? c.ownerUnit : c.ownerUser}</Tag>
                {ch.unitId ? ch.unitName : ch.userName}
              </>
            ),
          },
          {
            title: c.columns.kinds,
            dataIndex: 'kinds',
            width: 140,
            render: (ks: string[]) => (ks.length ? ks.map((k) => <Tag key={k}>{t.staff.inbox.kinds[k] ?? k}</Tag>) : <Typography.Text type="secondary">{c.allMessageKinds}</Typography.Text>),
          },
          { title: c.columns.minLevel, dataIndex: 'minLevel', width: 90, render: (lv: string) => c.levels[lv] ?? lv },
          {
            title: c.columns.enabled,
            dataIndex: 'enabled',
            width: 60,
            render: (on: boolean, ch) => <Switch size="small" checked={on} onChange={(v) => void toggle(ch, v)} aria-label={c.enable(ch.name)} />,
          },
          { title: c.columns.test, key: 'test', width: 150, render: (_, ch) => <TestStatus state={tests[ch.id]} onRefresh={() => void watch(ch.id, tests[ch.id]!.outboxId)} /> },
          {
            title: c.columns.actions,
            key: 'actions',
            width: 170,
            render: (_, ch) => (
              <Space size={0} wrap>
                <Button type="link" size="small" onClick={() => setForm({ mode: 'edit', channel: ch })}>
                  {c.edit}
                </Button>
                <Tooltip title={ch.enabled ? undefined : c.testDisabled}>
                  <Button type="link" size="small" icon={<SendOutlined />} disabled={!ch.enabled} onClick={() => void sendTest(ch)} data-action="test">
                    {c.test}
                  </Button>
                </Tooltip>
                <Popconfirm title={c.removeConfirm} okText={t.common.confirm} cancelText={t.common.cancel} okButtonProps={{ danger: true }} onConfirm={() => remove(ch)}>
                  <Button type="link" size="small" danger>
                    {c.remove}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <ChannelFormModal
        target={form}
        unitOptions={options}
        onClose={() => setForm(null)}
        onSaved={() => {
          setForm(null);
          void list.reload();
        }}
      />
    </Card>
  );
}

/** How the last test of a channel went: waiting, delivered, failing (with the next try), given up. */
function TestStatus({ state, onRefresh }: { state: TestState | undefined; onRefresh: () => void }) {
  if (!state) return <Typography.Text type="secondary">—</Typography.Text>;
  const d = state.delivery;
  const ds = c.delivery;
  const refresh = !state.watching && (!d || d.status === 'pending') && (
    <Button type="link" size="small" onClick={onRefresh} style={{ padding: 0 }}>
      {ds.refresh}
    </Button>
  );
  if (!d || (d.status === 'pending' && d.attempts === 0)) {
    return (
      <div data-testid="delivery" data-status="pending">
        <Tag icon={state.watching ? <LoadingOutlined /> : undefined} color="processing">
          {state.watching ? ds.sending : ds.pending}
        </Tag>
        {refresh}
      </div>
    );
  }
  if (d.status === 'sent') {
    return (
      <div data-testid="delivery" data-status="sent">
        <Tag color="success">{ds.sent}</Tag>
        <div>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {ds.at(fmt(d.sentAt))}
          </Typography.Text>
        </div>
      </div>
    );
  }
  return (
    <div data-testid="delivery" data-status={d.status}>
      <Tag color="error">{ds.failed}</Tag>
      <div style={{ fontSize: 12 }}>
        <Typography.Text type="secondary">
          {[ds.attempts(d.attempts), d.status === 'pending' && d.nextAttemptAt ? ds.retry(fmt(d.nextAttemptAt)) : null].filter(Boolean).join('，')}
        </Typography.Text>
        {d.lastError && (
          <div>
            <Typography.Text type="danger" style={{ wordBreak: 'break-word' }}>
              {ds.error(d.lastError)}
            </Typography.Text>
          </div>
        )}
      </div>
      {refresh}
    </div>
  );
}

/**
 * /admin/webhooks: signed webhooks (推送订阅) to other government systems for the case events of a
 * unit's subtree. Create, change, switch on and off; the signing secret shown once on create and on
 * rotation; a ping answered at once; the recent deliveries of each subscription with their status,
 * and a retry of one that was given up.
 */
import { useMemo, useState } from 'react';
import { App, Button, Card, Modal, Popconfirm, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import { PlusOutlined, ReloadOutlined, SendOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { t } from '../../i18n/zh-CN';
import { adminApi } from '../admin-api';
import { nestUnits, unitOptions } from '../org-tree';
import { useFailure } from '../../api/use-failure';
import { useLoad } from '../session';
import { SecretOnceModal } from './SecretOnceModal';
import { WebhookFormModal, type WebhookFormTarget } from './WebhookFormModal';
import { webhooksApi, type Delivery, type PingResult, type Subscription, type WithSecret } from './webhooks-api';

const w = t.integrations.webhooks;
const fmt = (iso: string | null | undefined) => (iso ? dayjs(iso).format('MM-DD HH:mm:ss') : '');

export function WebhooksPage() {
  const { message } = App.useApp();
  const fail = useFailure();
  const [form, setForm] = useState<WebhookFormTarget | null>(null);
  const [shown, setShown] = useState<{ sub: WithSecret; rotated: boolean } | null>(null);
  const [pings, setPings] = useState<Record<string, PingResult | 'sending'>>({});
  const [deliveriesOf, setDeliveriesOf] = useState<Subscription | null>(null);

  const units = useLoad(() => adminApi.units({ active: true }), []);
  const options = useMemo(() => unitOptions(nestUnits(units.data?.items ?? [])), [units.data]);
  const types = useLoad(() => webhooksApi.eventTypes(), []);
  const labels = useMemo(() => new Map((types.data?.items ?? []).map((e) => [e.type, e.label])), [types.data]);
  const list = useLoad(() => webhooksApi.list(), []);

  const toggle = async (s: Subscription, active: boolean) => {
    try {
      await webhooksApi.update(s.id, { active });
      message.success(w.enabledDone(s.name, active));
      await list.reload();
    } catch (err) {
      fail(err);
    }
  };

  const rotate = async (s: Subscription) => {
    try {
      setShown({ sub: await webhooksApi.rotateSecret(s.id), rotated: true });
    } catch (err) {
      fail(err);
    }
  };

  const ping = async (s: Subscription) => {
    setPings((p) => ({ ...p, [s.id]: 'sending' }));
    try {
      const r = await webhooksApi.ping(s.id);
      setPings((p) => ({ ...p, [s.id]: r }));
    } catch (err) {
      setPings((p) => {
        const { [s.id]: _, ...rest } = p;
        return rest;
      });
      fail(err);
    }
  };

  return (
    <Card
      title={w.title}
      size="small"
      extra={
        <Button type="primary" size="small" icon={<PlusOutlined />} onClick={() => setForm({ mode: 'create' })}>
          {w.create}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{w.subtitle}</Typography.Paragraph>
      <Table<Subscription>
        size="small"
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: w.empty }}
        onRow={(s) => ({ 'data-webhook': s.name }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: w.columns.name,
            dataIndex: 'name',
            render: (n: string, s) => (
              <>
                <div style={{ wordBreak: 'break-word', fontWeight: 500 }}>{n}</div>
                <Typography.Text type="secondary" style={{ wordBreak: 'break-all', fontSize: 12 }}>
                  {s.url}
                </Typography.Text>
              </>
            ),
          },
          { title: w.columns.scope, dataIndex: 'scopeUnitName', width: 120 },
          {
            title: w.columns.events,
            dataIndex: 'eventTypes',
            width: 200,
            render: (ts: string[]) =>
              ts.length === 0 ? (
                <Typography.Text type="secondary">{w.allEvents}</Typography.Text>
              ) : (
                <>
                  {ts.slice(0, 3).map((x) => (
                    <Tag key={x}>{labels.get(x) ?? x}</Tag>
                  ))}
                  {ts.length > 3 && <Typography.Text type="secondary">{w.moreEvents(ts.length)}</Typography.Text>}
                </>
              ),
          },
          {
            title: w.columns.active,
            dataIndex: 'active',
            width: 60,
            render: (on: boolean, s) => <Switch size="small" checked={on} onChange={(v) => void toggle(s, v)} aria-label={w.enable(s.name)} />,
          },
          { title: w.columns.ping, key: 'ping', width: 170, render: (_, s) => <PingStatus result={pings[s.id]} /> },
          {
            title: w.columns.actions,
            key: 'actions',
            width: 230,
            render: (_, s) => (
              <Space size={0} wrap>
                <Button type="link" size="small" onClick={() => setForm({ mode: 'edit', subscription: s })}>
                  {w.edit}
                </Button>
                <Button type="link" size="small" icon={<SendOutlined />} onClick={() => void ping(s)} loading={pings[s.id] === 'sending'} data-action="ping">
                  {w.ping}
                </Button>
                <Button type="link" size="small" onClick={() => setDeliveriesOf(s)} data-action="deliveries">
                  {w.deliveries}
                </Button>
                <Popconfirm title={w.rotateConfirm} okText={t.common.confirm} cancelText={t.common.cancel} onConfirm={() => rotate(s)}>
                  <Button type="link" size="small">
                    {w.rotate}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <WebhookFormModal
        target={form}
        unitOptions={options}
        eventTypes={types.data?.items ?? []}
        onClose={() => setForm(null)}
        onCreated={(sub) => {
          setForm(null);
          setShown({ sub, rotated: false });
          void list.reload();
        }}
        onSaved={() => {
          setForm(null);
          void list.reload();
        }}
      />
      <SecretOnceModal
        title={shown?.rotated ? w.secret.rotatedTitle : w.secret.createdTitle}
        secret={shown?.sub.secret ?? null}
        lines={shown ? [shown.sub.name, shown.sub.url] : []}
        hint={w.secret.verifyHint}
        texts={w.secret}
        onClose={() => setShown(null)}
      />
      <DeliveriesModal subscription={deliveriesOf} labels={labels} onClose={() => setDeliveriesOf(null)} />
    </Card>
  );
}

/**
 * Given a stored error code (`http_status:500`, `timeout`, `blocked_address` …) and the last status,
 * returns it in zh-CN; an unknown code (a row from before codes) reads as a plain failure.
 */
function describeWebhookError(code: string | null, status: number | null): string {
  const e = w.errors;
  if (!code) return e.unknown;
  const http = /^http_status:(\d{3})$/.exec(code);
  if (http) return e.http_status(http[1]!);
  const known = (e as Record<string, unknown>)[code];
  if (typeof known === 'string' && code !== 'unknown') return known;
  return status ? e.http_status(String(status)) : e.unknown;
}

/** How the last ping of a subscription went. */
function PingStatus({ result }: { result: PingResult | 'sending' | undefined }) {
  if (!result || result === 'sending') return <Typography.Text type="secondary">—</Typography.Text>;
  return result.ok ? (
    <Tag color="success" data-testid="ping" data-status="ok">
      {w.pingOk(result.status, result.durationMs)}
    </Tag>
  ) : (
    <Typography.Text type="danger" data-testid="ping" data-status="failed" style={{ wordBreak: 'break-word', fontSize: 12 }}>
      {w.pingFailed(describeWebhookError(result.error, result.status))}
    </Typography.Text>
  );
}

/** The recent deliveries of one subscription, newest first, with a retry for those given up. */
function DeliveriesModal({ subscription, labels, onClose }: { subscription: Subscription | null; labels: Map<string, string>; onClose: () => void }) {
  const d = w.deliveryDrawer;
  const { message } = App.useApp();
  const fail = useFailure();
  const list = useLoad(() => (subscription ? webhooksApi.deliveries(subscription.id, { limit: 100 }) : Promise.resolve({ items: [] as Delivery[] })), [subscription?.id]);

  const retry = async (row: Delivery) => {
    if (!subscription) return;
    try {
      await webhooksApi.retry(subscription.id, row.id);
      message.success(d.retried);
      await list.reload();
    } catch (err) {
      fail(err);
    }
  };

  return (
    <Modal open={!!subscription} title={subscription ? d.title(subscription.name) : ''} onCancel={onClose} footer={null} width={960}>
      <div style={{ display: 'flex', justifyContent: 'flex-end', marginBottom: 8 }}>
        <Button size="small" icon={<ReloadOutlined />} onClick={() => void list.reload()}>
          {d.refresh}
        </Button>
      </div>
      <Table<Delivery>
        size="small"
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: d.empty }}
        data-testid="webhook-deliveries"
        columns={[
          { title: d.columns.time, dataIndex: 'createdAt', width: 120, render: (at: string) => fmt(at) },
          { title: d.columns.case, dataIndex: 'caseNumber', width: 140 },
          { title: d.columns.event, dataIndex: 'eventType', width: 120, render: (x: string) => labels.get(x) ?? x },
          {
            title: d.columns.status,
            dataIndex: 'status',
            width: 150,
            render: (s: Delivery['status'], row) => (
              <>
                <Tag color={s === 'sent' ? 'success' : s === 'failed' ? 'error' : 'processing'} data-status={s}>
                  {d.status[s]}
                </Tag>
                {s === 'pending' && row.attempts > 0 && row.nextAttemptAt && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {d.nextAt(fmt(row.nextAttemptAt))}
                  </Typography.Text>
                )}
              </>
            ),
          },
          { title: d.columns.attempts, dataIndex: 'attempts', width: 56 },
          {
            title: d.columns.last,
            key: 'last',
            render: (_, row) =>
              row.lastError ? (
                <Tooltip title={describeWebhookError(row.lastError, row.lastStatus)}>
                  <Typography.Text type="danger" style={{ fontSize: 12 }} ellipsis data-testid="last-error">
                    {describeWebhookError(row.lastError, row.lastStatus)}
                  </Typography.Text>
                </Tooltip>
              ) : row.lastStatus ? (
                `HTTP ${row.lastStatus}`
              ) : (
                ''
              ),
          },
          {
            title: d.columns.actions,
            key: 'actions',
            width: 90,
            render: (_, row) =>
              row.status === 'failed' ? (
                <Button type="link" size="small" onClick={() => void retry(row)}>
                  {d.retry}
                </Button>
              ) : null,
          },
        ]}
      />
    </Modal>
  );
}

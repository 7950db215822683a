/**
 * /staff/reception: the leaders' reception rota (接访轮流表) of a month — arrange, edit, publish for
 * citizens to book, cancel (its bookings are cancelled with the reason the citizen sees).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { App, Button, DatePicker, Form, Input, Modal, Popconfirm, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { TableProps } from 'antd';
import { PlusOutlined, SendOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { useSearchParams } from 'react-router';
import { useFailure } from '../../api/use-failure';
import { t } from '../../i18n/zh-CN';
import { staffReceptionApi, type Leader, type Slot } from './reception-api';
import { SlotFormModal } from './SlotFormModal';
import './reception.css';

const r = t.reception.staff.rota;
const STATUS_COLORS: Record<string, string> = { draft: 'default', published: 'green', cancelled: 'red' };

/** Given a date 'YYYY-MM-DD', returns it with its weekday. */
export const withWeekday = (date: string) => `${date} ${t.reception.weekday(new Date(`${date}T00:00:00Z`).getUTCDay())}`;

export function RotaPage() {
  const { message } = App.useApp();
  const fail = useFailure();
  const [params, setParams] = useSearchParams();
  const [data, setData] = useState<{ month: string; today: string; slots: Slot[] } | null>(null);
  const [leaders, setLeaders] = useState<Leader[]>();
  const [loading, setLoading] = useState(false);
  const [editing, setEditing] = useState<{ slot: Slot | null } | null>(null);
  const [cancelling, setCancelling] = useState<Slot | null>(null);
  const month = params.get('month') ?? undefined;

  useEffect(() => {
    document.title = `${r.title} - ${t.common.appName}`;
  }, []);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setData(await staffReceptionApi.slots(month));
    } catch (err) {
      fail(err);
    } finally {
      setLoading(false);
    }
  }, [month, fail]);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    staffReceptionApi.leaders().then(setLeaders, (err: unknown) => fail(err));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the leaders once per visit, not per month shown
  }, []);

  const places = useMemo(() => [...new Set((data?.slots ?? []).map((s) => s.place))], [data]);
  const rooms = useMemo(() => [...new Set((data?.slots ?? []).map((s) => s.room).filter((x): x is string => !!x))], [data]);
  const past = (s: Slot) => !!data && s.date < data.today;

  const act = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn();
      message.success(done);
      await load();
    } catch (err) {
      fail(err);
    }
  };

  const columns: TableProps<Slot>['columns'] = [
    { title: r.columns.date, dataIndex: 'date', width: 135, render: (d: string) => withWeekday(d) },
    { title: r.columns.time, key: 'time', width: 100, render: (_: unknown, s) => `${s.startTime}–${s.endTime}` },
    {
      title: r.columns.leader,
      key: 'leader',
      width: 170,
      render: (_: unknown, s) => (
        <>
          <Typography.Text strong>{s.leaderName}</Typography.Text> <Typography.Text>{s.post}</Typography.Text>
          {s.leaderUnitName && (
            <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
              {s.leaderUnitName}
            </Typography.Text>
          )}
        </>
      ),
    },
    { title: r.columns.remit, dataIndex: 'remit' },
    { title: r.columns.place, key: 'place', width: 220, render: (_: unknown, s) => `${s.place}${s.room ? ` · ${s.room}` : ''}` },
    { title: r.columns.booked, key: 'booked', width: 90, render: (_: unknown, s) => (s.status === 'cancelled' ? '—' : `${s.booked}/${s.capacity}`) },
    {
      title: r.columns.status,
      dataIndex: 'status',
      width: 90,
      render: (st: string, s) => (
        <Tooltip title={s.cancelReason ?? undefined}>
          <Tag color={STATUS_COLORS[st]} data-status={st}>
            {t.reception.slotStatus[st]}
          </Tag>
        </Tooltip>
      ),
    },
    {
      title: r.columns.actions,
      key: 'actions',
      width: 190,
      render: (_: unknown, s) =>
        s.status === 'cancelled' || past(s) ? null : (
          <Space size={0} wrap>
            <Button type="link" size="small" onClick={() => setEditing({ slot: s })}>
              {r.edit}
            </Button>
            {s.status === 'draft' && (
              <Button type="link" size="small" onClick={() => act(() => staffReceptionApi.publish(s.id), r.published)}>
                {r.publish}
              </Button>
            )}
            <Button type="link" size="small" danger onClick={() => setCancelling(s)}>
              {r.cancel}
            </Button>
            {s.status === 'draft' && (
              <Popconfirm title={r.removeConfirm} okText={t.common.confirm} cancelText={t.common.cancel} onConfirm={() => act(() => staffReceptionApi.remove(s.id), r.removed)}>
                <Button type="link" size="small" danger>
                  {r.remove}
                </Button>
              </Popconfirm>
            )}
          </Space>
        ),
    },
  ];

  const shownMonth = data?.month ?? month;
  return (
    <section aria-labelledby="xf-rota-title">
      <Typography.Title level={4} id="xf-rota-title" style={{ marginTop: 0, marginBottom: 4 }}>
        {r.title}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{r.subtitle}</Typography.Paragraph>
      <Space style={{ marginBottom: 12 }} wrap>
        <DatePicker
          picker="month"
          aria-label={r.month}
          allowClear={false}
          value={shownMonth ? dayjs(`${shownMonth}-01`) : undefined}
          onChange={(d) => d && setParams({ month: d.format('YYYY-MM') })}
        />
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({ slot: null })}>
          {r.add}
        </Button>
        <Button
          icon={<SendOutlined />}
          disabled={!data?.slots.some((s) => s.status === 'draft' && !past(s))}
          onClick={async () => {
            if (!shownMonth) return;
            try {
              const res = await staffReceptionApi.publishMonth(shownMonth);
              message.success(r.publishedN(res.published));
              await load();
            } catch (err) {
              fail(err);
            }
          }}
        >
          {r.publishMonth}
        </Button>
      </Space>
      <Table<Slot>
        rowKey="id"
        size="small"
        loading={loading}
        columns={columns}
        dataSource={data?.slots ?? []}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        locale={{ emptyText: r.empty }}
        rowClassName={(s) => (s.status === 'cancelled' ? 'xf-row-muted' : '')}
        data-testid="rota-table"
      />
      <SlotFormModal
        open={!!editing}
        slot={editing?.slot ?? null}
        today={data?.today ?? dayjs().format('YYYY-MM-DD')}
        leaders={leaders}
        places={places}
        rooms={rooms}
        onClose={() => setEditing(null)}
        onSaved={async () => {
          setEditing(null);
          message.success(r.saved);
          await load();
        }}
      />
      <CancelSlotModal
        slot={cancelling}
        onClose={() => setCancelling(null)}
        onDone={async (n) => {
          setCancelling(null);
          message.success(r.cancelledN(n));
          await load();
        }}
      />
    </section>
  );
}

/** Cancelling a slot asks why: the citizens who booked it read the reason when they look their booking up. */
function CancelSlotModal({ slot, onClose, onDone }: { slot: Slot | null; onClose: () => void; onDone: (cancelledBookings: number) => void }) {
  const [form] = Form.useForm<{ reason?: string }>();
  const fail = useFailure();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (slot) form.resetFields();
  }, [slot, form]);
  return (
    <Modal
      open={!!slot}
      title={r.cancelTitle}
      okText={r.cancelOk}
      okButtonProps={{ danger: true }}
      cancelText={t.common.back}
      confirmLoading={busy}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      {slot && (
        <Typography.Paragraph>
          {slot.leaderName} · {withWeekday(slot.date)} {slot.startTime}–{slot.endTime} · {slot.place}
          <br />
          <Typography.Text type="warning">{r.cancelHint(slot.booked)}</Typography.Text>
        </Typography.Paragraph>
      )}
      <Form
        form={form}
        layout="vertical"
        name="reception-cancel"
        onFinish={async (v) => {
          if (!slot) return;
          setBusy(true);
          try {
            const res = await staffReceptionApi.cancel(slot.id, v.reason!.trim());
            onDone(res.cancelledBookings);
          } catch (err) {
            fail(err, form);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Form.Item
          name="reason"
          label={r.cancelReason.label}
          rules={[
            { required: true, whitespace: true, message: r.cancelReason.required },
            { min: 2, max: 500, transform: (x?: string) => x?.trim(), message: r.cancelReason.length },
          ]}
        >
          <Input.TextArea rows={3} maxLength={500} showCount placeholder={r.cancelReason.placeholder} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

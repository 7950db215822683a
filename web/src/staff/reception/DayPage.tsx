/**
 * /staff/reception/day: the reception-day board (接访日). Every slot of the date — many leaders, many
 * rooms — with its booked groups and walk-ins; batches and rooms handed out as people arrive; each
 * visit received becomes a case owned by that slot's leader. The day's figures on top.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { App, Button, Card, DatePicker, Empty, Input, Popconfirm, Space, Statistic, Switch, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { ReloadOutlined, UserAddOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { Link, useSearchParams } from 'react-router';
import { useFailure } from '../../api/use-failure';
import { t } from '../../i18n/zh-CN';
import { hasAnyRole, useMe } from '../session';
import { staffReceptionApi, type DayBoard, type Group, type Slot } from './reception-api';
import { AssignModal, ReceiveModal, WalkInModal } from './DayModals';
import { withWeekday } from './RotaPage';
import './reception.css';

const d = t.reception.staff.day;
const STATUS_COLORS: Record<string, string> = { booked: 'blue', received: 'green', cancelled: 'default', no_show: 'orange' };
/** Who may register a visit as a case (the server says the same: RECEIVE_ROLES). */
const RECEIVE_ROLES = ['leader', 'registrar'];
const FIGURES = ['slots', 'leaders', 'rooms', 'booked', 'batches', 'people', 'received', 'noShows', 'assignedOnSpot'] as const;

type SlotWithGroups = DayBoard['slots'][number];

export function DayPage() {
  const me = useMe();
  const { message } = App.useApp();
  const fail = useFailure();
  const [params, setParams] = useSearchParams();
  const [board, setBoard] = useState<DayBoard | null>(null);
  const [loading, setLoading] = useState(false);
  const [q, setQ] = useState('');
  const [onlyWaiting, setOnlyWaiting] = useState(false);
  const [assigning, setAssigning] = useState<{ group: Group; slot: Slot } | null>(null);
  const [walkInFor, setWalkInFor] = useState<Slot | null>(null);
  const [receiving, setReceiving] = useState<{ group: Group; slot: Slot } | null>(null);
  const date = params.get('date') ?? undefined;
  const canReceive = hasAnyRole(me, RECEIVE_ROLES);

  useEffect(() => {
    document.title = `${d.title} - ${t.common.appName}`;
  }, []);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setBoard(await staffReceptionApi.day(date));
    } catch (err) {
      fail(err);
    } finally {
      setLoading(false);
    }
  }, [date, fail]);

  useEffect(() => {
    void load();
  }, [load]);

  const shown = useMemo(() => {
    const text = q.trim().toLowerCase();
    return (board?.slots ?? [])
      .map((s) => ({ ...s, groups: onlyWaiting ? s.groups.filter((g) => g.status === 'booked') : s.groups }))
      .filter((s) => {
        if (!text) return true;
        const hay = [s.leaderName, s.post, s.remit, s.place, s.room ?? '', ...s.groups.flatMap((g) => [g.number ?? '', g.room ?? ''])].join(' ').toLowerCase();
        return hay.includes(text);
      });
  }, [board, q, onlyWaiting]);

  const noShow = async (g: Group) => {
    try {
      await staffReceptionApi.noShow(g.id);
      await load();
    } catch (err) {
      fail(err);
    }
  };

  const columns = (slot: SlotWithGroups): TableProps<Group>['columns'] => [
    {
      title: d.columns.batch,
      dataIndex: 'batchNo',
      width: 90,
      render: (n: number | null) => (n === null ? <Typography.Text type="secondary">{d.unassigned}</Typography.Text> : <Tag color="red">{d.batchValue(n)}</Tag>),
    },
    { title: d.columns.room, dataIndex: 'room', width: 110, render: (r: string | null) => r ?? '' },
    {
      title: d.columns.who,
      key: 'who',
      width: 140,
      render: (_: unknown, g) => (
        <>
          {g.name}
          {g.phone && (
            <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
              {g.phone}
            </Typography.Text>
          )}
        </>
      ),
    },
    { title: d.columns.people, dataIndex: 'peopleCount', width: 56 },
    { title: d.columns.matter, dataIndex: 'matter', render: (m: string) => <span className="xf-matter" title={m}>{m}</span> },
    { title: d.columns.kind, key: 'kind', width: 130, render: (_: unknown, g) => (g.walkIn ? <Tag color="purple">{d.walkInTag}</Tag> : <Tag>{d.bookingTag(g.number ?? '')}</Tag>) },
    {
      title: d.columns.status,
      dataIndex: 'status',
      width: 80,
      render: (st: string) => (
        <Tag color={STATUS_COLORS[st]} data-status={st}>
          {st === 'booked' ? d.waiting : t.reception.status[st]}
        </Tag>
      ),
    },
    {
      title: d.columns.actions,
      key: 'actions',
      width: 220,
      render: (_: unknown, g) => {
        if (g.status === 'received' && g.caseId) return <Link to={`/staff/cases/${g.caseId}`}>{d.openCase(g.caseNumber ?? '')}</Link>;
        if (g.status !== 'booked') return null;
        const onDay = !!board && slot.date <= board.today;
        return (
          <Space size={0} wrap>
            <Button type="link" size="small" onClick={() => setAssigning({ group: g, slot })} disabled={slot.status === 'cancelled'}>
              {g.batchNo === null ? d.assign : d.reassign}
            </Button>
            {canReceive && (
              <Button type="link" size="small" onClick={() => setReceiving({ group: g, slot })} disabled={!onDay || slot.status === 'cancelled'}>
                {d.receive}
              </Button>
            )}
            <Popconfirm title={d.noShowConfirm} okText={t.common.confirm} cancelText={t.common.cancel} onConfirm={() => noShow(g)} disabled={!onDay}>
              <Button type="link" size="small" danger disabled={!onDay}>
                {d.noShow}
              </Button>
            </Popconfirm>
          </Space>
        );
      },
    },
  ];

  return (
    <section aria-labelledby="xf-day-title">
      <Typography.Title level={4} id="xf-day-title" style={{ marginTop: 0, marginBottom: 4 }}>
        {d.title}
        {board && <span className="xf-slot-meta">{withWeekday(board.date)}</span>}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{d.subtitle}</Typography.Paragraph>
      <Space style={{ marginBottom: 12 }} wrap>
        <DatePicker aria-label={d.date} allowClear={false} value={board ? dayjs(board.date) : undefined} onChange={(v) => v && setParams({ date: v.format('YYYY-MM-DD') })} />
        <Button onClick={() => setParams({})} disabled={!!board && board.date === board.today}>
          {d.today}
        </Button>
        <Button icon={<ReloadOutlined />} onClick={() => load()} loading={loading}>
          {d.refresh}
        </Button>
        <Input.Search allowClear placeholder={d.search} aria-label={d.search} style={{ width: 260 }} value={q} onChange={(e) => setQ(e.target.value)} />
        <Space size={6}>
          <Switch checked={onlyWaiting} onChange={setOnlyWaiting} aria-label={d.onlyWaiting} id="xf-only-waiting" />
          <label htmlFor="xf-only-waiting">{d.onlyWaiting}</label>
        </Space>
        {board && <Typography.Text type="secondary">{d.nextBatch(board.nextBatchNo)}</Typography.Text>}
      </Space>

      {board && (
        <div className="xf-figures" data-testid="day-figures" role="group" aria-label={d.title}>
          {FIGURES.map((k) => (
            <Card key={k} size="small">
              <Statistic title={d.figures[k]} value={board.figures[k]} data-figure={k} />
            </Card>
          ))}
        </div>
      )}

      {board && shown.length === 0 && <Empty description={d.empty} />}
      {shown.map((slot) => (
        <Card
          key={slot.id}
          size="small"
          className="xf-slot-card"
          data-testid="day-slot"
          title={
            <span>
              {d.slotTitle(slot.leaderName, slot.post)}
              <span className="xf-slot-meta">{d.slotMeta(`${slot.startTime}–${slot.endTime}`, slot.place, slot.room)}</span>
            </span>
          }
          extra={
            <Space>
              {slot.status === 'cancelled' ? (
                <Tag color="red">{d.cancelledSlot(slot.cancelReason)}</Tag>
              ) : (
                <Typography.Text type="secondary">{d.bookedOf(slot.booked, slot.capacity)}</Typography.Text>
              )}
              <Button size="small" icon={<UserAddOutlined />} onClick={() => setWalkInFor(slot)} disabled={slot.status === 'cancelled' || (!!board && slot.date < board.today)}>
                {d.walkIn}
              </Button>
            </Space>
          }
        >
          <Table<Group>
            rowKey="id"
            size="small"
            columns={columns(slot)}
            dataSource={slot.groups}
            pagination={false}
            locale={{ emptyText: d.noGroups }}
            rowClassName={(g) => (g.status === 'cancelled' || g.status === 'no_show' ? 'xf-row-muted' : '')}
          />
        </Card>
      ))}

      <AssignModal
        target={assigning}
        rooms={board?.rooms ?? []}
        nextBatchNo={board?.nextBatchNo ?? 1}
        onClose={() => setAssigning(null)}
        onDone={async (g) => {
          setAssigning(null);
          message.success(d.assigned(g.batchNo ?? 0, g.room));
          await load();
        }}
      />
      <WalkInModal
        slot={walkInFor}
        rooms={board?.rooms ?? []}
        nextBatchNo={board?.nextBatchNo ?? 1}
        onClose={() => setWalkInFor(null)}
        onDone={async (g) => {
          setWalkInFor(null);
          message.success(d.walkInDone(g.batchNo ?? 0));
          await load();
        }}
      />
      <ReceiveModal target={receiving} onClose={() => setReceiving(null)} onDone={() => load()} />
    </section>
  );
}

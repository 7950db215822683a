/**
 * /staff/ledger: the monthly 百案攻坚 ledger (台账) — the leader-owned and backlog cases in the
 * user's scope that were open during the month, the month's figures, each case's review line
 * (leaders and supervisors write it here), the month's 催办/督办, and the Excel and Word downloads.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Alert, App, Result, Button, Card, DatePicker, Select, Space, Statistic, Table, Tag, Tooltip, Typography } from 'antd';
import type { TableProps } from 'antd';
import { EditOutlined, FileExcelOutlined, FileWordOutlined, ReloadOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { Link, useSearchParams } from 'react-router';
import { useFailure } from '../../api/use-failure';
import { t } from '../../i18n/zh-CN';
import { fmtDate, fmtTime } from '../format';
import { hasAnyRole, useMe, LEDGER_ROLES } from '../session';
import { ledgerApi, ledgerDocxUrl, ledgerXlsxUrl, type Ledger, type LedgerRow, type LedgerSupervision } from './ledger-api';
import { ReviewModal } from './ReviewModal';
import './ledger.css';

const l = t.ledger;
/** Who may write a review line (the server's roles for POST /api/ledger/reviews). */
const REVIEW_ROLES = ['leader', 'supervisor'];
const FIGURES = ['total', 'owned', 'backlog', 'newAssignments', 'closedOut', 'stillOpen', 'overdue', 'reviewed', 'onTrack', 'delayed'] as const;
const REVIEW_COLORS: Record<string, string> = { on_track: 'green', delayed: 'orange', closed_out: 'blue' };

export function LedgerPage() {
  const me = useMe();
  if (!hasAnyRole(me, LEDGER_ROLES)) return <Result status="403" title={l.noAccess} extra={<Link to="/staff">{t.staff.case.backToQueues}</Link>} />;
  return <LedgerView />;
}

function LedgerView() {
  const me = useMe();
  const { message } = App.useApp();
  const fail = useFailure();
  const [params, setParams] = useSearchParams();
  const [data, setData] = useState<Ledger | null>(null);
  const [loading, setLoading] = useState(false);
  const [reviewing, setReviewing] = useState<LedgerRow | null>(null);
  /** leaders seen on the ledger so far (the filter's choices) */
  const [leaders, setLeaders] = useState<Map<string, string>>(new Map());
  const month = params.get('month') ?? undefined;
  const leaderId = params.get('leaderId') ?? undefined;
  const canReview = hasAnyRole(me, REVIEW_ROLES);

  useEffect(() => {
    document.title = `${l.title} - ${t.common.appName}`;
  }, []);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const ledger = await ledgerApi.get({ month, leaderId });
      setData(ledger);
      setLeaders((prev) => {
        const next = new Map(prev);
        for (const r of ledger.rows) if (r.ownerLeaderId && r.ownerLeaderName) next.set(r.ownerLeaderId, r.ownerLeaderName);
        return next;
      });
    } catch (err) {
      fail(err);
    } finally {
      setLoading(false);
    }
  }, [month, leaderId, fail]);

  useEffect(() => {
    void load();
  }, [load]);

  const setQuery = (next: { month?: string; leaderId?: string }) => {
    const p: Record<string, string> = {};
    const m = 'month' in next ? next.month : month;
    const who = 'leaderId' in next ? next.leaderId : leaderId;
    if (m) p.month = m;
    if (who) p.leaderId = who;
    setParams(p);
  };

  const leaderOptions = useMemo(() => {
    const all = new Map(leaders);
    if (me.roles.includes('leader')) all.set(me.id, me.displayName);
    return [...all].map(([id, name]) => ({ value: id, label: id === me.id ? l.mine(name) : name }));
  }, [leaders, me]);

  const shownMonth = data?.month ?? month;
  const query = { month: shownMonth, leaderId };

  const columns: TableProps<LedgerRow>['columns'] = [
    {
      title: l.columns.number,
      dataIndex: 'number',
      width: 150,
      render: (n: string, r) => (
        <>
          <Link to={`/staff/cases/${r.caseId}`} data-case-number={n}>
            {n}
          </Link>
          <div className="xf-ledger-tags">
            {r.kinds.map((k) => (
              <Tag key={k} color={k === 'owned' ? 'red' : 'orange'} variant="outlined">
                {l.kinds[k]}
              </Tag>
            ))}
            {r.newAssignment && <Tag color="blue">{l.newAssignment}</Tag>}
          </div>
        </>
      ),
    },
    {
      title: l.columns.title,
      dataIndex: 'title',
      render: (title: string, r) => (
        <>
          <div className="xf-ledger-title">{title}</div>
          {r.categoryName && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {r.categoryName}
            </Typography.Text>
          )}
        </>
      ),
    },
    { title: l.columns.leader, dataIndex: 'ownerLeaderName', width: 90, render: (n: string | null) => n ?? l.noLeader },
    { title: l.columns.unit, dataIndex: 'leadUnitName', width: 130, render: (n: string | null) => n ?? '—' },
    { title: l.columns.due, dataIndex: 'dueDate', width: 96, render: (d: string | null) => d ?? '—' },
    {
      title: l.columns.overdue,
      dataIndex: 'overdueDays',
      width: 78,
      align: 'right',
      render: (n: number) =>
        n > 0 ? (
          <Typography.Text type="danger" strong data-overdue={n}>
            {n}
          </Typography.Text>
        ) : (
          <Typography.Text type="secondary">0</Typography.Text>
        ),
    },
    {
      title: l.columns.state,
      dataIndex: 'stateLabel',
      width: 92,
      render: (label: string, r) => (
        <>
          <Tag data-state={r.state}>{label}</Tag>
          {r.closedOut && (
            <Tooltip title={r.closedOutAt ? fmtDate(r.closedOutAt) : undefined}>
              <Tag color="green" style={{ marginTop: 4 }}>
                {l.closedOut}
              </Tag>
            </Tooltip>
          )}
        </>
      ),
    },
    {
      title: l.columns.review,
      key: 'review',
      width: 260,
      render: (_: unknown, r) =>
        r.review ? (
          <div data-testid="ledger-review" data-review-status={r.review.status}>
            <Tag color={REVIEW_COLORS[r.review.status]}>{l.reviewStatus[r.review.status] ?? r.review.statusLabel}</Tag>
            <div className="xf-ledger-progress">{r.review.progress}</div>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {l.reviewedBy(r.review.reviewerName ?? '—', fmtTime(r.review.reviewedAt))}
            </Typography.Text>
          </div>
        ) : (
          <Typography.Text type="secondary">{l.noReview}</Typography.Text>
        ),
    },
    ...(canReview
      ? [
          {
            title: l.columns.actions,
            key: 'actions',
            width: 88,
            render: (_: unknown, r: LedgerRow) => (
              <Button size="small" icon={<EditOutlined />} onClick={() => setReviewing(r)} data-review-case={r.number}>
                {r.review ? l.editReview : l.review}
              </Button>
            ),
          },
        ]
      : []),
  ];

  return (
    <section aria-labelledby="xf-ledger-title">
      <Typography.Title level={4} id="xf-ledger-title" style={{ marginTop: 0, marginBottom: 4 }}>
        {l.title}
        {data && <span className="xf-ledger-scope">{l.scope(data.scopeName, data.month)}</span>}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{l.subtitle}</Typography.Paragraph>
      <Space style={{ marginBottom: 12 }} wrap>
        <DatePicker
          picker="month"
          aria-label={l.month}
          allowClear={false}
          value={shownMonth ? dayjs(`${shownMonth}-01`) : undefined}
          disabledDate={(d) => d.isAfter(dayjs(), 'month')}
          onChange={(d) => d && setQuery({ month: d.format('YYYY-MM') })}
        />
        <Select
          aria-label={l.leader}
          style={{ width: 200 }}
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          placeholder={l.allLeaders}
          options={leaderOptions}
          value={leaderId}
          onChange={(v?: string) => setQuery({ leaderId: v || undefined })}
        />
        <Button icon={<ReloadOutlined />} onClick={() => void load()}>
          {l.reload}
        </Button>
        <Button icon={<FileExcelOutlined />} href={ledgerXlsxUrl(query)} download data-testid="ledger-xlsx" disabled={!data}>
          {l.exportXlsx}
        </Button>
        <Button icon={<FileWordOutlined />} href={ledgerDocxUrl(query)} download data-testid="ledger-docx" disabled={!data}>
          {l.exportDocx}
        </Button>
      </Space>
      {data?.partial && <Alert type="info" showIcon title={l.partial(fmtTime(data.generatedAt))} style={{ marginBottom: 12 }} />}
      {data && (
        <div className="xf-ledger-figures" data-testid="ledger-figures" role="group" aria-label={l.title}>
          {FIGURES.map((k) => (
            <Card key={k} size="small">
              <Statistic
                title={l.figures[k]}
                value={data.summary[k]}
                data-figure={k}
                styles={{ content: k === 'overdue' && data.summary.overdue > 0 ? { color: '#cf1322' } : undefined }}
              />
            </Card>
          ))}
        </div>
      )}
      <Table<LedgerRow>
        rowKey="caseId"
        size="small"
        loading={loading}
        columns={columns}
        dataSource={data?.rows ?? []}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        locale={{ emptyText: l.empty }}
        rowClassName={(r) => (r.overdueDays > 0 && !r.closedOut ? 'xf-row-overdue' : '')}
        onRow={(r) => ({ 'data-row-number': r.number }) as React.HTMLAttributes<HTMLElement>}
        data-testid="ledger-table"
      />
      {data && <Supervisions items={data.supervisions} />}
      {shownMonth && (
        <ReviewModal
          row={reviewing}
          month={shownMonth}
          onClose={() => setReviewing(null)}
          onSaved={async (saved) => {
            setReviewing(null);
            message.success(l.form.saved(saved.number));
            await load();
          }}
        />
      )}
    </section>
  );
}

function Supervisions({ items }: { items: LedgerSupervision[] }) {
  const s = l.supervisions;
  const columns: TableProps<LedgerSupervision>['columns'] = [
    { title: s.columns.kind, dataIndex: 'kindLabel', width: 90, render: (k: string, x) => <Tag color={x.kind === 'chase' ? 'gold' : 'red'}>{k}</Tag> },
    {
      title: s.columns.number,
      dataIndex: 'number',
      width: 150,
      render: (n: string, x) => (
        <Tooltip title={x.title}>
          <Link to={`/staff/cases/${x.caseId}`}>{n}</Link>
        </Tooltip>
      ),
    },
    { title: s.columns.target, dataIndex: 'targetUnitName', width: 150, render: (n: string | null) => n ?? '—' },
    { title: s.columns.reason, dataIndex: 'reason', ellipsis: true },
    { title: s.columns.createdAt, dataIndex: 'createdAt', width: 140, render: (v: string) => fmtTime(v) },
    { title: s.columns.replyDueAt, dataIndex: 'replyDueAt', width: 140, render: (v: string) => fmtTime(v) },
    {
      title: s.columns.status,
      key: 'status',
      width: 110,
      render: (_: unknown, x) =>
        x.repliedAt ? (
          <Tooltip title={x.replyText ?? undefined}>
            <Tag color="green">{s.replied}</Tag>
          </Tooltip>
        ) : x.escalatedAt ? (
          <Tag color="red">{s.escalated}</Tag>
        ) : (
          <Tag color="gold">{s.waiting}</Tag>
        ),
    },
  ];
  return (
    <Card size="small" title={s.title} style={{ marginTop: 16 }}>
      <Table<LedgerSupervision> rowKey="id" size="small" columns={columns} dataSource={items} pagination={{ pageSize: 20, hideOnSinglePage: true }} locale={{ emptyText: s.empty }} />
    </Card>
  );
}

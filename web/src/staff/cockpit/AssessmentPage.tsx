/**
 * /staff/cockpit/assessment: 考核 — the month's ranking of departments, streets or communities by
 * score (base from the weighted rates, less deductions such as sloppy closures found by spot
 * checks), with each rate's numerator over denominator; the Excel export of the same table, and the
 * annual report of Art. 41 of the 信访工作条例 as Word. Downloads are plain links, so the browser
 * sends the session cookie with them.
 */
import { useEffect, useState } from 'react';
import { Button, Card, DatePicker, Empty, Result, Select, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { FileExcelOutlined, FileWordOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { Link, useSearchParams } from 'react-router';
import { ASSESSMENT_KINDS, COCKPIT_ROLES, RATE_KEYS, annualReportDocxUrl, assessmentXlsxUrl, cockpitApi, type Assessment, type AssessmentKind, type AssessmentRow } from '../../api/cockpit';
import { useFailure } from '../../api/use-failure';
import { t } from '../../i18n/zh-CN';
import { fmtTime } from '../format';
import { hasAnyRole, useMe } from '../session';
import { CockpitNav } from './CockpitNav';
import './cockpit.css';

const c = t.cockpit;
const a = c.assessment;

export function AssessmentPage() {
  const me = useMe();
  if (!hasAnyRole(me, COCKPIT_ROLES)) return <Result status="403" title={c.noAccess} extra={<Link to="/staff">{t.staff.case.backToQueues}</Link>} />;
  return (
    <section aria-labelledby="xf-cockpit-title" className="xf-cockpit">
      <CockpitNav />
      <AssessmentView />
    </section>
  );
}

function AssessmentView() {
  const fail = useFailure();
  const [params, setParams] = useSearchParams();
  const monthParam = params.get('month');
  const month = monthParam && /^\d{4}-\d{2}$/.test(monthParam) ? monthParam : dayjs().format('YYYY-MM');
  const kind = (ASSESSMENT_KINDS.find((k) => k === params.get('kind')) ?? 'street') as AssessmentKind;
  const [year, setYear] = useState(() => dayjs().year());
  const [data, setData] = useState<Assessment | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    document.title = `${c.tabs.assessment} - ${c.title} - ${t.common.appName}`;
  }, []);

  useEffect(() => {
    let live = true;
    setLoading(true);
    cockpitApi
      .assessment({ month, kind })
      .then((d) => live && setData(d), (err) => live && fail(err))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [month, kind, fail]);

  const setQuery = (next: { month?: string; kind?: AssessmentKind }) => setParams({ month: next.month ?? month, kind: next.kind ?? kind });

  const columns: TableProps<AssessmentRow>['columns'] = [
    { title: a.columns.rank, dataIndex: 'rank', width: 64, align: 'center', fixed: 'left' },
    { title: a.columns.unit, key: 'unit', width: 160, fixed: 'left', render: (_: unknown, r) => <span data-unit-id={r.unit.id}>{r.unit.name}</span> },
    { title: a.columns.score, dataIndex: 'score', width: 80, align: 'right', render: (v: number) => <strong className="xf-cockpit-score">{v.toFixed(1)}</strong> },
    { title: a.columns.base, dataIndex: 'base', width: 80, align: 'right', render: (v: number) => v.toFixed(1) },
    { title: a.columns.deductions, dataIndex: 'deductions', width: 72, align: 'right', render: (v: number) => (v ? <Typography.Text type="danger">−{v}</Typography.Text> : '0') },
    { title: a.columns.received, dataIndex: 'received', width: 72, align: 'right' },
    { title: a.columns.settled, dataIndex: 'settled', width: 72, align: 'right' },
    ...RATE_KEYS.map((k) => ({
      title: a.rateLabels[k] ?? k,
      key: k,
      width: 110,
      align: 'right' as const,
      render: (_: unknown, r: AssessmentRow) => {
        const x = r.rates[k];
        if (!x) return '—';
        return (
          <div className="xf-cockpit-rate-cell">
            <div>{c.pct(x.value)}</div>
            <Typography.Text type="secondary">{a.rateCell(x.numerator, x.denominator)}</Typography.Text>
          </div>
        );
      },
    })),
  ];

  return (
    <>
      <div className="xf-cockpit-toolbar">
        <Space wrap>
          <span>{a.month}</span>
          <DatePicker
            picker="month"
            allowClear={false}
            value={dayjs(`${month}-01`)}
            disabledDate={(d) => d.isAfter(dayjs(), 'month')}
            onChange={(d: Dayjs | null) => d && setQuery({ month: d.format('YYYY-MM') })}
            aria-label={a.month}
          />
          <span>{a.kind}</span>
          <Select<AssessmentKind>
            value={kind}
            style={{ width: 110 }}
            onChange={(k) => setQuery({ kind: k })}
            options={ASSESSMENT_KINDS.map((k) => ({ value: k, label: a.kinds[k] }))}
            aria-label={a.kind}
            data-testid="assessment-kind"
          />
          <Button icon={<FileExcelOutlined />} href={assessmentXlsxUrl({ month, kind })} download data-testid="assessment-xlsx">
            {a.exportXlsx}
          </Button>
        </Space>
        <Space wrap>
          <span>{a.year}</span>
          <DatePicker
            picker="year"
            allowClear={false}
            value={dayjs(`${year}-01-01`)}
            disabledDate={(d) => d.year() > dayjs().year()}
            onChange={(d: Dayjs | null) => d && setYear(d.year())}
            aria-label={a.year}
          />
          <Button icon={<FileWordOutlined />} href={annualReportDocxUrl({ year })} download data-testid="annual-report-docx">
            {a.annualReport}
          </Button>
        </Space>
      </div>
      <Card
        size="small"
        title={data ? `${data.scope.name} · ${month} · ${a.kinds[kind]}${a.title}` : a.title}
        extra={data ? <Typography.Text type="secondary" style={{ fontSize: 12 }}>{c.period.generated(fmtTime(data.generatedAt))}</Typography.Text> : null}
      >
        {data && (
          <div className="xf-cockpit-explanation" style={{ marginBottom: 12 }}>
            <Typography.Paragraph style={{ marginBottom: 4 }}>{data.explanation}</Typography.Paragraph>
            <Space wrap size={4}>
              <Typography.Text type="secondary">{a.weights}：</Typography.Text>
              {RATE_KEYS.map((k) => (
                <Tag key={k}>
                  {a.rateLabels[k]} {data.weights[k]}
                </Tag>
              ))}
            </Space>
          </div>
        )}
        <Table<AssessmentRow>
          rowKey={(r) => r.unit.id}
          size="small"
          loading={loading}
          columns={columns}
          dataSource={data?.rows ?? []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          locale={{ emptyText: <Empty description={a.empty} /> }}
          scroll={{ x: 1600 }}
          data-testid="assessment-table"
        />
      </Card>
    </>
  );
}

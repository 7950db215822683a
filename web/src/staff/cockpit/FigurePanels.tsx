/**
 * The cockpit's figures for one scope and period: KPI cards, the nine rates (each with its
 * definition one click away), volume by day and channel, settlement tiers, top categories, hot
 * words, open warnings, overdue cases by unit, and supervision counts.
 */
import { useMemo } from 'react';
import { Button, Card, Col, Empty, List, Popover, Row, Statistic, Table, Tag, Typography } from 'antd';
import { InfoCircleOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import type { CockpitFigures, Rate } from '../../api/cockpit';
import { t } from '../../i18n/zh-CN';
import { fmtTime } from '../format';
import { Chart } from './Chart';
import type { ECOption } from './echarts';

const c = t.cockpit;

/** The four headline numbers. */
export function KpiCards({ f }: { f: CockpitFigures }) {
  const items = [
    { key: 'received', title: c.kpi.received, value: f.volume.total, danger: false },
    { key: 'open', title: c.kpi.open, value: f.open, danger: false },
    { key: 'overdue', title: c.kpi.overdue, value: f.overdue, danger: f.overdue > 0 },
    { key: 'warnings', title: c.kpi.warnings, value: f.warnings.open, danger: f.warnings.open > 0 },
  ];
  return (
    <Row gutter={[12, 12]} className="xf-cockpit-kpis">
      {items.map((k) => (
        <Col key={k.key} xs={12} lg={6}>
          <Card size="small" data-testid={`kpi-${k.key}`} data-value={k.value}>
            <Statistic title={k.title} value={k.value} suffix={c.unitCase} styles={{ content: k.danger ? { color: '#cf1322' } : undefined }} />
          </Card>
        </Col>
      ))}
    </Row>
  );
}

/** One rate: value as a percentage, numerator over denominator, its definition behind an info icon. */
function RateCard({ rate }: { rate: Rate }) {
  return (
    <Card size="small" className="xf-cockpit-rate" data-testid={`rate-${rate.key}`} data-value={rate.value ?? ''}>
      <div className="xf-cockpit-rate-head">
        <span className="xf-cockpit-rate-label">{rate.label}</span>
        <Popover trigger="click" title={`${rate.label} · ${c.rates.definition}`} content={<div className="xf-cockpit-definition">{rate.definition}</div>}>
          <Button type="text" size="small" icon={<InfoCircleOutlined />} aria-label={`${rate.label}${c.rates.definition}`} data-testid={`rate-info-${rate.key}`} />
        </Popover>
      </div>
      <div className="xf-cockpit-rate-value">{c.pct(rate.value)}</div>
      <Typography.Text type="secondary" className="xf-cockpit-rate-fraction">
        {rate.value === null ? c.rates.none : c.rates.fraction(rate.numerator, rate.denominator)}
        {rate.lowerIsBetter && (
          <Tag className="xf-cockpit-rate-tag" variant="outlined">
            {c.rates.lowerIsBetter}
          </Tag>
        )}
      </Typography.Text>
    </Card>
  );
}

export function RateCards({ rates }: { rates: Rate[] }) {
  return (
    <Card title={c.rates.title} size="small" data-testid="cockpit-rates">
      <div className="xf-cockpit-rates">
        {rates.map((r) => (
          <RateCard key={r.key} rate={r} />
        ))}
      </div>
    </Card>
  );
}

/** Received cases per day, stacked by channel. */
export function VolumeChart({ f }: { f: CockpitFigures }) {
  const option = useMemo<ECOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: f.volume.days.map((d) => d.slice(5)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: f.volume.byChannel.map((ch) => ({ type: 'bar', name: ch.label, stack: 'volume', data: ch.counts, barMaxWidth: 24 })),
    }),
    [f],
  );
  return (
    <Card title={c.volume.title} size="small" extra={<span data-testid="volume-total">{c.volume.total(f.volume.total)}</span>}>
      {f.volume.total === 0 ? <Empty description={c.volume.empty} /> : <Chart option={option} label={c.volume.title} testId="volume-chart" />}
      <ul className="xf-cockpit-legend-text" data-testid="volume-channels">
        {f.volume.byChannel
          .filter((ch) => ch.total > 0)
          .map((ch) => (
            <li key={ch.channel}>
              {ch.label} {ch.total}
            </li>
          ))}
      </ul>
    </Card>
  );
}

/** Settled cases by the tier that settled them (小事不出村社、大事不出街道). */
export function TiersChart({ f }: { f: CockpitFigures }) {
  const total = f.tiers.reduce((s, x) => s + x.count, 0);
  const option = useMemo<ECOption>(
    () => ({
      tooltip: { trigger: 'item', formatter: '{b}：{c} 件（{d}%）' },
      legend: { bottom: 0 },
      series: [{ type: 'pie', radius: ['40%', '68%'], center: ['50%', '45%'], label: { formatter: '{b}\n{d}%' }, data: f.tiers.filter((x) => x.count > 0).map((x) => ({ name: x.label, value: x.count })) }],
    }),
    [f],
  );
  return (
    <Card title={c.tiers.title} size="small" data-testid="cockpit-tiers">
      {total === 0 ? <Empty description={c.tiers.empty} /> : <Chart option={option} label={c.tiers.title} />}
      <ul className="xf-cockpit-legend-text">
        {f.tiers.map((x) => (
          <li key={x.tier}>
            {x.label} {c.tiers.count(x.count)}
            {x.share !== null && `（${c.pct(x.share, 0)}）`}
          </li>
        ))}
      </ul>
    </Card>
  );
}

const TOP_CATEGORIES = 10;

export function CategoriesChart({ f }: { f: CockpitFigures }) {
  const top = f.categories.slice(0, TOP_CATEGORIES).reverse();
  const option = useMemo<ECOption>(
    () => ({
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: top.map((x) => x.name), axisLabel: { width: 120, overflow: 'truncate' } },
      series: [{ type: 'bar', name: c.categories.series, data: top.map((x) => x.count), itemStyle: { color: '#b71c1c' }, label: { show: true, position: 'right' }, barMaxWidth: 18 }],
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [f],
  );
  return (
    <Card title={c.categories.title} size="small" data-testid="cockpit-categories">
      {top.length === 0 ? <Empty description={c.categories.empty} /> : <Chart option={option} label={c.categories.title} height={Math.max(160, top.length * 28 + 24)} />}
    </Card>
  );
}

/** Hot words as tags sized by count. */
export function HotWords({ f }: { f: CockpitFigures }) {
  const max = Math.max(1, ...f.hotWords.map((w) => w.count));
  return (
    <Card title={c.hotWords.title} size="small" data-testid="cockpit-hot-words">
      {f.hotWords.length === 0 ? (
        <Empty description={c.hotWords.empty} image={Empty.PRESENTED_IMAGE_SIMPLE} />
      ) : (
        <div className="xf-cockpit-words">
          {f.hotWords.map((w) => (
            <Tag key={w.word} title={c.hotWords.count(w.word, w.count)} color={w.count / max > 0.6 ? 'volcano' : w.count / max > 0.3 ? 'orange' : undefined} style={{ fontSize: Math.round(12 + 10 * (w.count / max)) }}>
              {w.word}
            </Tag>
          ))}
        </div>
      )}
    </Card>
  );
}

export function WarningsList({ f }: { f: CockpitFigures }) {
  return (
    <Card
      title={`${c.warnings.title}（${f.warnings.open}）`}
      size="small"
      data-testid="cockpit-warnings"
      extra={<Link to="/staff/warnings">{c.warnings.all}</Link>}
    >
      {f.warnings.byLevel.length > 0 && (
        <div style={{ marginBottom: 8 }}>
          {f.warnings.byLevel.map((l) => (
            <Tag key={l.level} color={c.warnings.levelColors[l.level]}>
              {c.warnings.levels[l.level] ?? l.level} {l.count}
            </Tag>
          ))}
        </div>
      )}
      <List
        size="small"
        dataSource={f.warnings.latest}
        locale={{ emptyText: c.warnings.empty }}
        renderItem={(w) => (
          <List.Item>
            <div className="xf-cockpit-warning">
              <Tag color={c.warnings.levelColors[w.level]}>{c.warnings.levels[w.level] ?? w.level}</Tag>
              <Link to={`/staff/warnings/${w.id}`}>{w.number}</Link> <span className="xf-cockpit-warning-title">{w.title}</span>
              <Typography.Text type="secondary" style={{ fontSize: 12, marginInlineStart: 8 }}>
                {fmtTime(w.raisedAt)}
              </Typography.Text>
            </div>
          </List.Item>
        )}
      />
    </Card>
  );
}

export function OverdueTable({ f }: { f: CockpitFigures }) {
  return (
    <Card title={c.overdue.title} size="small" data-testid="cockpit-overdue">
      <Table
        size="small"
        rowKey={(r) => r.unit.id}
        dataSource={f.overdueByUnit}
        pagination={{ pageSize: 8, hideOnSinglePage: true }}
        locale={{ emptyText: c.overdue.empty }}
        columns={[
          { title: c.overdue.columns.unit, key: 'unit', render: (_: unknown, r) => r.unit.name },
          { title: c.overdue.columns.count, dataIndex: 'count', width: 100, align: 'right', render: (n: number) => <Typography.Text type="danger">{n}</Typography.Text> },
        ]}
      />
    </Card>
  );
}

export function SupervisionCard({ f }: { f: CockpitFigures }) {
  return (
    <Card title={c.supervision.title} size="small" data-testid="cockpit-supervision">
      <Row gutter={12}>
        <Col span={8}>
          <Statistic title={c.supervision.dispatched} value={f.supervision.dispatched} />
        </Col>
        <Col span={8}>
          <Statistic title={c.supervision.chased} value={f.supervision.chased} />
        </Col>
        <Col span={8}>
          <Statistic title={c.supervision.supervised} value={f.supervision.supervised} />
        </Col>
      </Row>
    </Card>
  );
}

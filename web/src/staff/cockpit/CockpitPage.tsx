/**
 * /staff/cockpit: 领导驾驶舱 — the figures of one scope and period (KPIs, the nine rates with their
 * definitions, volume, tiers, categories, hot words, warnings, overdue, supervision) beside the
 * 一图一指数 map. The scope is the unit drilled into (unitId in the address, so the browser's back
 * button goes back up too); at a grid the map gives way to the grid's cases. Loaded lazily: ECharts
 * comes with this page only.
 */
import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Col, DatePicker, Result, Row, Space, Spin, Typography } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { Link, useSearchParams } from 'react-router';
import { COCKPIT_ROLES, cockpitApi, type CockpitFigures, type CockpitMap, type CockpitQuery, type UnitRef } from '../../api/cockpit';
import { useFailure } from '../../api/use-failure';
import { t } from '../../i18n/zh-CN';
import { fmtTime } from '../format';
import { hasAnyRole, useMe } from '../session';
import { CockpitNav } from './CockpitNav';
import { CategoriesChart, HotWords, KpiCards, OverdueTable, RateCards, SupervisionCard, TiersChart, VolumeChart, WarningsList } from './FigurePanels';
import { GridCases } from './GridCases';
import { IndexMap, ScopeTrail } from './IndexMap';
import './cockpit.css';

const c = t.cockpit;
const DAY = 'YYYY-MM-DD';
/** How often the figures are read again while changes wait to be folded into them. */
const PENDING_POLL_MS = 5_000;
const isDay = (s: string | null): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s) && dayjs(s, DAY).isValid();

/** Given today, returns the period presets (近7天, 近30天, 本月, 本年), each ending today. */
function presets(today: Dayjs) {
  return [
    { label: c.period.presets.last7, value: [today.subtract(6, 'day'), today] as [Dayjs, Dayjs] },
    { label: c.period.presets.last30, value: [today.subtract(29, 'day'), today] as [Dayjs, Dayjs] },
    { label: c.period.presets.month, value: [today.startOf('month'), today] as [Dayjs, Dayjs] },
    { label: c.period.presets.year, value: [today.startOf('year'), today] as [Dayjs, Dayjs] },
  ];
}

export function CockpitPage() {
  const me = useMe();
  if (!hasAnyRole(me, COCKPIT_ROLES)) return <Result status="403" title={c.noAccess} extra={<Link to="/staff">{t.staff.case.backToQueues}</Link>} />;
  return (
    <section aria-labelledby="xf-cockpit-title" className="xf-cockpit">
      <CockpitNav />
      <Overview />
    </section>
  );
}

function Overview() {
  const fail = useFailure();
  const [params, setParams] = useSearchParams();
  const unitId = params.get('unitId') ?? undefined;
  const from = params.get('from');
  const to = params.get('to');
  const query: CockpitQuery = { unitId, ...(isDay(from) && isDay(to) ? { from, to } : {}) };
  const [figures, setFigures] = useState<CockpitFigures | null>(null);
  const [map, setMap] = useState<CockpitMap | null>(null);
  const [loading, setLoading] = useState(false);
  const [reloadKey, setReloadKey] = useState(0);

  useEffect(() => {
    document.title = `${c.title} - ${t.common.appName}`;
  }, []);

  const key = `${query.unitId ?? ''}|${query.from ?? ''}|${query.to ?? ''}`;
  useEffect(() => {
    let live = true;
    setLoading(true);
    const q: CockpitQuery = { unitId: query.unitId, from: query.from, to: query.to };
    Promise.all([cockpitApi.figures(q), cockpitApi.map(q)])
      .then(
        ([f, mp]) => {
          if (!live) return;
          setFigures(f);
          setMap(mp);
        },
        (err) => live && fail(err),
      )
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
    // the key stands for the query's fields
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, reloadKey, fail]);

  // changes not yet folded into the figures: read them again every few seconds until none wait
  // (quietly — no spinner, and a failed read just ends the polling; 刷新 reports errors)
  const pending = figures?.pending ?? 0;
  useEffect(() => {
    if (pending <= 0) return;
    let live = true;
    const q: CockpitQuery = { unitId: query.unitId, from: query.from, to: query.to };
    const timer = window.setTimeout(() => {
      Promise.all([cockpitApi.figures(q), cockpitApi.map(q)]).then(
        ([f, mp]) => {
          if (!live) return;
          setFigures(f);
          setMap(mp);
        },
        () => undefined,
      );
    }, PENDING_POLL_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
    // figures: each answer schedules the next read; the key stands for the query's fields
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [figures, key]);

  const go = useCallback(
    (next: { unitId?: string; from?: string; to?: string }) => {
      const p: Record<string, string> = {};
      if (next.unitId) p.unitId = next.unitId;
      if (next.from && next.to) {
        p.from = next.from;
        p.to = next.to;
      }
      setParams(p);
    },
    [setParams],
  );

  const drill = (u: UnitRef) => go({ unitId: u.id, from: query.from, to: query.to });
  const up = (u: UnitRef) => go({ unitId: map?.trail[0]?.id === u.id ? undefined : u.id, from: query.from, to: query.to });

  if (!figures || !map)
    return (
      <div style={{ padding: 64, textAlign: 'center' }}>
        <Spin size="large" description={c.loading} spinning={loading} />
      </div>
    );

  const today = dayjs();
  const atBottom = map.unit.kind === 'grid' || map.areas.length === 0;

  return (
    <Spin spinning={loading}>
      <div className="xf-cockpit-toolbar">
        <Space wrap>
          <span>{c.period.label}</span>
          <DatePicker.RangePicker
            allowClear={false}
            value={[dayjs(figures.from, DAY), dayjs(figures.to, DAY)]}
            presets={presets(today)}
            disabledDate={(d) => d.isAfter(today, 'day')}
            onChange={(v) => {
              const [a, b] = v ?? [];
              if (a && b) go({ unitId, from: a.format(DAY), to: b.format(DAY) });
            }}
            aria-label={c.period.label}
            data-testid="cockpit-period"
          />
          <Button icon={<ReloadOutlined />} onClick={() => setReloadKey((k) => k + 1)}>
            {c.refresh}
          </Button>
        </Space>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {c.period.generated(fmtTime(figures.generatedAt))}
        </Typography.Text>
      </div>
      <div className="xf-cockpit-scope" data-testid="cockpit-scope" data-unit-id={figures.unit.id}>
        <Typography.Text type="secondary">{c.scope}：</Typography.Text>
        <ScopeTrail trail={map.trail.length ? map.trail : [map.unit]} onGo={up} />
        <Typography.Text type="secondary">{c.period.shown(figures.from, figures.to)}</Typography.Text>
      </div>

      {pending > 0 && <Alert type="info" showIcon title={c.pending(pending)} style={{ marginBottom: 12 }} data-testid="cockpit-pending" />}

      <KpiCards f={figures} />

      <Row gutter={[12, 12]} style={{ marginTop: 12 }}>
        <Col xs={24} xl={13}>
          {atBottom ? <GridCases unitId={map.unit.id} name={map.unit.name} /> : <IndexMap data={map} onDrill={drill} />}
        </Col>
        <Col xs={24} xl={11}>
          <RateCards rates={figures.rates} />
        </Col>
        <Col xs={24} xl={13}>
          <VolumeChart f={figures} />
        </Col>
        <Col xs={24} xl={11}>
          <TiersChart f={figures} />
        </Col>
        <Col xs={24} xl={13}>
          <CategoriesChart f={figures} />
        </Col>
        <Col xs={24} xl={11}>
          <HotWords f={figures} />
        </Col>
        <Col xs={24} xl={13}>
          <WarningsList f={figures} />
        </Col>
        <Col xs={24} xl={11}>
          <Space orientation="vertical" size={12} style={{ width: '100%' }}>
            <SupervisionCard f={figures} />
            <OverdueTable f={figures} />
          </Space>
        </Col>
      </Row>
    </Spin>
  );
}

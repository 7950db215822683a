/**
 * 一图一指数: the scope's child areas drawn from their outlines (GeoJSON from our API, no tiles)
 * and coloured by the attention index (0–100, green to red); the tooltip gives the figures and the
 * index's parts, the formula and weights are written out below. Clicking an area (on the map or in
 * the list under it, which also serves keyboard and screen-reader users) drills into it.
 */
import { useMemo } from 'react';
import { Alert, Breadcrumb, Button, Card, Empty, Space, Tag, Typography } from 'antd';
import { EnvironmentOutlined } from '@ant-design/icons';
import type { CockpitMap, MapArea, UnitRef } from '../../api/cockpit';
import { t } from '../../i18n/zh-CN';
import { Chart } from './Chart';
import { echarts, type ECOption } from './echarts';

const m = t.cockpit.map;
const PARTS = ['volume', 'overdue', 'dissatisfaction', 'warnings'] as const;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Given an index 0–100, returns the colour the map's scale gives it (for the list beside the map). */
export function indexColor(index: number): string {
  return index >= 67 ? '#f5222d' : index >= 34 ? '#fa8c16' : '#52c41a';
}

function tooltipHtml(a: MapArea): string {
  const parts = PARTS.map((k) => `${escapeHtml(m.partNames[k] ?? k)} ${a.parts[k].toFixed(1)}`).join('，');
  return [
    `<b>${escapeHtml(a.unit.name)}</b>`,
    `${m.index}：<b>${a.index.toFixed(1)}</b>`,
    m.tooltip.volume(a.volume),
    m.tooltip.overdue(a.overdue),
    m.tooltip.satisfaction(a.satisfaction),
    m.tooltip.warnings(a.warnings),
    `${m.parts}：${parts}`,
  ].join('<br/>');
}

export interface IndexMapProps {
  data: CockpitMap;
  onDrill: (unit: UnitRef) => void;
}

export function IndexMap({ data, onDrill }: IndexMapProps) {
  const mapName = `xf-cockpit-${data.unit.id}`;
  const hasOutlines = data.geojson.features.length > 0 && data.areas.length > 0;
  const byId = useMemo(() => new Map(data.areas.map((a) => [a.unit.id, a])), [data]);

  const option = useMemo<ECOption | null>(() => {
    if (!hasOutlines) return null;
    // one registered map per level, named by the unit whose children it outlines
    echarts.registerMap(mapName, data.geojson as Parameters<typeof echarts.registerMap>[1]);
    return {
      tooltip: {
        trigger: 'item',
        formatter: (p: { name?: string }) => {
          const a = p.name ? byId.get(p.name) : undefined;
          return a ? tooltipHtml(a) : '';
        },
      },
      visualMap: {
        min: 0,
        max: 100,
        left: 8,
        bottom: 8,
        text: [m.high, m.low],
        calculable: true,
        itemHeight: 100,
        inRange: { color: ['#52c41a', '#fadb14', '#f5222d'] },
      },
      series: [
        {
          type: 'map',
          map: mapName,
          nameProperty: 'id',
          roam: false,
          selectedMode: false,
          layoutCenter: ['55%', '50%'],
          layoutSize: '92%',
          label: { show: true, fontSize: 12, color: '#1f1f1f', textBorderColor: '#fff', textBorderWidth: 2, formatter: (p: { name?: string }) => (p.name ? (byId.get(p.name)?.unit.name ?? '') : '') },
          emphasis: { label: { show: true }, itemStyle: { areaColor: '#ffd591' } },
          itemStyle: { borderColor: '#fff', borderWidth: 1 },
          data: data.areas.map((a) => ({ name: a.unit.id, value: Math.round(a.index * 10) / 10 })),
        },
      ],
    };
  }, [data, hasOutlines, mapName, byId]);

  const drill = (id: string | undefined) => {
    const a = id ? byId.get(id) : undefined;
    if (a) onDrill(a.unit);
  };

  const sorted = [...data.areas].sort((x, y) => y.index - x.index);
  const w = data.weights;

  return (
    <Card
      size="small"
      data-testid="cockpit-map-card"
      title={
        <Space>
          <EnvironmentOutlined />
          {m.title}
        </Space>
      }
    >
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        {m.subtitle}
      </Typography.Paragraph>
      {data.areas.length === 0 ? null : hasOutlines && option ? (
        <Chart option={option} height={420} label={`${m.title}：${data.unit.name}`} testId="cockpit-map" className="xf-cockpit-map" onClick={(p) => p.seriesType === 'map' && drill(p.name)} />
      ) : (
        <Alert type="info" showIcon title={m.noOutlines} style={{ marginBottom: 8 }} />
      )}
      {data.areas.length > 0 && (
        <nav aria-label={m.areas}>
          <Typography.Text strong>{m.areas}</Typography.Text>
          <ol className="xf-cockpit-areas" data-testid="map-areas">
            {sorted.map((a) => (
              <li key={a.unit.id}>
                <Button size="small" type="link" onClick={() => onDrill(a.unit)} data-area-id={a.unit.id} aria-label={m.drill(a.unit.name)}>
                  {a.unit.name}
                </Button>
                <Tag color={indexColor(a.index)} data-index={a.index}>
                  {m.areaIndex(Math.round(a.index))}
                </Tag>
                <Typography.Text type="secondary" className="xf-cockpit-area-figures">
                  {m.tooltip.volume(a.volume)}，{m.tooltip.overdue(a.overdue)}，{m.tooltip.satisfaction(a.satisfaction)}，{m.tooltip.warnings(a.warnings)}
                </Typography.Text>
              </li>
            ))}
          </ol>
        </nav>
      )}
      <div className="xf-cockpit-explanation" data-testid="map-explanation">
        <Typography.Paragraph style={{ marginBottom: 4 }}>{data.explanation}</Typography.Paragraph>
        <Space wrap size={4}>
          <Typography.Text type="secondary">{m.weights}：</Typography.Text>
          {PARTS.map((k) => (
            <Tag key={k}>{m.weight(m.partNames[k] ?? k, w[k])}</Tag>
          ))}
        </Space>
      </div>
    </Card>
  );
}

/** The way down from the reader's scope to the unit shown; each step but the last goes back up. */
export function ScopeTrail({ trail, onGo }: { trail: UnitRef[]; onGo: (unit: UnitRef) => void }) {
  if (trail.length === 0) return null;
  return (
    <Breadcrumb
      data-testid="cockpit-breadcrumb"
      aria-label={m.breadcrumb}
      items={trail.map((u, i) =>
        i === trail.length - 1
          ? { key: u.id, title: <span aria-current="page">{u.name}</span> }
          : {
              key: u.id,
              title: (
                <a
                  href="#"
                  data-unit-id={u.id}
                  onClick={(e) => {
                    e.preventDefault();
                    onGo(u);
                  }}
                >
                  {u.name}
                </a>
              ),
            },
      )}
    />
  );
}

export function NoAreas() {
  return <Empty description={m.noAreas} image={Empty.PRESENTED_IMAGE_SIMPLE} />;
}

import { useEffect, useRef, useState } from 'react';
import { Button, Select, Spin, Typography } from 'antd';
import { ApiError } from '../../api/client';
import { t } from '../../i18n/zh-CN';
import { citizenApi, type PublicGrid } from '../citizen-api';

const m = t.citizen.submit.grid;

/** Given a grid, returns where it lies in words: 梅园社区 · 南苑街道. */
export const gridPlace = (g: PublicGrid) => [g.gridName, g.communityName, g.streetName].filter(Boolean).join(' · ');

interface Props {
  id?: string;
  value?: string | null;
  onChange?: (value: string | null) => void;
  /** the grid a QR poster named, when the citizen came that way */
  qrGrid: { id: string; grid: PublicGrid | null } | null;
  /** the citizen says the QR grid is not where the matter is: back to choosing */
  onLeaveQr: () => void;
}

/**
 * The grid a matter arose in: fixed and named when the citizen arrived by a grid's QR code, else a
 * searchable list (by grid, community or street name).
 */
export function GridField({ id, value, onChange, qrGrid, onLeaveQr }: Props) {
  if (qrGrid) {
    return (
      <div className="citizen-qr-grid" id={id} role="status">
        <Typography.Text type="secondary">{m.fromQr}</Typography.Text>
        <Typography.Text strong className="citizen-qr-grid-name" data-testid="qr-grid-name">
          {qrGrid.grid?.name ?? m.qrUnknownName}
        </Typography.Text>
        {qrGrid.grid && gridPlace(qrGrid.grid) && <Typography.Text type="secondary">{gridPlace(qrGrid.grid)}</Typography.Text>}
        <div>
          <Button type="link" size="small" style={{ padding: 0 }} onClick={onLeaveQr}>
            {m.change}
          </Button>
        </div>
      </div>
    );
  }
  return <GridSearch id={id} value={value ?? null} onChange={(v) => onChange?.(v)} />;
}

function GridSearch({ id, value, onChange }: { id?: string; value: string | null; onChange: (v: string | null) => void }) {
  const [items, setItems] = useState<PublicGrid[]>([]);
  // the chosen grid stays an option whatever the next search finds, so its name keeps showing
  const [chosen, setChosen] = useState<PublicGrid | null>(null);
  const [loading, setLoading] = useState(false);
  const [failed, setFailed] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(0);

  const search = (q: string) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      const ticket = ++latest.current;
      setLoading(true);
      setFailed(false);
      try {
        const found = await citizenApi.grids(q);
        if (ticket === latest.current) setItems(found);
      } catch (err) {
        if (ticket === latest.current) setFailed(err instanceof ApiError);
      } finally {
        if (ticket === latest.current) setLoading(false);
      }
    }, 250);
  };
  useEffect(() => () => clearTimeout(timer.current), []);

  return (
    <Select<string>
      id={id}
      value={value ?? undefined}
      onChange={(v) => {
        setChosen(items.find((g) => g.id === v) ?? null);
        onChange(v ?? null);
      }}
      allowClear
      placeholder={m.placeholder}
      showSearch={{ filterOption: false, onSearch: search }}
      onOpenChange={(open) => open && items.length === 0 && search('')}
      notFoundContent={loading ? <Spin size="small" aria-label={m.searching} /> : failed ? m.loadFailed : m.noMatch}
      options={[...(chosen && value === chosen.id && !items.some((g) => g.id === chosen.id) ? [chosen] : []), ...items].map((g) => ({ value: g.id, label: g.name, grid: g }))}
      optionRender={(o) => {
        const g = (o.data as { grid: PublicGrid }).grid;
        return (
          <span className="citizen-grid-option">
            <span>{g.name}</span>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {gridPlace(g)}
            </Typography.Text>
          </span>
        );
      }}
    />
  );
}

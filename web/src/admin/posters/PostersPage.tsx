/**
 * /admin/posters: the address the QR codes carry (set it before printing), one grid's poster to
 * preview, download or print (?grid=<id> preselects one), and a street's posters as one zip.
 */
import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Col, Empty, Form, Input, Row, Select, Space, Spin, Typography } from 'antd';
import { DownloadOutlined, ExportOutlined, FileZipOutlined } from '@ant-design/icons';
import { useSearchParams } from 'react-router';
import { t } from '../../i18n/zh-CN';
import { adminApi, gridPosterUrl, streetPostersUrl, type AdminUnit } from '../admin-api';
import { GRID_KINDS, ancestorOfKind } from '../org-tree';
import { useFailure } from '../../api/use-failure';
import { useLoad } from '../session';

const s = t.admin.posters;
/** Measured: one poster takes 0.15 s to draw on an idle server, 0.5 s on a busy one. */
const SECONDS_PER_POSTER = 0.3;

function BaseUrlCard({ onChanged }: { onChanged: () => void }) {
  const { data, reload } = useLoad(() => adminApi.posterSettings(), []);
  const [form] = Form.useForm<{ publicBaseUrl: string }>();
  const [busy, setBusy] = useState(false);
  const { message } = App.useApp();
  const fail = useFailure();

  const save = async (value: string | null) => {
    setBusy(true);
    try {
      await adminApi.setPublicBaseUrl(value);
      message.success(t.admin.saved);
      await reload();
      form.resetFields();
      onChanged();
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card size="small" title={s.baseUrlTitle}>
      {data &&
        (data.publicBaseUrl ? (
          <Alert type="success" showIcon title={s.baseUrlSet(data.publicBaseUrl)} style={{ marginBottom: 12 }} />
        ) : (
          <Alert type="warning" showIcon title={s.baseUrlNotSet(data.fallbackBaseUrl)} style={{ marginBottom: 12 }} />
        ))}
      {data && !data.canChange && <Typography.Text type="secondary">{s.baseUrlAskRoot}</Typography.Text>}
      {data?.canChange && (
        <Form form={form} name="base-url" layout="inline" onFinish={(v) => save(v.publicBaseUrl.trim())} style={{ rowGap: 8 }}>
          <Form.Item name="publicBaseUrl" label={s.baseUrlLabel} rules={[{ required: true, pattern: /^\s*https?:\/\/[^\s?#]+\s*$/i, message: s.baseUrlInvalid }]} style={{ minWidth: 420 }}>
            <Input placeholder={data?.publicBaseUrl ?? s.baseUrlPlaceholder} maxLength={200} />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit" loading={busy}>
                {t.admin.save}
              </Button>
              {data?.publicBaseUrl && (
                <Button onClick={() => save(null)} disabled={busy}>
                  {s.baseUrlReset}
                </Button>
              )}
            </Space>
          </Form.Item>
        </Form>
      )}
    </Card>
  );
}

/** Given the units by id and a grid, returns its place from the street down: 街道 / 社区 / 网格 / 微网格. */
function placeOf(byId: ReadonlyMap<string, AdminUnit>, unit: AdminUnit): string {
  const street = ancestorOfKind(byId, unit, 'street');
  const names = unit.path
    .split('/')
    .filter(Boolean)
    .map((id) => byId.get(id))
    .filter((u): u is AdminUnit => !!u && (!street || u.depth >= street.depth))
    .map((u) => u.name);
  return names.join(' / ');
}

export function PostersPage() {
  const [params, setParams] = useSearchParams();
  const gridId = params.get('grid');
  const [streetId, setStreetId] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [imageState, setImageState] = useState<'loading' | 'ready' | 'failed'>('loading');
  const { data } = useLoad(() => adminApi.units({ active: true }), []);

  const { byId, grids, streets } = useMemo(() => {
    const units = data?.items ?? [];
    const byId = new Map(units.map((u) => [u.id, u]));
    const grids = units.filter((u) => GRID_KINDS.includes(u.kind)).map((u) => ({ value: u.id, label: placeOf(byId, u) }));
    const streets = units
      .filter((u) => u.kind === 'street')
      .map((st) => ({
        unit: st,
        // as the server counts: a grid below an inactive community is not printed
        count: units.filter((u) => GRID_KINDS.includes(u.kind) && u.path.startsWith(st.path) && u.path.slice(st.path.length).split('/').filter(Boolean).every((id) => byId.has(id))).length,
      }));
    return { byId, grids, streets };
  }, [data]);

  const grid = gridId ? byId.get(gridId) : undefined;
  const street = streets.find((x) => x.unit.id === streetId);
  const pngUrl = grid ? gridPosterUrl(grid.id, version || undefined) : null;

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Card size="small" title={s.title}>
        <Typography.Text>{s.intro}</Typography.Text>
      </Card>
      <BaseUrlCard
        onChanged={() => {
          setVersion((v) => v + 1);
          setImageState('loading');
        }}
      />
      <Row gutter={16}>
        <Col xs={24} xl={14}>
          <Card size="small" title={s.gridTitle}>
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              allowClear
              placeholder={s.gridPlaceholder}
              style={{ width: '100%' }}
              options={grids}
              value={grid ? grid.id : undefined}
              loading={!data}
              onChange={(v?: string) => {
                setImageState('loading');
                setParams(v ? { grid: v } : {}, { replace: true });
              }}
            />
            {!grid || !pngUrl ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={s.noGrid} style={{ marginTop: 24 }} />
            ) : (
              <div style={{ display: 'flex', gap: 16, marginTop: 16, alignItems: 'flex-start', flexWrap: 'wrap' }}>
                <div style={{ position: 'relative', width: 310, aspectRatio: '1240 / 1754', border: '1px solid #e5e5e5', boxShadow: '0 2px 8px rgba(0,0,0,.08)', background: '#fafafa' }}>
                  {imageState === 'loading' && (
                    <div style={{ position: 'absolute', inset: 0, display: 'flex', alignItems: 'center', justifyContent: 'center' }}>
                      <Spin />
                    </div>
                  )}
                  {imageState === 'failed' ? (
                    <Alert type="error" showIcon title={s.previewFailed} style={{ margin: 12 }} />
                  ) : (
                    <img
                      key={pngUrl}
                      src={pngUrl}
                      alt={s.previewAlt(grid.name)}
                      style={{ width: '100%', height: '100%', display: 'block', opacity: imageState === 'ready' ? 1 : 0 }}
                      onLoad={() => setImageState('ready')}
                      onError={() => setImageState('failed')}
                    />
                  )}
                </div>
                <Space orientation="vertical">
                  <Typography.Text strong>{placeOf(byId, grid)}</Typography.Text>
                  <Typography.Text type="secondary">
                    {t.admin.org.fields.code} {grid.code}
                  </Typography.Text>
                  <Button type="primary" icon={<DownloadOutlined />} href={pngUrl} download>
                    {s.download}
                  </Button>
                  <Button icon={<ExportOutlined />} href={pngUrl} target="_blank" rel="noopener">
                    {s.openNew}
                  </Button>
                </Space>
              </div>
            )}
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card size="small" title={s.streetTitle}>
            <Select
              placeholder={s.streetPlaceholder}
              style={{ width: '100%' }}
              loading={!data}
              value={streetId ?? undefined}
              onChange={(v: string) => setStreetId(v)}
              options={streets.map((x) => ({ value: x.unit.id, label: s.streetOption(x.unit.name, x.count) }))}
            />
            {street && (
              <div style={{ marginTop: 16 }}>
                {street.count === 0 ? (
                  <Alert type="info" showIcon title={s.zipEmpty} />
                ) : (
                  <Space orientation="vertical">
                    <Typography.Text type="secondary">{s.zipHint(street.count, Math.max(1, Math.ceil(street.count * SECONDS_PER_POSTER)))}</Typography.Text>
                    <Button type="primary" icon={<FileZipOutlined />} href={streetPostersUrl(street.unit.id)} download>
                      {s.downloadZip}
                    </Button>
                  </Space>
                )}
              </div>
            )}
          </Card>
        </Col>
      </Row>
    </Space>
  );
}

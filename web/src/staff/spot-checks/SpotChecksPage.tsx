/**
 * /staff/spot-checks: spot checks (抽查) of closed cases. The settings (rate, points per sloppy
 * closure; supervisors and admins change them), drawing a month's round (supervisors), the rounds in
 * the user's scope, and the chosen round's sampled cases — each with its return visit and verdict
 * (supervisors record them here; a sloppy closure shows the points deducted).
 */
import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Result, Button, Card, Col, DatePicker, Form, InputNumber, Row, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { TableProps } from 'antd';
import { ExperimentOutlined, SaveOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { Link, useSearchParams } from 'react-router';
import { useFailure } from '../../api/use-failure';
import { t } from '../../i18n/zh-CN';
import { fmtTime } from '../format';
import { hasAnyRole, useMe, SPOT_CHECK_ROLES } from '../session';
import { percent, spotCheckApi, type DrawResult, type RoundDetail, type RoundSummary, type SpotCheck, type SpotCheckSettings } from './spot-check-api';
import { VerdictModal, VisitModal } from './CheckModals';
import './spot-checks.css';

const s = t.spotChecks;
/** The server's roles: who reads the settings, who changes them, who draws, visits and judges. */
const SETTINGS_READERS = ['supervisor', 'admin', 'leader'];
const SETTINGS_WRITERS = ['supervisor', 'admin'];
const CHECKERS = ['supervisor'];
const VERDICT_COLORS: Record<string, string> = { pending: 'default', ok: 'green', sloppy: 'red' };

export function SpotChecksPage() {
  const me = useMe();
  if (!hasAnyRole(me, SPOT_CHECK_ROLES)) return <Result status="403" title={s.noAccess} extra={<Link to="/staff">{t.staff.case.backToQueues}</Link>} />;
  return <SpotChecksView />;
}

function SpotChecksView() {
  const me = useMe();
  const { message } = App.useApp();
  const fail = useFailure();
  const [params, setParams] = useSearchParams();
  const [settings, setSettings] = useState<SpotCheckSettings>();
  const [rounds, setRounds] = useState<RoundSummary[]>();
  const [detail, setDetail] = useState<RoundDetail | null>(null);
  const [loadingRound, setLoadingRound] = useState(false);
  const [drawn, setDrawn] = useState<DrawResult | null>(null);
  const [visiting, setVisiting] = useState<SpotCheck | null>(null);
  const [judging, setJudging] = useState<SpotCheck | null>(null);
  const month = params.get('month') ?? undefined;
  const canCheck = hasAnyRole(me, CHECKERS);

  useEffect(() => {
    document.title = `${s.title} - ${t.common.appName}`;
  }, []);

  useEffect(() => {
    if (!hasAnyRole(me, SETTINGS_READERS)) return;
    spotCheckApi.settings().then(setSettings, (err: unknown) => fail(err));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per visit
  }, []);

  const loadRounds = useCallback(async () => {
    try {
      setRounds(await spotCheckApi.rounds());
    } catch (err) {
      fail(err);
    }
  }, [fail]);

  const loadRound = useCallback(async () => {
    if (!month) {
      setDetail(null);
      return;
    }
    setLoadingRound(true);
    try {
      setDetail(await spotCheckApi.round(month));
    } catch (err) {
      fail(err);
    } finally {
      setLoadingRound(false);
    }
  }, [month, fail]);

  useEffect(() => {
    void loadRounds();
  }, [loadRounds]);
  useEffect(() => {
    void loadRound();
  }, [loadRound]);

  const refresh = async () => {
    await Promise.all([loadRounds(), loadRound()]);
  };

  const roundColumns: TableProps<RoundSummary>['columns'] = [
    { title: s.rounds.columns.round, dataIndex: 'round', width: 120, render: (r: string) => s.monthZh(r) },
    { title: s.rounds.columns.total, dataIndex: 'total', align: 'right' },
    { title: s.rounds.columns.visited, dataIndex: 'visited', align: 'right' },
    { title: s.rounds.columns.pending, dataIndex: 'pending', align: 'right' },
    { title: s.rounds.columns.ok, dataIndex: 'ok', align: 'right' },
    { title: s.rounds.columns.sloppy, dataIndex: 'sloppy', align: 'right', render: (n: number) => (n ? <Typography.Text type="danger">{n}</Typography.Text> : n) },
    { title: s.rounds.columns.deducted, dataIndex: 'deductedPoints', align: 'right', render: (n: number) => (n ? <Typography.Text type="danger">{n}</Typography.Text> : n) },
    {
      title: '',
      key: 'open',
      width: 100,
      render: (_: unknown, r) =>
        r.round === month ? (
          <Tag color="blue">{s.rounds.current}</Tag>
        ) : (
          <Button type="link" size="small" onClick={() => setParams({ month: r.round })} data-round={r.round}>
            {s.rounds.open}
          </Button>
        ),
    },
  ];

  const checkColumns: TableProps<SpotCheck>['columns'] = [
    {
      title: s.round.columns.case,
      dataIndex: 'number',
      render: (n: string, c) => (
        <>
          <Link to={`/staff/cases/${c.caseId}`} data-case-number={n}>
            {n}
          </Link>
          <div style={{ wordBreak: 'break-word' }}>{c.title}</div>
        </>
      ),
    },
    { title: s.round.columns.unit, dataIndex: 'unitName', width: 140, render: (n: string | null) => n ?? '—' },
    { title: s.round.columns.closedAt, dataIndex: 'closedAt', width: 136, render: (v: string | null) => fmtTime(v) || '—' },
    {
      title: s.round.columns.visit,
      key: 'visit',
      width: 280,
      render: (_: unknown, c) => {
        const v = c.visit;
        if (!v) return <Typography.Text type="secondary">{s.round.noVisit}</Typography.Text>;
        const tag = (key: 'contacted' | 'solved' | 'satisfied') => (
          <Tag key={key} color={v[key] ? 'green' : 'orange'}>
            {s.round.visitTags[key]![v[key] ? 0 : 1]}
          </Tag>
        );
        return (
          <div data-testid="spot-visit">
            {tag('contacted')}
            {tag('solved')}
            {tag('satisfied')}
            <div>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {s.round.visitAt(s.visitMethods[v.method] ?? v.method, fmtTime(v.at))}
              </Typography.Text>
            </div>
            {v.note && <div className="xf-spot-note">{v.note}</div>}
          </div>
        );
      },
    },
    {
      title: s.round.columns.verdict,
      key: 'verdict',
      width: 200,
      render: (_: unknown, c) => (
        <div data-testid="spot-verdict" data-verdict={c.verdict}>
          <Tag color={VERDICT_COLORS[c.verdict]}>{s.round.verdicts[c.verdict] ?? c.verdict}</Tag>
          {c.verdict === 'sloppy' && c.deductedPoints !== null && (
            <Typography.Text type="danger" strong data-testid="spot-deduction">
              {s.round.deducted(c.deductedPoints)}
            </Typography.Text>
          )}
          {c.note && <div className="xf-spot-note">{c.note}</div>}
          {c.checkedAt && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {fmtTime(c.checkedAt)}
            </Typography.Text>
          )}
        </div>
      ),
    },
    ...(canCheck
      ? [
          {
            title: s.round.columns.actions,
            key: 'actions',
            width: 100,
            render: (_: unknown, c: SpotCheck) =>
              c.verdict !== 'pending' ? null : (
                <Space orientation="vertical" size={4}>
                  <Button size="small" onClick={() => setVisiting(c)} data-action="visit">
                    {c.visit ? s.round.editVisit : s.round.recordVisit}
                  </Button>
                  <Tooltip title={c.visit ? undefined : s.round.visitFirst}>
                    <Button size="small" type="primary" disabled={!c.visit} onClick={() => setJudging(c)} data-action="verdict">
                      {s.round.judge}
                    </Button>
                  </Tooltip>
                </Space>
              ),
          },
        ]
      : []),
  ];

  return (
    <section aria-labelledby="xf-spot-title">
      <Typography.Title level={4} id="xf-spot-title" style={{ marginTop: 0, marginBottom: 4 }}>
        {s.title}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{s.subtitle}</Typography.Paragraph>
      <Row gutter={12} style={{ marginBottom: 12 }}>
        {hasAnyRole(me, SETTINGS_READERS) && (
          <Col span={canCheck ? 12 : 24}>
            <SettingsCard settings={settings} editable={hasAnyRole(me, SETTINGS_WRITERS)} onSaved={setSettings} />
          </Col>
        )}
        {canCheck && (
          <Col span={12}>
            <DrawCard
              onDrawn={async (res) => {
                setDrawn(res); // said in the alert below, with the units' shares
                if (res.round === month) await refresh();
                else {
                  setParams({ month: res.round });
                  await loadRounds();
                }
              }}
            />
          </Col>
        )}
      </Row>
      {drawn && (
        <Alert
          type={drawn.added ? 'success' : 'info'}
          showIcon
          closable={{ onClose: () => setDrawn(null) }}
          style={{ marginBottom: 12 }}
          data-testid="draw-result"
          title={drawn.added ? s.draw.result(drawn.round, drawn.closed, drawn.added, drawn.seed) : s.draw.nothing(drawn.round)}
          description={
            drawn.units.length ? (
              <Table
                size="small"
                rowKey="unitId"
                pagination={false}
                style={{ maxWidth: 560, marginTop: 4 }}
                dataSource={drawn.units}
                columns={[
                  { title: s.draw.units.unit, dataIndex: 'unitName', render: (n: string | null) => n ?? '—' },
                  { title: s.draw.units.closed, dataIndex: 'closed', align: 'right', width: 90 },
                  { title: s.draw.units.target, dataIndex: 'target', align: 'right', width: 70 },
                  { title: s.draw.units.sampled, dataIndex: 'sampled', align: 'right', width: 70 },
                ]}
              />
            ) : undefined
          }
        />
      )}
      <Card size="small" title={s.rounds.title} style={{ marginBottom: 12 }}>
        <Table<RoundSummary>
          rowKey="round"
          size="small"
          loading={!rounds}
          columns={roundColumns}
          dataSource={rounds ?? []}
          pagination={{ pageSize: 6, hideOnSinglePage: true }}
          locale={{ emptyText: s.rounds.empty }}
          rowClassName={(r) => (r.round === month ? 'ant-table-row-selected' : '')}
          data-testid="spot-rounds"
        />
      </Card>
      <Card size="small" title={month ? s.round.title(month) : s.round.title(dayjs().format('YYYY-MM'))} data-testid="spot-round">
        {!month ? (
          <Typography.Text type="secondary">{s.round.pick}</Typography.Text>
        ) : (
          <>
            {!!detail?.draws.length && (
              <div style={{ marginBottom: 8 }}>
                <Typography.Text type="secondary">{s.round.draws}：</Typography.Text>
                {detail.draws.map((d) => (
                  <div key={d.at} style={{ fontSize: 12 }}>
                    <Typography.Text type="secondary">{s.round.drawLine(fmtTime(d.at), d.seed, percent(d.rate), d.closed, d.added)}</Typography.Text>
                  </div>
                ))}
              </div>
            )}
            <Table<SpotCheck>
              rowKey="id"
              size="small"
              loading={loadingRound}
              columns={checkColumns}
              dataSource={detail?.round === month ? detail.checks : []}
              pagination={{ pageSize: 50, hideOnSinglePage: true }}
              locale={{ emptyText: s.round.empty }}
              onRow={(c) => ({ 'data-row-number': c.number }) as React.HTMLAttributes<HTMLElement>}
              data-testid="spot-checks"
            />
          </>
        )}
      </Card>
      <VisitModal
        check={visiting}
        onClose={() => setVisiting(null)}
        onSaved={async (c) => {
          setVisiting(null);
          message.success(s.visitForm.saved(c.number));
          await refresh();
        }}
      />
      <VerdictModal
        check={judging}
        pointsPerSloppy={settings?.pointsPerSloppy}
        onClose={() => setJudging(null)}
        onSaved={async (c) => {
          setJudging(null);
          message.success(c.verdict === 'sloppy' ? s.verdictForm.savedSloppy(c.number, c.deductedPoints ?? 0) : s.verdictForm.savedOk(c.number));
          await refresh();
        }}
      />
    </section>
  );
}

interface SettingsValues {
  /** as a percentage, 0.1–100 (the server's `rate` is 0–1; its refusals name `rate`) */
  rate?: number | null;
  pointsPerSloppy?: number | null;
}

function SettingsCard({ settings, editable, onSaved }: { settings: SpotCheckSettings | undefined; editable: boolean; onSaved: (s: SpotCheckSettings) => void }) {
  const [form] = Form.useForm<SettingsValues>();
  const { message } = App.useApp();
  const fail = useFailure();
  const [busy, setBusy] = useState(false);
  const f = s.settings;

  useEffect(() => {
    if (settings) form.setFieldsValue({ rate: Number((settings.rate * 100).toFixed(2)), pointsPerSloppy: settings.pointsPerSloppy });
  }, [settings, form]);

  const save = async (v: SettingsValues) => {
    setBusy(true);
    try {
      const saved = await spotCheckApi.updateSettings({ rate: Number((v.rate! / 100).toFixed(6)), pointsPerSloppy: v.pointsPerSloppy! });
      onSaved(saved);
      message.success(f.saved);
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card size="small" title={f.title} style={{ height: '100%' }} data-testid="spot-settings">
      {!editable ? (
        <Typography.Paragraph style={{ margin: 0 }}>
          {settings ? f.readOnly(percent(settings.rate), settings.pointsPerSloppy) : t.common.loading} <Typography.Text type="secondary">{f.onlySupervisor}</Typography.Text>
        </Typography.Paragraph>
      ) : (
        <Form<SettingsValues> form={form} layout="vertical" name="spot-settings" onFinish={save} disabled={!settings} requiredMark={false}>
          <Space align="start" wrap>
            <Form.Item
              name="rate"
              label={f.rate.label}
              tooltip={f.rate.help}
              rules={[
                { required: true, message: f.rate.required },
                { type: 'number', min: 0.1, max: 100, message: f.rate.range },
              ]}
              style={{ marginBottom: 0 }}
            >
              <InputNumber min={0.1} max={100} step={1} precision={2} suffix="%" style={{ width: 130 }} />
            </Form.Item>
            <Form.Item
              name="pointsPerSloppy"
              label={f.points.label}
              rules={[
                { required: true, message: f.points.required },
                { type: 'number', min: 0, max: 100, message: f.points.range },
              ]}
              style={{ marginBottom: 0 }}
            >
              <InputNumber min={0} max={100} step={0.5} precision={1} style={{ width: 130 }} />
            </Form.Item>
            <Form.Item label=" " style={{ marginBottom: 0 }}>
              <Button htmlType="submit" icon={<SaveOutlined />} loading={busy}>
                {f.save}
              </Button>
            </Form.Item>
          </Space>
        </Form>
      )}
    </Card>
  );
}

interface DrawValues {
  month?: Dayjs | null;
  seed?: number | null;
}

function DrawCard({ onDrawn }: { onDrawn: (res: DrawResult) => void }) {
  const [form] = Form.useForm<DrawValues>();
  const fail = useFailure();
  const [busy, setBusy] = useState(false);
  const f = s.draw;

  const draw = async (v: DrawValues) => {
    setBusy(true);
    try {
      onDrawn(await spotCheckApi.draw({ month: v.month!.format('YYYY-MM'), ...(typeof v.seed === 'number' ? { seed: v.seed } : {}) }));
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card size="small" title={f.title} style={{ height: '100%' }} data-testid="spot-draw">
      <Form<DrawValues> form={form} layout="vertical" name="spot-draw" onFinish={draw} initialValues={{ month: dayjs() }} requiredMark={false}>
        <Space align="start" wrap>
          <Form.Item name="month" label={f.month.label} rules={[{ required: true, message: f.month.required }]} style={{ marginBottom: 0 }}>
            <DatePicker picker="month" allowClear={false} disabledDate={(d) => d.isAfter(dayjs(), 'month')} style={{ width: 130 }} />
          </Form.Item>
          <Form.Item name="seed" label={f.seed.label} tooltip={f.seed.help} rules={[{ type: 'integer', min: 0, max: 4_294_967_295, message: f.seed.range }]} style={{ marginBottom: 0 }}>
            <InputNumber min={0} max={4_294_967_295} precision={0} style={{ width: 150 }} />
          </Form.Item>
          <Form.Item label=" " style={{ marginBottom: 0 }}>
            <Button type="primary" htmlType="submit" icon={<ExperimentOutlined />} loading={busy}>
              {f.submit}
            </Button>
          </Form.Item>
        </Space>
        <Typography.Paragraph type="secondary" style={{ fontSize: 12, margin: '4px 0 0' }}>
          {f.hint}
        </Typography.Paragraph>
      </Form>
    </Card>
  );
}

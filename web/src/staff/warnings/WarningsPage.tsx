/**
 * /staff/warnings: 预警处置. The warnings in the user's scope (open first, urgent on top) with level,
 * kind and state filters; /staff/warnings/:id: one warning — what raised it, the cases behind it the
 * user may see, its course as a timeline, and the steps the server says he may take now, each a short
 * form (派单处置, 处置反馈, 反馈评估, 撤销, 备注).
 */
import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Card, Checkbox, DatePicker, Descriptions, Empty, Form, Input, Radio, Result, Select, Space, Table, Tabs, Tag, Timeline, Typography } from 'antd';
import type { TableProps } from 'antd';
import { ArrowLeftOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useFailure } from '../../api/use-failure';
import {
  WARNING_KINDS,
  WARNING_LEVELS,
  WARNING_STATES,
  warningApi,
  type AssigneeCandidate,
  type WarningCommand,
  type WarningCommandType,
  type WarningDetail,
  type WarningEvent,
  type WarningList,
  type WarningSummary,
} from '../../api/warnings';
import { t } from '../../i18n/zh-CN';
import { fmtTime } from '../format';
import { useUnits } from '../reference';
import { CASE_ROLES, hasAnyRole, useMe } from '../session';
import { UnitTreeSelect } from '../components';
import './warnings.css';

const s = t.warnings;

export function LevelTag({ level }: { level: string }) {
  return <Tag color={s.levelColors[level]}>{s.levels[level] ?? level}</Tag>;
}
export function WarningStateTag({ state }: { state: string }) {
  return <Tag color={s.stateColors[state]}>{s.states[state] ?? state}</Tag>;
}

export function WarningsPage() {
  const me = useMe();
  if (!hasAnyRole(me, CASE_ROLES)) return <Result status="403" title={s.noAccess} />;
  return <WarningsList />;
}

function WarningsList() {
  const fail = useFailure();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [data, setData] = useState<WarningList>();
  const [loading, setLoading] = useState(false);
  const filter = {
    state: (params.get('state') as WarningSummary['state']) || undefined,
    kind: (params.get('kind') as WarningSummary['kind']) || undefined,
    level: (params.get('level') as WarningSummary['level']) || undefined,
    open: params.get('open') === '0' ? undefined : true,
    page: Number(params.get('page')) || 1,
  };
  const key = params.toString();

  useEffect(() => {
    document.title = `${s.title} - ${t.common.appName}`;
  }, []);

  useEffect(() => {
    let live = true;
    setLoading(true);
    warningApi
      .list({ ...filter, pageSize: 20 })
      .then((d) => live && setData(d), (err: unknown) => live && fail(err))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the query string is the filter
  }, [key]);

  const set = (k: string, v: string | undefined) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    if (k !== 'page') next.delete('page');
    setParams(next);
  };

  const columns: TableProps<WarningSummary>['columns'] = [
    { title: s.columns.level, dataIndex: 'level', width: 76, render: (l: string) => <LevelTag level={l} /> },
    { title: s.columns.number, dataIndex: 'number', width: 150, render: (n: string, w) => <Link to={`/staff/warnings/${w.id}`}>{n}</Link> },
    { title: s.columns.kind, dataIndex: 'kind', width: 96, render: (k: string) => s.kinds[k] ?? k },
    { title: s.columns.title, dataIndex: 'title', ellipsis: true },
    { title: s.columns.units, key: 'units', width: 160, ellipsis: true, render: (_: unknown, w) => w.units.map((u) => u.name).join('、') },
    { title: s.columns.assignee, key: 'assignee', width: 110, render: (_: unknown, w) => w.assignee?.name ?? '' },
    { title: s.columns.state, dataIndex: 'state', width: 86, render: (st: string) => <WarningStateTag state={st} /> },
    { title: s.columns.dueAt, dataIndex: 'dueAt', width: 140, render: (d: string | null) => fmtTime(d) },
    { title: s.columns.raisedAt, dataIndex: 'raisedAt', width: 140, render: (d: string) => fmtTime(d) },
  ];

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <div>
        <Typography.Title level={3} style={{ marginBottom: 4 }}>
          {s.title}
        </Typography.Title>
        <Typography.Text type="secondary">{s.subtitle}</Typography.Text>
      </div>
      <Space wrap>
        <Select aria-label={s.filters.level} style={{ width: 120 }} allowClear placeholder={s.filters.level} value={filter.level} onChange={(v) => set('level', v)}
          options={WARNING_LEVELS.map((l) => ({ value: l, label: s.levels[l] }))} />
        <Select aria-label={s.filters.kind} style={{ width: 140 }} allowClear placeholder={s.filters.kind} value={filter.kind} onChange={(v) => set('kind', v)}
          options={WARNING_KINDS.map((k) => ({ value: k, label: s.kinds[k] }))} />
        <Select aria-label={s.filters.state} style={{ width: 120 }} allowClear placeholder={s.filters.state} value={filter.state} onChange={(v) => set('state', v)}
          options={WARNING_STATES.map((st) => ({ value: st, label: s.states[st] }))} />
        <Checkbox checked={filter.open === true} onChange={(e) => set('open', e.target.checked ? undefined : '0')}>
          {s.filters.open}
        </Checkbox>
      </Space>
      <Table<WarningSummary>
        rowKey="id"
        size="middle"
        loading={loading}
        columns={columns}
        dataSource={data?.items}
        locale={{ emptyText: <Empty description={s.empty} /> }}
        rowClassName={(w) => (w.level === 'urgent' && w.state !== 'withdrawn' && w.state !== 'assessed' ? 'xf-warning-urgent' : '')}
        onRow={(w) => ({ onDoubleClick: () => navigate(`/staff/warnings/${w.id}`) })}
        pagination={{ current: filter.page, pageSize: 20, total: data?.total ?? 0, showSizeChanger: false, onChange: (p) => set('page', String(p)) }}
      />
    </Space>
  );
}

export function WarningPage() {
  const { id = '' } = useParams();
  const fail = useFailure();
  const [w, setW] = useState<WarningDetail | null>(null);
  const [missing, setMissing] = useState(false);

  const load = useCallback(async () => {
    try {
      setW(await warningApi.get(id));
    } catch (err) {
      if ((err as { code?: string }).code === 'WARNING_NOT_FOUND') setMissing(true);
      else fail(err);
    }
  }, [id, fail]);
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    if (w) document.title = `${w.number} ${s.title} - ${t.common.appName}`;
  }, [w]);

  if (missing) return <Result status="404" title={t.common.notFound} extra={<Link to="/staff/warnings">{s.detail.back}</Link>} />;
  if (!w) return <Card loading />;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/staff/warnings">
        <ArrowLeftOutlined /> {s.detail.back}
      </Link>
      <Card
        title={
          <Space wrap>
            <LevelTag level={w.level} />
            <span>{w.number}</span>
            <Tag>{s.kinds[w.kind] ?? w.kind}</Tag>
            <WarningStateTag state={w.state} />
          </Space>
        }
      >
        <Typography.Title level={4} style={{ marginTop: 0 }} data-testid="warning-title">
          {w.title}
        </Typography.Title>
        {w.level === 'urgent' && w.state === 'raised' && <Alert type="error" showIcon title={w.detail} style={{ marginBottom: 12 }} />}
        <Descriptions column={{ xs: 1, md: 2 }} size="small" bordered>
          <Descriptions.Item label={s.detail.detail} span={2}>{w.detail}</Descriptions.Item>
          <Descriptions.Item label={s.detail.units}>{w.units.map((u) => u.name).join('、')}</Descriptions.Item>
          <Descriptions.Item label={s.detail.raisedAt}>{fmtTime(w.raisedAt)}</Descriptions.Item>
          <Descriptions.Item label={s.detail.assignee}>{w.assignee?.name ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={s.detail.dispatchedUnit}>{w.dispatchedUnit?.name ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={s.detail.dueAt}>{fmtTime(w.dueAt) || '—'}</Descriptions.Item>
          {w.closedAt && <Descriptions.Item label={s.detail.closedAt}>{fmtTime(w.closedAt)}</Descriptions.Item>}
        </Descriptions>
      </Card>
      <Card title={s.detail.cases} size="small">
        {w.cases.length === 0 && !w.hiddenCaseCount ? (
          <Typography.Text type="secondary">{s.detail.noCases}</Typography.Text>
        ) : (
          <Space orientation="vertical">
            {w.cases.map((c) => (
              <Link key={c.id} to={`/staff/cases/${c.id}`}>
                {c.number} {c.title}
              </Link>
            ))}
            {w.hiddenCaseCount > 0 && <Typography.Text type="secondary">{s.detail.hiddenCases(w.hiddenCaseCount)}</Typography.Text>}
          </Space>
        )}
      </Card>
      <Card title={s.detail.actions} size="small">
        {w.allowed.length === 0 ? <Typography.Text type="secondary">{s.detail.noActions}</Typography.Text> : <Actions warning={w} onDone={setW} />}
      </Card>
      <Card title={s.detail.course} size="small">
        <Timeline items={w.events.map((e) => ({ color: e.type === 'warning.raised' ? 'red' : e.type === 'warning.withdrawn' ? 'gray' : 'blue', content: <EventLine e={e} /> }))} />
      </Card>
    </Space>
  );
}

function EventLine({ e }: { e: WarningEvent }) {
  const d = e.data;
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : '');
  let text = '';
  if (e.type === 'warning.dispatched') text = s.eventText.dispatched(str('unitName'), str('assigneeName'), fmtTime(str('dueAt'))) + (str('instructions') ? `；${str('instructions')}` : '');
  else if (e.type === 'warning.assessed') text = `${str('outcome') === 'return' ? s.eventText.assessedReturn : s.eventText.assessedAccept}：${str('text')}`;
  else if (e.type === 'warning.withdrawn') text = str('reason');
  else if (e.type === 'warning.note' && str('about') === 'cases_linked')
    text = [s.eventText.casesLinked(Array.isArray(d.caseIds) ? d.caseIds.length : 0), str('levelTo') ? s.eventText.levelUp(s.levels[str('levelTo')] ?? '') : ''].filter(Boolean).join('，');
  else text = str('text') || str('title');
  return (
    <div>
      <Space size="small" wrap>
        <strong>{s.events[e.type] ?? e.type}</strong>
        <Typography.Text type="secondary">{fmtTime(e.at)}</Typography.Text>
        <Typography.Text type="secondary">{e.actor?.name ?? s.detail.system}</Typography.Text>
      </Space>
      {text && <div style={{ whiteSpace: 'pre-wrap' }}>{text}</div>}
    </div>
  );
}

function Actions({ warning, onDone }: { warning: WarningDetail; onDone: (w: WarningDetail) => void }) {
  const [active, setActive] = useState<WarningCommandType>(warning.allowed[0]!);
  useEffect(() => {
    if (!warning.allowed.includes(active)) setActive(warning.allowed[0]!);
  }, [warning.allowed, active]);
  return (
    <Tabs
      activeKey={active}
      onChange={(k) => setActive(k as WarningCommandType)}
      items={warning.allowed.map((c) => ({ key: c, label: s.commands[c] ?? c, children: <CommandForm key={`${c}-${warning.events.length}`} type={c} warning={warning} onDone={onDone} /> }))}
    />
  );
}

interface FormValues {
  unitId?: string;
  assigneeId?: string;
  dueAt?: Dayjs;
  instructions?: string;
  text?: string;
  outcome?: 'accept' | 'return';
  reason?: string;
}

function CommandForm({ type, warning, onDone }: { type: WarningCommandType; warning: WarningDetail; onDone: (w: WarningDetail) => void }) {
  const me = useMe();
  const units = useUnits();
  const fail = useFailure();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [busy, setBusy] = useState(false);
  const [people, setPeople] = useState<AssigneeCandidate[]>();
  const unitId = Form.useWatch('unitId', form);
  const f = s.form;

  useEffect(() => {
    if (type !== 'dispatch' || !unitId) return setPeople(undefined);
    let live = true;
    form.setFieldValue('assigneeId', undefined);
    warningApi.assignees(unitId, warning.id).then((p) => live && setPeople(p), (err: unknown) => live && fail(err));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reload when the unit changes
  }, [type, unitId]);

  const submit = async (v: FormValues) => {
    const c: WarningCommand =
      type === 'dispatch'
        ? { type, unitId: v.unitId!, assigneeId: v.assigneeId!, dueAt: v.dueAt!.toISOString(), ...(v.instructions ? { instructions: v.instructions } : {}) }
        : type === 'assess'
          ? { type, outcome: v.outcome ?? 'accept', text: v.text! }
          : type === 'withdraw'
            ? { type, reason: v.reason! }
            : { type, text: v.text! };
    setBusy(true);
    try {
      onDone(await warningApi.command(warning.id, c));
      message.success(f.done);
      form.resetFields();
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form form={form} layout="vertical" onFinish={submit} style={{ maxWidth: 560 }} initialValues={{ outcome: 'accept', dueAt: dayjs().add(warning.level === 'urgent' ? 1 : 3, 'day') }}>
      {type === 'dispatch' && (
        <>
          <Form.Item name="unitId" label={f.unit.label} rules={[{ required: true, message: f.unit.required }]}>
            <UnitTreeSelect units={units} rootId={me.scopeUnitId} aria-label={f.unit.label} />
          </Form.Item>
          <Form.Item name="assigneeId" label={f.assignee.label} rules={[{ required: true, message: f.assignee.required }]}>
            <Select
              aria-label={f.assignee.label}
              disabled={!unitId}
              placeholder={unitId ? undefined : f.assignee.pickUnitFirst}
              loading={!!unitId && !people}
              showSearch={{ optionFilterProp: 'label' }}
              options={(people ?? []).map((p) => ({ value: p.id, label: `${p.displayName}（${p.unitName}）` }))}
            />
          </Form.Item>
          <Form.Item name="dueAt" label={f.dueAt.label} rules={[{ required: true, message: f.dueAt.required }]}>
            <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" disabledDate={(d) => d.isBefore(dayjs(), 'day')} />
          </Form.Item>
          <Form.Item name="instructions" label={f.instructions.label}>
            <Input.TextArea rows={2} maxLength={2000} />
          </Form.Item>
        </>
      )}
      {type === 'feed_back' && (
        <Form.Item name="text" label={f.feedBack.label} rules={[{ required: true, whitespace: true, message: f.feedBack.required }]}>
          <Input.TextArea rows={3} maxLength={4000} />
        </Form.Item>
      )}
      {type === 'assess' && (
        <>
          <Form.Item name="outcome" label={f.outcome.label}>
            <Radio.Group options={[{ value: 'accept', label: f.outcome.accept }, { value: 'return', label: f.outcome.return }]} />
          </Form.Item>
          <Form.Item name="text" label={f.assessText.label} rules={[{ required: true, whitespace: true, message: f.assessText.required }]}>
            <Input.TextArea rows={3} maxLength={4000} />
          </Form.Item>
        </>
      )}
      {type === 'withdraw' && (
        <Form.Item name="reason" label={f.reason.label} extra={f.reason.help} rules={[{ required: true, whitespace: true, message: f.reason.required }]}>
          <Input.TextArea rows={2} maxLength={2000} />
        </Form.Item>
      )}
      {type === 'note' && (
        <Form.Item name="text" label={f.note.label} rules={[{ required: true, whitespace: true, message: f.note.required }]}>
          <Input.TextArea rows={2} maxLength={4000} />
        </Form.Item>
      )}
      <Button type="primary" htmlType="submit" loading={busy} danger={type === 'withdraw'}>
        {s.commands[type] ?? f.submit}
      </Button>
    </Form>
  );
}

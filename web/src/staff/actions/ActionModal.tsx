/**
 * One lifecycle command as a short form in a modal. Only commands the server lists in the case's
 * `abilities` are offered; the body sent is exactly the command's schema (src/http/schemas.ts).
 * A refusal by the server keeps the modal open with what was typed, the message next to the field.
 */
import { useRef, useState } from 'react';
import { App, Alert, Button, Checkbox, DatePicker, Form, Input, InputNumber, Modal, Radio, Select, Space, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { api, ApiError, qs } from '../../api/client';
import { t } from '../../i18n/zh-CN';
import { UnitTreeSelect } from '../components';
import { applyServerError } from '../../api/form-errors';
import { useFailure } from '../../api/use-failure';
import type { CaseDetail, CaseList, Me, Unit } from '../types';

const a = t.staff.actions;
const MAX_EXTENSION_DAYS = 30; // Art. 34: one extension of at most 30 days (transitions.ts)

/** Commands this modal knows how to ask for; anything else the server may list is not offered. */
export const SUPPORTED_COMMANDS = [
  'accept',
  'refuse',
  'answer_on_spot',
  'dispatch',
  'sign',
  'object',
  'redispatch',
  'reject_objection',
  'escalate',
  'start_hearing',
  'end_hearing',
  'record_mediation',
  'refer_joint_meeting',
  'note',
  'contact_log',
  'request_extension',
  'approve_extension',
  'reject_extension',
  'reply',
  'return_visit',
  'close',
  'rework',
  'request_review',
  'review_opinion',
  'request_re_review',
  're_review_opinion',
  'finalize',
  'merge',
  'split',
  'withdraw',
  'take_ownership',
  'chase',
  'supervise',
  'supervision_reply',
] as const;

type Values = Record<string, any>;

interface Props {
  command: string | null;
  label: string;
  detail: CaseDetail;
  me: Me;
  units: Unit[] | undefined;
  onClose: () => void;
  onDone: (command: string) => void;
}

const opt = (labels: Record<string, string>) => Object.entries(labels).map(([value, label]) => ({ value, label }));
const reasonRule = [{ required: true, whitespace: true, message: a.reasonRequired }];

export function ActionModal(props: Props) {
  const { command, label, onClose } = props;
  const bodyRef = useRef<HTMLDivElement>(null);
  const focusFirst = (open: boolean) => {
    if (!open) return;
    const el = bodyRef.current?.querySelector<HTMLElement>('input:not([type=hidden]):not([disabled]), textarea, button[type=submit]');
    el?.focus();
  };
  const wide = command === 'split' || command === 'reply' || command === 'review_opinion' || command === 're_review_opinion';
  return (
    <Modal open={!!command} title={label} onCancel={onClose} footer={null} destroyOnHidden mask={{ closable: false }} width={wide ? 720 : 560} afterOpenChange={focusFirst}>
      <div ref={bodyRef} data-command={command ?? ''}>
        {command && <ActionForm key={command} {...props} command={command} />}
      </div>
    </Modal>
  );
}

function ActionForm({ command, label, detail, me, units, onClose, onDone }: Props & { command: string }) {
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [mergeTarget, setMergeTarget] = useState<{ id: string; number: string; title: string } | null>(null);
  const { message } = App.useApp();
  const fail = useFailure();
  const leadUnitId = Form.useWatch('leadUnitId', form) as string | undefined;

  const escalateTo = (() => {
    if (command !== 'escalate' || !units || !detail.leadUnit) return null;
    const lead = units.find((u) => u.id === detail.leadUnit!.id);
    return lead?.parentId ? units.find((u) => u.id === lead.parentId) ?? null : null;
  })();

  const lookupMerge = async (): Promise<{ id: string; number: string; title: string } | null> => {
    const number = String(form.getFieldValue('mergeNumber') ?? '').trim().toUpperCase();
    if (!number) {
      form.setFields([{ name: 'mergeNumber', errors: [a.mergeTargetRequired] }]);
      return null;
    }
    if (number === detail.number) {
      form.setFields([{ name: 'mergeNumber', errors: [a.mergeSelf] }]);
      return null;
    }
    try {
      const found = await api.get<CaseList>('/api/cases' + qs({ q: number, limit: 5 }));
      const hit = found.items.find((c) => c.number === number);
      if (!hit) {
        setMergeTarget(null);
        form.setFields([{ name: 'mergeNumber', errors: [a.mergeNotFound] }]);
        return null;
      }
      const target = { id: hit.id, number: hit.number, title: hit.title };
      setMergeTarget(target);
      form.setFields([{ name: 'mergeNumber', errors: [] }]);
      return target;
    } catch (err) {
      fail(err);
      return null;
    }
  };

  const submit = async (v: Values) => {
    let body: Values;
    if (command === 'merge') {
      const target = mergeTarget && mergeTarget.number === String(v.mergeNumber).trim().toUpperCase() ? mergeTarget : await lookupMerge();
      if (!target) return;
      body = { type: 'merge', intoCaseId: target.id, ...(v.reason?.trim() ? { reason: v.reason } : {}) };
    } else if (command === 'escalate') {
      if (!escalateTo) return;
      body = { type: 'escalate', toUnitId: escalateTo.id, reason: v.reason };
    } else body = bodyOf(command, v);
    setBusy(true);
    setNotice(null);
    try {
      await api.post(`/api/cases/${detail.id}/commands`, body);
      message.success(t.staff.case.actionDone(label));
      onDone(command);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return fail(err);
      const stray = applyServerError(form, err, undefined, { intoCaseId: 'mergeNumber', toUnitId: 'reason' });
      const text = err instanceof ApiError ? err.message : t.common.networkError;
      setNotice(stray && stray.length ? `${text}（${stray.join('；')}）` : text);
    } finally {
      setBusy(false);
    }
  };

  const scopeRoot = me.scopeUnitId;
  const suggestedUnit = command === 'dispatch' ? suggestedLeadUnit(detail, units, scopeRoot) : undefined;
  const opinionField = (
    <Form.Item name="opinion" label={a.opinion} rules={[{ required: true, message: a.opinionRequired }]}>
      <Radio.Group options={opt(t.common.opinions)} optionType="button" />
    </Form.Item>
  );
  const unitFields = (
    <>
      <Form.Item name="leadUnitId" label={a.leadUnit} rules={[{ required: true, message: a.leadUnitRequired }]}>
        <UnitTreeSelect units={units} rootId={scopeRoot} placeholder={a.unitSearch} aria-label={a.leadUnit} />
      </Form.Item>
      <Form.Item name="assistUnitIds" label={a.assistUnits}>
        <UnitTreeSelect units={units} rootId={scopeRoot} multiple placeholder={a.unitSearch} disabledIds={leadUnitId ? [leadUnitId] : []} aria-label={a.assistUnits} />
      </Form.Item>
    </>
  );
  const reasonField = (rows = 3, name = 'reason', text = a.reason) => (
    <Form.Item name={name} label={text} rules={reasonRule}>
      <Input.TextArea rows={rows} maxLength={2000} showCount />
    </Form.Item>
  );

  const fields = (() => {
    switch (command) {
      case 'accept':
        return (
          <Form.Item name="note" label={a.note}>
            <Input.TextArea rows={2} maxLength={2000} />
          </Form.Item>
        );
      case 'refuse':
        return (
          <>
            <Form.Item name="legalChannel" label={a.legalChannel} rules={[{ required: true, message: a.legalChannelRequired }]}>
              <Select options={opt(t.staff.legalChannels)} />
            </Form.Item>
            {reasonField()}
          </>
        );
      case 'answer_on_spot':
        return (
          <Form.Item name="answer" label={a.answer} rules={[{ required: true, whitespace: true, message: a.answerRequired }]}>
            <Input.TextArea rows={5} maxLength={5000} showCount />
          </Form.Item>
        );
      case 'dispatch':
        return (
          <>
            {suggestedUnit && leadUnitId === suggestedUnit && (
              <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 8 }} data-testid="lead-unit-suggested">
                {t.intelligence.routingPrefilled}
              </Typography.Paragraph>
            )}
            {unitFields}
            <Form.Item name="instructions" label={a.instructions}>
              <Input.TextArea rows={3} maxLength={2000} />
            </Form.Item>
          </>
        );
      case 'redispatch':
        return (
          <>
            {unitFields}
            {reasonField()}
          </>
        );
      case 'refer_joint_meeting':
        return (
          <>
            <Form.Item name="attendees" label={a.attendees} rules={[{ required: true, type: 'array', min: 1, message: a.attendeesRequired }]}>
              <Select mode="tags" open={false} tokenSeparators={[',', '，', '、']} suffixIcon={null} />
            </Form.Item>
            <Form.Item name="decisions" label={a.decisions} rules={[{ required: true, whitespace: true, message: a.decisionsRequired }]}>
              <Input.TextArea rows={3} maxLength={5000} />
            </Form.Item>
            {unitFields}
          </>
        );
      case 'sign':
        return <Typography.Paragraph>{a.confirmSign}</Typography.Paragraph>;
      case 'escalate':
        return (
          <>
            <Form.Item label={a.escalateTo}>
              {escalateTo ? <Typography.Text strong>{escalateTo.name}</Typography.Text> : <Typography.Text type="danger">{a.escalateNoParent}</Typography.Text>}
            </Form.Item>
            {reasonField()}
          </>
        );
      case 'start_hearing':
        return (
          <>
            <Form.Item name="place" label={a.place}>
              <Input maxLength={200} />
            </Form.Item>
            <Form.Item name="note" label={a.note}>
              <Input.TextArea rows={2} maxLength={2000} />
            </Form.Item>
          </>
        );
      case 'end_hearing':
        return (
          <Form.Item name="conclusion" label={a.conclusion} rules={[{ required: true, whitespace: true, message: a.conclusionRequired }]}>
            <Input.TextArea rows={4} maxLength={5000} />
          </Form.Item>
        );
      case 'record_mediation':
        return (
          <>
            <Form.Item name="mediator" label={a.mediator} rules={[{ required: true, whitespace: true, message: a.mediatorRequired }]}>
              <Input maxLength={100} />
            </Form.Item>
            <Form.Item name="outcome" label={a.outcome} rules={[{ required: true, message: a.outcome }]}>
              <Radio.Group options={opt(t.staff.mediationOutcomes)} />
            </Form.Item>
            <Form.Item noStyle dependencies={['outcome']}>
              {({ getFieldValue }) => (
                <Form.Item
                  name="agreement"
                  label={a.agreement}
                  rules={[{ required: getFieldValue('outcome') === 'agreement', whitespace: true, message: a.agreementRequired }]}
                >
                  <Input.TextArea rows={3} maxLength={5000} />
                </Form.Item>
              )}
            </Form.Item>
          </>
        );
      case 'note':
        return (
          <Form.Item name="text" label={a.text} rules={[{ required: true, whitespace: true, message: a.textRequired }]}>
            <Input.TextArea rows={4} maxLength={5000} showCount />
          </Form.Item>
        );
      case 'contact_log':
        return (
          <>
            <Form.Item name="method" label={a.method} rules={[{ required: true, message: a.methodRequired }]}>
              <Radio.Group options={opt(t.staff.contactMethods)} optionType="button" />
            </Form.Item>
            <Form.Item name="summary" label={a.summary} rules={[{ required: true, whitespace: true, message: a.summaryRequired }]}>
              <Input.TextArea rows={3} maxLength={5000} />
            </Form.Item>
            <Form.Item name="reached" valuePropName="checked">
              <Checkbox>{a.reached}</Checkbox>
            </Form.Item>
          </>
        );
      case 'request_extension':
        return (
          <>
            <Form.Item name="days" label={a.days} extra={a.daysHint(MAX_EXTENSION_DAYS)} rules={[{ required: true, message: a.daysRequired }]}>
              <InputNumber min={1} max={MAX_EXTENSION_DAYS} precision={0} style={{ width: 140 }} />
            </Form.Item>
            {reasonField()}
          </>
        );
      case 'approve_extension':
        return (
          <>
            <Form.Item name="days" label={a.days} extra={a.approveDaysHint(requestedDays(detail))} rules={[{ required: true, message: a.daysRequired }]}>
              <InputNumber min={1} max={requestedDays(detail) ?? MAX_EXTENSION_DAYS} precision={0} style={{ width: 140 }} />
            </Form.Item>
            <Form.Item name="note" label={a.note}>
              <Input.TextArea rows={2} maxLength={2000} />
            </Form.Item>
          </>
        );
      case 'reply':
      case 'review_opinion':
      case 're_review_opinion':
        return (
          <>
            <Form.Item label={a.template}>
              <Select
                aria-label={a.template}
                placeholder={a.templatePlaceholder}
                options={t.staff.replyTemplates.map((tpl) => ({ value: tpl.key, label: tpl.label }))}
                onChange={(key: string) => {
                  const tpl = t.staff.replyTemplates.find((x) => x.key === key);
                  if (tpl) form.setFieldsValue({ opinion: tpl.opinion, text: tpl.text(detail.title) });
                }}
              />
            </Form.Item>
            {opinionField}
            <Form.Item name="text" label={a.replyText} rules={[{ required: true, whitespace: true, message: a.replyTextRequired }]}>
              <Input.TextArea rows={8} maxLength={20000} showCount />
            </Form.Item>
          </>
        );
      case 'return_visit':
        return (
          <>
            <Form.Item name="method" label={a.method} rules={[{ required: true, message: a.methodRequired }]}>
              <Radio.Group options={opt(t.staff.visitMethods)} optionType="button" />
            </Form.Item>
            <Space size="large">
              <Form.Item name="contacted" valuePropName="checked">
                <Checkbox>{a.contacted}</Checkbox>
              </Form.Item>
              <Form.Item name="solved" valuePropName="checked">
                <Checkbox>{a.solved}</Checkbox>
              </Form.Item>
              <Form.Item name="satisfied" valuePropName="checked">
                <Checkbox>{a.satisfied}</Checkbox>
              </Form.Item>
            </Space>
            <Form.Item name="note" label={a.note}>
              <Input.TextArea rows={2} maxLength={2000} />
            </Form.Item>
          </>
        );
      case 'close':
        return (
          <Form.Item name="summary" label={a.closeSummary}>
            <Input.TextArea rows={3} maxLength={5000} />
          </Form.Item>
        );
      case 'rework':
        return (
          <>
            <Typography.Paragraph type="secondary">{a.reworkHint}</Typography.Paragraph>
            {reasonField()}
          </>
        );
      case 'finalize':
        return (
          <>
            <Typography.Paragraph type="secondary">{a.finalizeHint}</Typography.Paragraph>
            {reasonField()}
          </>
        );
      case 'withdraw':
        return (
          <>
            <Typography.Paragraph type="secondary">{a.withdrawHint}</Typography.Paragraph>
            {reasonField()}
          </>
        );
      case 'object':
      case 'reject_objection':
      case 'reject_extension':
      case 'request_review':
      case 'request_re_review':
        return reasonField();
      case 'take_ownership':
        return (
          <>
            <Typography.Paragraph type="secondary">{a.takeOwnershipHint}</Typography.Paragraph>
            <Form.Item name="note" label={a.note}>
              <Input.TextArea rows={2} maxLength={2000} />
            </Form.Item>
          </>
        );
      case 'chase':
      case 'supervise':
        return (
          <>
            <Typography.Paragraph type="secondary">{a.chaseHint}</Typography.Paragraph>
            {reasonField()}
            <Form.Item
              name="replyDueAt"
              label={a.replyDueAt}
              rules={[
                { required: true, message: a.replyDueAtRequired },
                { validator: async (_r, v?: Dayjs) => { if (v && !v.isAfter(dayjs())) throw new Error(a.replyDueAtPast); } },
              ]}
            >
              <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" disabledDate={(d) => d.isBefore(dayjs().startOf('day'))} style={{ width: '100%' }} />
            </Form.Item>
            {command === 'supervise' && (
              <Form.Item name="listed" valuePropName="checked">
                <Checkbox>{a.listed}</Checkbox>
              </Form.Item>
            )}
          </>
        );
      case 'supervision_reply': {
        const open = detail.supervisions.filter((x) => !x.repliedAt);
        return (
          <>
            <Form.Item name="supervisionId" label={a.supervision} rules={[{ required: true, message: a.supervisionRequired }]}>
              <Select
                options={open.map((x) => ({
                  value: x.id,
                  label: `${t.staff.supervision.kinds[x.kind] ?? x.kind}：${x.reason}（${t.staff.supervision.due} ${dayjs(x.replyDueAt).format('YYYY-MM-DD HH:mm')}）`,
                }))}
              />
            </Form.Item>
            <Form.Item name="text" label={a.supervisionReply} rules={[{ required: true, whitespace: true, message: a.supervisionReplyRequired }]}>
              <Input.TextArea rows={4} maxLength={5000} showCount />
            </Form.Item>
          </>
        );
      }
      case 'merge':
        return (
          <>
            <Form.Item label={a.mergeTarget} required>
              <Space.Compact style={{ width: '100%' }}>
                <Form.Item name="mergeNumber" noStyle rules={[{ required: true, whitespace: true, message: a.mergeTargetRequired }]}>
                  <Input placeholder="YH-2026-000123" maxLength={40} onChange={() => setMergeTarget(null)} aria-label={a.mergeTarget} />
                </Form.Item>
                <Button onClick={() => void lookupMerge()}>{a.mergeLookup}</Button>
              </Space.Compact>
              <Form.Item shouldUpdate noStyle>
                {() => {
                  const errs = form.getFieldError('mergeNumber');
                  return errs.length ? <div className="ant-form-item-explain-error" role="alert">{errs[0]}</div> : null;
                }}
              </Form.Item>
            </Form.Item>
            {mergeTarget && <Alert type="info" showIcon title={a.mergeFound(mergeTarget.number, mergeTarget.title)} style={{ marginBottom: 16 }} />}
            <Form.Item name="reason" label={a.reason}>
              <Input.TextArea rows={2} maxLength={2000} />
            </Form.Item>
          </>
        );
      case 'split':
        return (
          <Form.List
            name="parts"
            rules={[
              {
                validator: async (_r, parts?: unknown[]) => {
                  if (!parts || parts.length < 2) throw new Error(a.partsMin);
                },
              },
            ]}
          >
            {(list, { add, remove }, { errors }) => (
              <>
                {list.map((field, i) => (
                  <div key={field.key} style={{ border: '1px solid #f0f0f0', borderRadius: 6, padding: '12px 12px 0', marginBottom: 12 }}>
                    <Space style={{ display: 'flex', justifyContent: 'space-between', marginBottom: 8 }}>
                      <Typography.Text strong>
                        {a.parts} {i + 1}
                      </Typography.Text>
                      {list.length > 2 && (
                        <Button type="text" size="small" icon={<MinusCircleOutlined />} onClick={() => remove(field.name)}>
                          {a.removePart}
                        </Button>
                      )}
                    </Space>
                    <Form.Item name={[field.name, 'title']} label={a.partTitle} rules={[{ required: true, whitespace: true, min: 2, message: t.staff.intake.titleMin }]}>
                      <Input maxLength={100} />
                    </Form.Item>
                    <Form.Item name={[field.name, 'content']} label={a.partContent} rules={[{ required: true, whitespace: true, min: 5, message: t.staff.intake.contentMin }]}>
                      <Input.TextArea rows={2} maxLength={10000} />
                    </Form.Item>
                  </div>
                ))}
                {list.length < 10 && (
                  <Button type="dashed" onClick={() => add({ title: '', content: '' })} icon={<PlusOutlined />} block>
                    {a.addPart}
                  </Button>
                )}
                <Form.ErrorList errors={errors} />
              </>
            )}
          </Form.List>
        );
      default:
        return null;
    }
  })();

  const danger = command === 'refuse' || command === 'withdraw' || command === 'finalize' || command === 'merge';
  return (
    <Form
      form={form}
      layout="vertical"
      onFinish={submit}
      initialValues={command === 'dispatch' ? { leadUnitId: suggestedUnit } : initialValues(command, detail)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          form.submit();
        }
      }}
    >
      {notice && <Alert type="error" showIcon title={notice} style={{ marginBottom: 16 }} role="alert" />}
      {fields}
      <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8, marginTop: 8 }}>
        <Button onClick={onClose}>{a.cancel}</Button>
        <Button type="primary" danger={danger} htmlType="submit" loading={busy} disabled={command === 'escalate' && !escalateTo}>
          {label}
        </Button>
      </div>
    </Form>
  );
}

/** The lead unit the routing model suggested at intake, if it is an active unit in the user's scope. */
function suggestedLeadUnit(detail: CaseDetail, units: Unit[] | undefined, scopeRoot: string): string | undefined {
  const id = detail.intelligence?.routing?.unit?.id;
  const root = units?.find((u) => u.id === scopeRoot);
  const unit = id ? units?.find((u) => u.id === id) : undefined;
  return unit && root && unit.path.startsWith(root.path) ? unit.id : undefined;
}

function requestedDays(detail: CaseDetail): number | null {
  const ev = [...detail.timeline].reverse().find((e) => e.type === 'case.extension_requested');
  const d = ev?.data.days;
  return typeof d === 'number' ? d : null;
}

function initialValues(command: string, detail: CaseDetail): Values {
  switch (command) {
    case 'contact_log':
      return { method: 'phone', reached: true };
    case 'return_visit':
      return { method: 'phone', contacted: true, solved: true, satisfied: true };
    case 'record_mediation':
      return { outcome: 'agreement' };
    case 'approve_extension':
      return { days: requestedDays(detail) ?? undefined };
    case 'split':
      return { parts: [{ title: '', content: '' }, { title: '', content: '' }] };
    case 'redispatch':
      return { leadUnitId: undefined, assistUnitIds: [] };
    case 'chase':
    case 'supervise':
      // three days, at the end of the office day
      return { replyDueAt: dayjs().add(3, 'day').hour(17).minute(30).second(0).millisecond(0) };
    case 'supervision_reply': {
      const open = detail.supervisions.filter((x) => !x.repliedAt);
      return { supervisionId: open.length === 1 ? open[0]!.id : undefined };
    }
    default:
      return {};
  }
}

/** Given the form's values, returns the command body (optional empty texts left out). */
function bodyOf(command: string, v: Values): Values {
  const optional = (s: unknown) => (typeof s === 'string' && s.trim() ? s : undefined);
  switch (command) {
    case 'accept':
      return { type: command, note: optional(v.note) };
    case 'dispatch':
      return { type: command, leadUnitId: v.leadUnitId, assistUnitIds: v.assistUnitIds ?? [], instructions: optional(v.instructions) };
    case 'redispatch':
      return { type: command, leadUnitId: v.leadUnitId, assistUnitIds: v.assistUnitIds ?? [], reason: v.reason };
    case 'refer_joint_meeting':
      return { type: command, attendees: (v.attendees ?? []).map((x: string) => x.trim()).filter(Boolean), decisions: v.decisions, leadUnitId: v.leadUnitId, assistUnitIds: v.assistUnitIds ?? [] };
    case 'sign':
      return { type: command };
    case 'start_hearing':
      return { type: command, place: optional(v.place), note: optional(v.note) };
    case 'record_mediation':
      return { type: command, mediator: v.mediator, outcome: v.outcome, agreement: optional(v.agreement) };
    case 'contact_log':
      return { type: command, method: v.method, summary: v.summary, reached: !!v.reached };
    case 'request_extension':
      return { type: command, days: v.days, reason: v.reason };
    case 'approve_extension':
      return { type: command, days: v.days, note: optional(v.note) };
    case 'return_visit':
      return { type: command, method: v.method, contacted: !!v.contacted, solved: !!v.solved, satisfied: !!v.satisfied, note: optional(v.note) };
    case 'close':
      return { type: command, summary: optional(v.summary) };
    case 'split':
      return { type: command, parts: (v.parts ?? []).map((p: Values) => ({ title: p.title, content: p.content })) };
    case 'take_ownership':
      return { type: command, note: optional(v.note) };
    case 'chase':
      return { type: command, reason: v.reason, replyDueAt: (v.replyDueAt as Dayjs).format() };
    case 'supervise':
      return { type: command, reason: v.reason, replyDueAt: (v.replyDueAt as Dayjs).format(), listed: !!v.listed };
    default: {
      // reason / text / answer / conclusion / opinion commands: the form's fields are the body
      const { template: _t, ...rest } = v;
      return { type: command, ...rest };
    }
  }
}

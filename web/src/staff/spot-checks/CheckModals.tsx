/**
 * The supervisor's two steps on a sampled case: the return visit (contacted? solved? satisfied?
 * how, and what was heard — again until the verdict), then the verdict, once: ok, or sloppy
 * (草率办结) with a reason, which costs the lead unit the set points.
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Form, Input, Modal, Radio, Typography } from 'antd';
import { useFailure } from '../../api/use-failure';
import { t } from '../../i18n/zh-CN';
import { fmtTime } from '../format';
import { spotCheckApi, VISIT_METHODS, type SpotCheck, type VisitMethod } from './spot-check-api';

const s = t.spotChecks;

/** Ctrl+Enter (⌘+Enter) submits the form from any field. */
const submitOnCtrlEnter = (submit: () => void) => (e: React.KeyboardEvent) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    submit();
  }
};

function Buttons({ busy, label, onCancel, danger }: { busy: boolean; label: string; onCancel: () => void; danger?: boolean }) {
  return (
    <div style={{ display: 'flex', justifyContent: 'flex-end', alignItems: 'center', gap: 8 }}>
      <Typography.Text type="secondary" style={{ marginInlineEnd: 'auto', fontSize: 12 }}>
        {s.keyboardHint}
      </Typography.Text>
      <Button onClick={onCancel}>{s.cancel}</Button>
      <Button type="primary" htmlType="submit" loading={busy} danger={danger}>
        {label}
      </Button>
    </div>
  );
}

function CaseLine({ check }: { check: SpotCheck }) {
  return (
    <Typography.Paragraph style={{ marginBottom: 12 }}>
      <Typography.Text strong>{check.number}</Typography.Text> {check.title}
      <br />
      <Typography.Text type="secondary">
        {check.unitName ?? '—'}
        {check.closedAt ? ` · ${s.round.columns.closedAt} ${fmtTime(check.closedAt)}` : ''}
      </Typography.Text>
    </Typography.Paragraph>
  );
}

interface VisitValues {
  contacted?: boolean;
  solved?: boolean;
  satisfied?: boolean;
  method?: VisitMethod;
  note?: string;
}

const yesNo = [
  { value: true, label: s.visitForm.yes },
  { value: false, label: s.visitForm.no },
];

export function VisitModal({ check, onClose, onSaved }: { check: SpotCheck | null; onClose: () => void; onSaved: (c: SpotCheck) => void }) {
  const [form] = Form.useForm<VisitValues>();
  const fail = useFailure();
  const [busy, setBusy] = useState(false);
  const f = s.visitForm;

  useEffect(() => {
    if (!check) return;
    form.resetFields();
    const v = check.visit;
    form.setFieldsValue(v ? { contacted: v.contacted, solved: v.solved, satisfied: v.satisfied, method: v.method, note: v.note ?? undefined } : { method: 'phone' });
  }, [check, form]);

  const save = async (v: VisitValues) => {
    if (!check) return;
    setBusy(true);
    try {
      const note = v.note?.trim();
      onSaved(await spotCheckApi.visit(check.id, { contacted: v.contacted!, solved: v.solved!, satisfied: v.satisfied!, method: v.method!, ...(note ? { note } : {}) }));
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={!!check}
      title={check ? f.title(check.number) : ''}
      onCancel={onClose}
      footer={null}
      width={600}
      forceRender
      afterOpenChange={(open) => open && form.getFieldInstance('contacted')?.focus?.()}
    >
      {check && <CaseLine check={check} />}
      <Form<VisitValues> form={form} layout="vertical" name="spot-visit" onFinish={save} onKeyDown={submitOnCtrlEnter(() => form.submit())}>
        <div style={{ display: 'flex', gap: 24, flexWrap: 'wrap' }}>
          <Form.Item name="contacted" label={f.contacted} rules={[{ required: true, message: t.common.fieldErrors.issues.not_boolean }]}>
            <Radio.Group options={yesNo} />
          </Form.Item>
          <Form.Item name="solved" label={f.solved} rules={[{ required: true, message: t.common.fieldErrors.issues.not_boolean }]}>
            <Radio.Group options={yesNo} />
          </Form.Item>
          <Form.Item name="satisfied" label={f.satisfied} rules={[{ required: true, message: t.common.fieldErrors.issues.not_boolean }]}>
            <Radio.Group options={yesNo} />
          </Form.Item>
        </div>
        <Form.Item name="method" label={f.method.label} rules={[{ required: true, message: f.method.required }]}>
          <Radio.Group optionType="button" options={VISIT_METHODS.map((m) => ({ value: m, label: s.visitMethods[m] }))} />
        </Form.Item>
        <Form.Item name="note" label={f.note.label} rules={[{ max: 2000, message: f.note.length }]}>
          <Input.TextArea rows={3} maxLength={2000} showCount placeholder={f.note.placeholder} />
        </Form.Item>
        <Buttons busy={busy} label={f.submit} onCancel={onClose} />
      </Form>
    </Modal>
  );
}

interface VerdictValues {
  verdict?: 'ok' | 'sloppy';
  reason?: string;
}

export function VerdictModal({
  check,
  pointsPerSloppy,
  onClose,
  onSaved,
}: {
  check: SpotCheck | null;
  /** the points a sloppy closure costs now (unknown: not said) */
  pointsPerSloppy: number | undefined;
  onClose: () => void;
  onSaved: (c: SpotCheck) => void;
}) {
  const [form] = Form.useForm<VerdictValues>();
  const fail = useFailure();
  const [busy, setBusy] = useState(false);
  const verdict = Form.useWatch('verdict', form);
  const f = s.verdictForm;

  useEffect(() => {
    if (!check) return;
    form.resetFields();
  }, [check, form]);

  const save = async (v: VerdictValues) => {
    if (!check) return;
    setBusy(true);
    try {
      const reason = v.reason?.trim();
      onSaved(await spotCheckApi.verdict(check.id, { verdict: v.verdict!, ...(reason ? { reason } : {}) }));
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  const visit = check?.visit;
  return (
    <Modal open={!!check} title={check ? f.title(check.number) : ''} onCancel={onClose} footer={null} width={600} forceRender>
      {check && <CaseLine check={check} />}
      {visit && (
        <Typography.Paragraph type="secondary" style={{ marginTop: -4 }}>
          {[
            s.round.visitTags.contacted![visit.contacted ? 0 : 1],
            s.round.visitTags.solved![visit.solved ? 0 : 1],
            s.round.visitTags.satisfied![visit.satisfied ? 0 : 1],
            s.visitMethods[visit.method],
          ].join('，')}
          {visit.note ? `。${visit.note}` : ''}
        </Typography.Paragraph>
      )}
      <Form<VerdictValues> form={form} layout="vertical" name="spot-verdict" onFinish={save} onKeyDown={submitOnCtrlEnter(() => form.submit())}>
        <Form.Item name="verdict" label={f.verdict.label} rules={[{ required: true, message: f.verdict.required }]}>
          <Radio.Group
            optionType="button"
            buttonStyle="solid"
            options={[
              { value: 'ok', label: f.ok },
              { value: 'sloppy', label: f.sloppy },
            ]}
          />
        </Form.Item>
        <Form.Item
          name="reason"
          label={f.reason.label}
          dependencies={['verdict']}
          rules={[
            ({ getFieldValue }) => ({
              validator: (_, v?: string) => (getFieldValue('verdict') === 'sloppy' && !v?.trim() ? Promise.reject(new Error(f.reason.required)) : Promise.resolve()),
            }),
            { max: 1000, message: f.reason.length },
          ]}
        >
          <Input.TextArea rows={3} maxLength={1000} showCount placeholder={f.reason.placeholder} />
        </Form.Item>
        {check && verdict === 'sloppy' && pointsPerSloppy !== undefined && (
          <Alert type="warning" showIcon title={f.deduction(check.unitName ?? '', pointsPerSloppy, check.round)} style={{ marginBottom: 12 }} data-testid="deduction-warning" />
        )}
        <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
          {f.once}
        </Typography.Paragraph>
        <Buttons busy={busy} label={f.submit} onCancel={onClose} danger={verdict === 'sloppy'} />
      </Form>
    </Modal>
  );
}

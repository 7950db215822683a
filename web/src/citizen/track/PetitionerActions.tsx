import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Modal, Radio, Typography, type FormInstance } from 'antd';
import { ApiError } from '../../api/client';
import { t } from '../../i18n/zh-CN';
import { citizenApi, type PetitionerCommand, type PublicCaseView } from '../citizen-api';
import { applyServerError } from '../../api/form-errors';
import { formatDay } from '../format-date';

const m = t.citizen;

export interface Proof {
  number: string;
  code: string;
}

interface Props {
  proof: Proof;
  view: PublicCaseView;
  onChanged: (view: PublicCaseView) => void;
}

/** Given a refusal, returns the words to show for it. */
const problemOf = (err: unknown) => (err instanceof ApiError ? (err.code === 'NETWORK' ? m.networkError : err.message) : m.unknownError);

/**
 * What the petitioner may do now — rate the reply, ask for review or re-review within the window,
 * withdraw — as the server says (the same transition table and statutory windows the staff see).
 */
export function PetitionerActions({ proof, view, onChanged }: Props) {
  return (
    <>
      {view.canRate && <RateCard proof={proof} onChanged={onChanged} />}
      {view.canRequestReview && view.reviewRequestDueAt && <ReviewCard kind="review" due={view.reviewRequestDueAt} proof={proof} onChanged={onChanged} />}
      {view.canRequestReReview && view.reReviewRequestDueAt && <ReviewCard kind="reReview" due={view.reReviewRequestDueAt} proof={proof} onChanged={onChanged} />}
      {view.canWithdraw && <Withdraw proof={proof} onChanged={onChanged} />}
    </>
  );
}

/** Given the proof, returns a runner that sends a command from a form; marks refused fields or keeps the problem to show. */
function useCommand(proof: Proof, onChanged: (v: PublicCaseView) => void) {
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const run = async (form: FormInstance, command: PetitionerCommand, success: string) => {
    if (busy) return false;
    setBusy(true);
    setProblem(null);
    try {
      onChanged(await citizenApi.command(proof.number, proof.code, command));
      message.success(success);
      return true;
    } catch (err) {
      const rest = applyServerError(form, err);
      if (rest === null) setProblem(problemOf(err));
      else if (rest.length) setProblem(rest.join('；'));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, problem, run };
}

function RateCard({ proof, onChanged }: { proof: Proof; onChanged: (v: PublicCaseView) => void }) {
  const [form] = Form.useForm<{ satisfied: boolean; solved: boolean; comment?: string }>();
  const { busy, problem, run } = useCommand(proof, onChanged);
  const r = m.rate;
  return (
    <Card className="citizen-section" size="small" title={r.title} role="region" aria-label={r.title}>
      <Form
        form={form}
        name="citizen-rate"
        layout="vertical"
        onFinish={(v) => run(form, { type: 'rate', satisfied: v.satisfied, solved: v.solved, ...(v.comment?.trim() ? { comment: v.comment.trim() } : {}) }, r.success)}
      >
        <Form.Item name="satisfied" label={r.satisfied.label} rules={[{ required: true, message: r.satisfied.required }]}>
          <Radio.Group className="citizen-choices" optionType="button" buttonStyle="solid" aria-label={r.satisfied.label}
            options={[{ value: true, label: r.satisfied.yes }, { value: false, label: r.satisfied.no }]} />
        </Form.Item>
        <Form.Item name="solved" label={r.solved.label} rules={[{ required: true, message: r.solved.required }]}>
          <Radio.Group className="citizen-choices" optionType="button" buttonStyle="solid" aria-label={r.solved.label}
            options={[{ value: true, label: r.solved.yes }, { value: false, label: r.solved.no }]} />
        </Form.Item>
        <Form.Item name="comment" label={r.comment.label} rules={[{ max: 1000, message: r.comment.length }]}>
          <Input.TextArea placeholder={r.comment.placeholder} maxLength={1000} showCount autoSize={{ minRows: 2, maxRows: 6 }} />
        </Form.Item>
        {problem && <Alert type="error" showIcon title={problem} role="alert" style={{ marginBottom: 12 }} />}
        <Button type="primary" htmlType="submit" block size="large" loading={busy}>
          {r.submit}
        </Button>
      </Form>
    </Card>
  );
}

function ReviewCard({ kind, due, proof, onChanged }: { kind: 'review' | 'reReview'; due: string; proof: Proof; onChanged: (v: PublicCaseView) => void }) {
  const [form] = Form.useForm<{ reason: string }>();
  const { busy, problem, run } = useCommand(proof, onChanged);
  const s = m.review[kind];
  const reason = m.review.reason;
  return (
    <Card className="citizen-section" size="small" title={s.title} role="region" aria-label={s.title}>
      <Typography.Paragraph>{s.intro(formatDay(due))}</Typography.Paragraph>
      <Form
        form={form}
        name={`citizen-${kind}`}
        layout="vertical"
        onFinish={(v) => run(form, { type: kind === 'review' ? 'request_review' : 'request_re_review', reason: v.reason.trim() }, s.success)}
      >
        <Form.Item name="reason" label={reason.label} rules={[{ required: true, whitespace: true, message: reason.required }, { max: 2000, message: reason.length }]}>
          <Input.TextArea placeholder={reason.placeholder} maxLength={2000} showCount autoSize={{ minRows: 3, maxRows: 8 }} />
        </Form.Item>
        {problem && <Alert type="error" showIcon title={problem} role="alert" style={{ marginBottom: 12 }} />}
        <Button htmlType="submit" block size="large" loading={busy}>
          {s.submit}
        </Button>
      </Form>
    </Card>
  );
}

function Withdraw({ proof, onChanged }: { proof: Proof; onChanged: (v: PublicCaseView) => void }) {
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();
  const { busy, problem, run } = useCommand(proof, onChanged);
  const w = m.withdraw;
  const confirm = async () => {
    const v = await form.validateFields().catch(() => null);
    if (v && (await run(form, { type: 'withdraw', reason: v.reason.trim() }, w.success))) setOpen(false);
  };
  return (
    <>
      <Button danger block onClick={() => setOpen(true)} style={{ marginBottom: 12 }}>
        {w.button}
      </Button>
      <Modal
        open={open}
        title={w.title}
        okText={w.ok}
        okButtonProps={{ danger: true, loading: busy }}
        cancelText={t.common.cancel}
        onOk={confirm}
        onCancel={() => setOpen(false)}
        destroyOnHidden
        width={420}
      >
        <Typography.Paragraph type="danger">{w.warning}</Typography.Paragraph>
        <Form form={form} name="citizen-withdraw" layout="vertical" onFinish={confirm}>
          <Form.Item name="reason" label={w.reason.label} rules={[{ required: true, whitespace: true, message: w.reason.required }, { max: 2000, message: w.reason.length }]}>
            <Input.TextArea placeholder={w.reason.placeholder} maxLength={2000} autoSize={{ minRows: 2, maxRows: 6 }} />
          </Form.Item>
        </Form>
        {problem && <Alert type="error" showIcon title={problem} role="alert" />}
      </Modal>
    </>
  );
}

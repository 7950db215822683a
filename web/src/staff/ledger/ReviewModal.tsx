/**
 * The month's rolling review line (滚动审查) of one ledger case: a conclusion (on track, delayed,
 * closed out) and the progress in words. Saving again rewrites the month's line; each save is a
 * case event. A refusal (e.g. closing out a case still open) is shown beside its field, the text kept.
 */
import { useEffect, useState } from 'react';
import { Button, Form, Input, Modal, Radio, Typography } from 'antd';
import { useFailure } from '../../api/use-failure';
import { t } from '../../i18n/zh-CN';
import { ledgerApi, REVIEW_STATUSES, type LedgerRow, type ReviewStatus, type SavedReview } from './ledger-api';

const l = t.ledger;
const f = l.form;

interface Values {
  status?: ReviewStatus;
  progress?: string;
}

interface Props {
  /** the case reviewed; none: closed */
  row: LedgerRow | null;
  month: string;
  onClose: () => void;
  onSaved: (saved: SavedReview) => void;
}

export function ReviewModal({ row, month, onClose, onSaved }: Props) {
  const [form] = Form.useForm<Values>();
  const fail = useFailure();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!row) return;
    form.resetFields();
    form.setFieldsValue(row.review ? { status: row.review.status, progress: row.review.progress } : { status: row.closedOut ? 'closed_out' : 'on_track' });
  }, [row, form]);

  const save = async (v: Values) => {
    if (!row) return;
    setBusy(true);
    try {
      onSaved(await ledgerApi.review({ month, caseId: row.caseId, status: v.status!, progress: v.progress!.trim() }));
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={!!row}
      title={f.title(month)}
      onCancel={onClose}
      footer={null}
      width={600}
      forceRender
      destroyOnHidden={false}
      // the text is what is typed most: the cursor waits there
      afterOpenChange={(open) => open && form.getFieldInstance('progress')?.focus()}
    >
      {row && (
        <Typography.Paragraph style={{ marginBottom: 12 }}>
          <Typography.Text strong>{row.number}</Typography.Text> {row.title}
          <br />
          <Typography.Text type="secondary">
            {[row.ownerLeaderName && `${l.leader}：${row.ownerLeaderName}`, row.leadUnitName && `${l.columns.unit}：${row.leadUnitName}`, row.stateLabel].filter(Boolean).join(' · ')}
          </Typography.Text>
        </Typography.Paragraph>
      )}
      <Form<Values>
        form={form}
        layout="vertical"
        name="ledger-review"
        onFinish={save}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            form.submit();
          }
        }}
      >
        <Form.Item name="status" label={f.status.label} extra={f.closeOutHint} rules={[{ required: true, message: f.status.required }]}>
          <Radio.Group optionType="button" buttonStyle="solid" options={REVIEW_STATUSES.map((s) => ({ value: s, label: l.reviewStatus[s] }))} />
        </Form.Item>
        <Form.Item
          name="progress"
          label={f.progress.label}
          rules={[
            { required: true, whitespace: true, message: f.progress.required },
            { min: 2, max: 2000, transform: (x?: string) => x?.trim(), message: f.progress.length },
          ]}
        >
          <Input.TextArea rows={4} maxLength={2000} showCount placeholder={f.progress.placeholder} />
        </Form.Item>
        <div style={{ display: 'flex', justifyContent: 'flex-end', alignItems: 'center', gap: 8 }}>
          <Typography.Text type="secondary" style={{ marginInlineEnd: 'auto', fontSize: 12 }}>
            {f.keyboardHint}
          </Typography.Text>
          <Button onClick={onClose}>{f.cancel}</Button>
          <Button type="primary" htmlType="submit" loading={busy}>
            {f.submit}
          </Button>
        </div>
      </Form>
    </Modal>
  );
}

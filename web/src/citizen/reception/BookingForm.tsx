import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Card, Form, Input, InputNumber, Typography, type FormRule as Rule } from 'antd';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { ApiError } from '../../api/client';
import { applyServerError } from '../../api/form-errors';
import { t } from '../../i18n/zh-CN';
import { idNumberProblem, isPlausiblePhone } from '../petitioner-rules';
import { receptionApi, type BookingReceipt, type PublicSlot } from './reception-api';
import { dayLabel } from './SlotList';

const m = t.reception.citizen.form;

export interface BookingDraft {
  name?: string;
  phone?: string;
  idNumber?: string;
  peopleCount?: number | null;
  matter?: string;
}

/** Given bounds and a message, returns a rule on the trimmed length (what the server counts). */
const trimmedLength = (min: number, max: number, message: string): Rule => ({
  validator: (_, v: string | undefined) => {
    const n = (v ?? '').trim().length;
    return n === 0 || (n >= min && n <= max) ? Promise.resolve() : Promise.reject(new Error(message));
  },
});
const phoneRule: Rule = {
  validator: (_, v: string | undefined) => (!v?.trim() || isPlausiblePhone(v) ? Promise.resolve() : Promise.reject(new Error(m.phone.invalid))),
};
const idNumberRule: Rule = {
  validator: (_, v: string | undefined) => {
    const problem = v?.trim() ? idNumberProblem(v) : null;
    if (problem === 'format') return Promise.reject(new Error(m.idNumber.invalid));
    if (problem === 'checksum') return Promise.reject(new Error(m.idNumber.checksum));
    return Promise.resolve();
  },
};

/** Refusals about the slot itself (full, closed meanwhile): said above the button, the form stays as typed. */
const SLOT_CODES = ['RECEPTION_SLOT_FULL', 'RECEPTION_SLOT_CLOSED', 'RECEPTION_SLOT_NOT_FOUND'];

interface Props {
  slot: PublicSlot;
  draft: BookingDraft;
  onDraft: (d: BookingDraft) => void;
  onBack: () => void;
  onBooked: (r: BookingReceipt) => void;
}

/** Booking one slot: the chosen slot on top, then who comes, how many and about what. */
export function BookingForm({ slot, draft, onDraft, onBack, onBooked }: Props) {
  const [form] = Form.useForm<BookingDraft>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    window.scrollTo(0, 0);
    heading.current?.focus();
  }, []);

  const submit = async (v: BookingDraft) => {
    setBusy(true);
    setProblem(null);
    try {
      const receipt = await receptionApi.book({
        slotId: slot.id,
        name: v.name!.trim(),
        phone: v.phone!.trim(),
        idNumber: v.idNumber?.trim() || null,
        matter: v.matter!.trim(),
        peopleCount: v.peopleCount ?? 1,
      });
      onBooked(receipt);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NETWORK') setProblem(t.citizen.networkError);
      else if (err instanceof ApiError && SLOT_CODES.includes(err.code)) setProblem(err.message);
      else {
        const rest = applyServerError(form, err);
        if (rest === null) setProblem(err instanceof ApiError ? err.message : t.citizen.unknownError);
        else setProblem(rest.length ? rest.join('；') : m.fixErrors);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button type="link" icon={<ArrowLeftOutlined />} onClick={onBack} style={{ paddingInline: 4 }}>
        {m.back}
      </Button>
      <Card size="small" className="citizen-section reception-chosen">
        <Typography.Title level={5} ref={heading} tabIndex={-1} style={{ marginTop: 0, outline: 'none' }}>
          {slot.leaderName} <Typography.Text type="secondary">{slot.post}</Typography.Text>
        </Typography.Title>
        <div className="reception-slot-line">
          {dayLabel(slot.date)} {slot.startTime}–{slot.endTime}
        </div>
        <div className="reception-slot-line">
          {slot.place}
          {slot.room ? ` · ${slot.room}` : ''}
        </div>
        <div className="reception-slot-line">
          <Typography.Text type="secondary">{t.reception.citizen.remit}：</Typography.Text>
          {slot.remit}
        </div>
      </Card>
      <Card size="small" className="citizen-section" title={m.title}>
        <Form<BookingDraft>
          form={form}
          name="reception-booking"
          layout="vertical"
          requiredMark="optional"
          initialValues={draft}
          onValuesChange={(_c, all) => onDraft(all)}
          onFinish={submit}
          onFinishFailed={() => setProblem(m.fixErrors)}
          scrollToFirstError={{ block: 'center' }}
        >
          <Form.Item name="name" label={m.name.label} rules={[{ required: true, whitespace: true, message: m.name.required }, trimmedLength(1, 50, m.name.length)]}>
            <Input placeholder={m.name.placeholder} maxLength={50} autoComplete="name" />
          </Form.Item>
          <Form.Item name="phone" label={m.phone.label} rules={[{ required: true, whitespace: true, message: m.phone.required }, phoneRule]}>
            <Input placeholder={m.phone.placeholder} maxLength={30} inputMode="tel" autoComplete="tel" />
          </Form.Item>
          <Form.Item name="idNumber" label={m.idNumber.label} rules={[idNumberRule]}>
            <Input placeholder={m.idNumber.placeholder} maxLength={25} autoComplete="off" />
          </Form.Item>
          <Form.Item
            name="peopleCount"
            label={m.peopleCount.label}
            extra={m.peopleCount.help}
            rules={[
              { required: true, message: m.peopleCount.required },
              { type: 'integer', min: 1, max: 100, message: m.peopleCount.range },
            ]}
          >
            <InputNumber min={1} max={100} precision={0} inputMode="numeric" style={{ width: 140 }} />
          </Form.Item>
          <Form.Item name="matter" label={m.matter.label} rules={[{ required: true, whitespace: true, message: m.matter.required }, trimmedLength(5, 2000, m.matter.length)]}>
            <Input.TextArea placeholder={m.matter.placeholder} maxLength={2000} showCount autoSize={{ minRows: 4, maxRows: 10 }} />
          </Form.Item>
          <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
            {m.privacy}
          </Typography.Paragraph>
          {problem && <Alert type="error" showIcon title={problem} role="alert" style={{ marginBottom: 12 }} data-testid="booking-problem" />}
          <Button type="primary" htmlType="submit" size="large" block loading={busy}>
            {busy ? m.submitting : m.submit}
          </Button>
        </Form>
      </Card>
    </>
  );
}

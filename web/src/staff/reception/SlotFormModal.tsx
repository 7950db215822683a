import { useEffect, useMemo, useState } from 'react';
import { Alert, AutoComplete, Col, DatePicker, Form, Input, InputNumber, Modal, Row, Select, TimePicker } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useFailure } from '../../api/use-failure';
import { t } from '../../i18n/zh-CN';
import { staffReceptionApi, type Leader, type Slot, type SlotInput } from './reception-api';

const f = t.reception.staff.rota.form;

interface Values {
  leaderId?: string;
  post?: string;
  remit?: string;
  date?: Dayjs | null;
  startTime?: Dayjs | null;
  endTime?: Dayjs | null;
  place?: string;
  room?: string;
  capacity?: number | null;
}

interface Props {
  open: boolean;
  /** the slot edited; none for a new one */
  slot: Slot | null;
  /** the server's today, 'YYYY-MM-DD' (no earlier date can be chosen) */
  today: string;
  leaders: Leader[] | undefined;
  /** places and rooms already used, offered while typing */
  places: string[];
  rooms: string[];
  onClose: () => void;
  onSaved: (slot: Slot) => void;
}

const toValues = (s: Slot): Values => ({
  leaderId: s.leaderId,
  post: s.post,
  remit: s.remit,
  date: dayjs(s.date),
  startTime: dayjs(`${s.date}T${s.startTime}`),
  endTime: dayjs(`${s.date}T${s.endTime}`),
  place: s.place,
  room: s.room ?? undefined,
  capacity: s.capacity,
});

/** A rota entry: which leader, his post and remit as published, when, where, how many batches may book. */
export function SlotFormModal({ open, slot, today, leaders, places, rooms, onClose, onSaved }: Props) {
  const [form] = Form.useForm<Values>();
  const fail = useFailure();
  const [busy, setBusy] = useState(false);
  const locked = !!slot && slot.booked > 0;

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(slot ? toValues(slot) : { capacity: 10, startTime: dayjs('2000-01-01T09:00'), endTime: dayjs('2000-01-01T11:30') });
  }, [open, slot, form]);

  const leaderOptions = useMemo(() => (leaders ?? []).map((l) => ({ value: l.id, label: `${l.name}（${l.unitName}）` })), [leaders]);

  const save = async (v: Values) => {
    const body: SlotInput = {
      leaderId: v.leaderId!,
      post: v.post!.trim(),
      remit: v.remit!.trim(),
      date: v.date!.format('YYYY-MM-DD'),
      startTime: v.startTime!.format('HH:mm'),
      endTime: v.endTime!.format('HH:mm'),
      place: v.place!.trim(),
      room: v.room?.trim() || null,
      capacity: v.capacity!,
    };
    setBusy(true);
    try {
      onSaved(slot ? await staffReceptionApi.update(slot.id, body) : await staffReceptionApi.create(body));
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={slot ? f.editTitle : f.createTitle}
      okText={f.save}
      cancelText={t.common.cancel}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={busy}
      width={640}
      destroyOnHidden={false}
      forceRender
    >
      {locked && <Alert type="info" showIcon title={f.bookedLock} style={{ marginBottom: 12 }} />}
      <Form<Values>
        form={form}
        layout="vertical"
        name="reception-slot"
        onFinish={save}
        onValuesChange={(changed: Values) => {
          // A leader's post and remit as last published, unless already typed.
          if (changed.leaderId) {
            const l = leaders?.find((x) => x.id === changed.leaderId);
            if (l?.post && !form.getFieldValue('post')) form.setFieldValue('post', l.post);
            if (l?.remit && !form.getFieldValue('remit')) form.setFieldValue('remit', l.remit);
          }
        }}
      >
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="leaderId" label={f.leader.label} rules={[{ required: true, message: f.leader.required }]}>
              <Select showSearch={{ optionFilterProp: 'label' }} options={leaderOptions} placeholder={f.leader.placeholder} loading={!leaders} disabled={locked} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="post" label={f.post.label} rules={[{ required: true, whitespace: true, message: f.post.required }]}>
              <Input placeholder={f.post.placeholder} maxLength={50} />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item name="remit" label={f.remit.label} rules={[{ required: true, whitespace: true, message: f.remit.required }]}>
              <Input placeholder={f.remit.placeholder} maxLength={200} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="date" label={f.date.label} rules={[{ required: true, message: f.date.required }]}>
              <DatePicker style={{ width: '100%' }} format="YYYY-MM-DD" disabled={locked} disabledDate={(d) => d.format('YYYY-MM-DD') < today} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="startTime" label={f.startTime.label} rules={[{ required: true, message: f.startTime.required }]}>
              <TimePicker style={{ width: '100%' }} format="HH:mm" minuteStep={5} needConfirm={false} disabled={locked} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item
              name="endTime"
              label={f.endTime.label}
              dependencies={['startTime']}
              rules={[
                { required: true, message: f.endTime.required },
                ({ getFieldValue }) => ({
                  validator: (_, v: Dayjs | null) => {
                    const start = getFieldValue('startTime') as Dayjs | null;
                    return !v || !start || v.format('HH:mm') > start.format('HH:mm') ? Promise.resolve() : Promise.reject(new Error(f.endTime.after));
                  },
                }),
              ]}
            >
              <TimePicker style={{ width: '100%' }} format="HH:mm" minuteStep={5} needConfirm={false} disabled={locked} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="place" label={f.place.label} rules={[{ required: true, whitespace: true, message: f.place.required }]}>
              <AutoComplete options={places.map((p) => ({ value: p }))} placeholder={f.place.placeholder} maxLength={100} filterOption />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="room" label={f.room.label}>
              <AutoComplete options={rooms.map((r) => ({ value: r }))} placeholder={f.room.placeholder} maxLength={50} filterOption />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item
              name="capacity"
              label={f.capacity.label}
              tooltip={f.capacity.help}
              rules={[
                { required: true, message: f.capacity.required },
                { type: 'integer', min: Math.max(1, slot?.booked ?? 0), max: 500, message: f.capacity.range },
              ]}
            >
              <InputNumber min={1} max={500} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Modal>
  );
}

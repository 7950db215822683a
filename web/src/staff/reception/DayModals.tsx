/** The reception-day board's short forms: hand out a batch and room, register a walk-in, receive a visit as a case. */
import { useEffect, useState } from 'react';
import { Alert, AutoComplete, Button, Checkbox, Col, Form, Input, InputNumber, Modal, Radio, Result, Row, Select, Space, Typography, type FormRule } from 'antd';
import { DeleteOutlined, PlusOutlined, PrinterOutlined } from '@ant-design/icons';
import { Link, useNavigate } from 'react-router';
import { useFailure } from '../../api/use-failure';
import { t } from '../../i18n/zh-CN';
import { idNumberProblem, isPlausiblePhone } from '../../citizen/petitioner-rules';
import { CategoryTreeSelect, UnitTreeSelect } from '../components';
import { useCategories, useMeta, useUnits } from '../reference';
import { hasAnyRole, useMe } from '../session';
import type { NoticeData } from '../NoticePage';
import { staffReceptionApi, type Group, type Received, type Slot } from './reception-api';

const d = t.reception.staff.day;
const p = d.person;
const COLLECTIVE = 5; // Art. 20: five or more people are a collective petition …
const MAX_REPS = 5; // … with at most five representatives

const phoneRule: FormRule = { validator: (_, v?: string) => (!v?.trim() || isPlausiblePhone(v) ? Promise.resolve() : Promise.reject(new Error(p.phone.invalid))) };
const idRule: FormRule = {
  validator: (_, v?: string) => {
    const problem = v?.trim() ? idNumberProblem(v) : null;
    return problem ? Promise.reject(new Error(problem === 'checksum' ? p.idNumber.checksum : p.idNumber.invalid)) : Promise.resolve();
  },
};
const roomOptions = (rooms: string[]) => rooms.map((r) => ({ value: r }));

/** A batch (the day's next unless one is named, to join it) and a room for a waiting group. */
export function AssignModal({
  target,
  rooms,
  nextBatchNo,
  onClose,
  onDone,
}: {
  target: { group: Group; slot: Slot } | null;
  rooms: string[];
  nextBatchNo: number;
  onClose: () => void;
  onDone: (g: Group) => void;
}) {
  const [form] = Form.useForm<{ batchNo?: number | null; room?: string }>();
  const fail = useFailure();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (target) form.setFieldsValue({ batchNo: target.group.batchNo, room: target.group.room ?? target.slot.room ?? undefined });
  }, [target, form]);
  return (
    <Modal open={!!target} title={d.assignTitle} okText={t.common.confirm} cancelText={t.common.cancel} onOk={() => form.submit()} onCancel={onClose} confirmLoading={busy} forceRender>
      {target && (
        <Typography.Paragraph>
          {target.group.name}（{target.group.peopleCount} 人）· {target.slot.leaderName}
        </Typography.Paragraph>
      )}
      <Form
        form={form}
        layout="vertical"
        name="reception-assign"
        onFinish={async (v) => {
          if (!target) return;
          setBusy(true);
          try {
            onDone(await staffReceptionApi.assign(target.group.id, { batchNo: v.batchNo ?? null, room: v.room?.trim() || null }));
          } catch (err) {
            fail(err, form);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Form.Item name="batchNo" label={d.batchNo.label} extra={d.batchNo.help(nextBatchNo)} rules={[{ type: 'integer', min: 1, message: d.batchNo.range }]}>
          <InputNumber min={1} precision={0} placeholder={String(nextBatchNo)} style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="room" label={d.room.label}>
          <AutoComplete options={roomOptions(rooms)} placeholder={d.room.placeholder} maxLength={50} filterOption />
        </Form.Item>
      </Form>
    </Modal>
  );
}

interface WalkInValues {
  name?: string;
  phone?: string;
  idNumber?: string;
  peopleCount?: number | null;
  matter?: string;
  room?: string;
  batchNo?: number | null;
}

/** Someone came without a booking: who, how many, about what — given a batch and room on the spot. */
export function WalkInModal({
  slot,
  rooms,
  nextBatchNo,
  onClose,
  onDone,
}: {
  slot: Slot | null;
  rooms: string[];
  nextBatchNo: number;
  onClose: () => void;
  onDone: (g: Group) => void;
}) {
  const [form] = Form.useForm<WalkInValues>();
  const fail = useFailure();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (slot) {
      form.resetFields();
      form.setFieldsValue({ peopleCount: 1, room: slot.room ?? undefined });
    }
  }, [slot, form]);
  return (
    <Modal
      open={!!slot}
      title={slot ? d.walkInTitle(slot.leaderName) : ''}
      okText={t.common.confirm}
      cancelText={t.common.cancel}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={busy}
      width={600}
      forceRender
    >
      <Form<WalkInValues>
        form={form}
        layout="vertical"
        name="reception-walk-in"
        onFinish={async (v) => {
          if (!slot) return;
          setBusy(true);
          try {
            onDone(
              await staffReceptionApi.walkIn(slot.id, {
                name: v.name!.trim(),
                phone: v.phone?.trim() || null,
                idNumber: v.idNumber?.trim() || null,
                matter: v.matter!.trim(),
                peopleCount: v.peopleCount ?? 1,
                room: v.room?.trim() || null,
                batchNo: v.batchNo ?? null,
              }),
            );
          } catch (err) {
            fail(err, form);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Row gutter={12}>
          <Col span={8}>
            <Form.Item name="name" label={p.name.label} rules={[{ required: true, whitespace: true, message: p.name.required }]}>
              <Input maxLength={50} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="phone" label={p.phone.label} rules={[phoneRule]}>
              <Input maxLength={30} inputMode="tel" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="idNumber" label={p.idNumber.label} rules={[idRule]}>
              <Input maxLength={25} />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item
              name="matter"
              label={p.matter.label}
              rules={[
                { required: true, whitespace: true, message: p.matter.required },
                { min: 5, max: 2000, transform: (x?: string) => x?.trim(), message: p.matter.length },
              ]}
            >
              <Input.TextArea rows={3} maxLength={2000} showCount />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="peopleCount" label={p.peopleCount.label} rules={[{ required: true, message: p.peopleCount.required }, { type: 'integer', min: 1, max: 100, message: p.peopleCount.range }]}>
              <InputNumber min={1} max={100} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="room" label={d.room.label}>
              <AutoComplete options={roomOptions(rooms)} maxLength={50} filterOption />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="batchNo" label={d.batchNo.label} tooltip={d.batchNo.help(nextBatchNo)} rules={[{ type: 'integer', min: 1, message: d.batchNo.range }]}>
              <InputNumber min={1} precision={0} placeholder={String(nextBatchNo)} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Modal>
  );
}

interface OtherValues {
  name?: string;
  phone?: string;
  idNumber?: string;
  representative?: boolean;
}

interface ReceiveValues {
  nature: string;
  accusedUnitIds?: string[];
  type12345?: string;
  category?: string;
  title?: string;
  content?: string;
  petitioners: OtherValues[];
  bookerRepresentative?: boolean;
  acceptNow?: boolean;
}

/**
 * Receiving a visit: what the leader heard becomes a case (channel leader_reception, owned by him);
 * the booking's person comes first, decrypted by the server; the others of a collective visit are
 * typed here. Afterwards the number and the query code to hand over, and the printable notice.
 */
export function ReceiveModal({ target, onClose, onDone }: { target: { group: Group; slot: Slot } | null; onClose: () => void; onDone: () => void }) {
  const me = useMe();
  const meta = useMeta();
  const categories = useCategories();
  const units = useUnits();
  const fail = useFailure();
  const navigate = useNavigate();
  const [form] = Form.useForm<ReceiveValues>();
  const nature = Form.useWatch('nature', form);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Received | null>(null);
  const canAccept = hasAnyRole(me, ['dispatcher', 'leader']);
  const others = (Form.useWatch('petitioners', form) ?? []) as OtherValues[];
  const bookerRep = Form.useWatch('bookerRepresentative', form) as boolean | undefined;
  const total = 1 + others.length;
  const reps = others.filter((o) => o?.representative).length + (bookerRep ? 1 : 0);

  useEffect(() => {
    if (!target) return;
    setDone(null);
    form.resetFields();
    const m = target.group.matter;
    form.setFieldsValue({ nature: 'appeal', title: m.slice(0, 30), content: m, petitioners: [], bookerRepresentative: target.group.peopleCount >= COLLECTIVE });
  }, [target, form]);

  const close = () => {
    if (done) onDone();
    onClose();
  };

  const submit = async (v: ReceiveValues) => {
    if (!target) return;
    setBusy(true);
    try {
      const r = await staffReceptionApi.receive(target.group.id, {
        nature: v.nature,
        type12345: v.type12345 || null,
        category: v.category || null,
        title: v.title!.trim(),
        content: v.content!.trim(),
        petitioners: (v.petitioners ?? []).map((o) => ({
          name: o.name!.trim(),
          phone: o.phone?.trim() || undefined,
          idNumber: o.idNumber?.trim() || undefined,
          representative: !!o.representative,
        })),
        bookerRepresentative: !!v.bookerRepresentative,
        accusedUnitIds: v.nature === 'accusation' ? v.accusedUnitIds ?? [] : undefined,
        acceptNow: canAccept && v.acceptNow ? true : undefined,
      });
      setDone(r);
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  const options = (labels: Record<string, string> | undefined) => Object.entries(labels ?? {}).map(([value, label]) => ({ value, label }));

  if (target && done) {
    const notice: NoticeData = {
      number: done.case.number,
      queryCode: done.case.queryCode,
      state: done.case.state,
      title: form.getFieldValue('title') ?? '',
      channel: meta?.channels.leader_reception ?? '',
      receivedAt: new Date().toISOString(),
      petitionerName: target.group.name,
      petitionerCount: total,
    };
    return (
      <Modal open title={d.received} footer={null} onCancel={close} width={560}>
        <Result
          status="success"
          title={d.received}
          subTitle={d.receivedHint}
          extra={[
            <Button key="print" type="primary" icon={<PrinterOutlined />} onClick={() => navigate('/staff/notice', { state: notice })}>
              {d.printNotice}
            </Button>,
            <Link key="open" to={`/staff/cases/${done.case.id}`}>
              <Button>{d.openReceived}</Button>
            </Link>,
          ]}
        >
          <div style={{ display: 'flex', justifyContent: 'center', gap: 48 }} data-testid="received">
            <div>
              <Typography.Text type="secondary">{d.receivedNumber}</Typography.Text>
              <div className="xf-code" data-testid="received-number">
                {done.case.number}
              </div>
            </div>
            <div>
              <Typography.Text type="secondary">{d.receivedCode}</Typography.Text>
              <div className="xf-code" data-testid="received-code">
                {done.case.queryCode}
              </div>
            </div>
          </div>
        </Result>
      </Modal>
    );
  }

  return (
    <Modal
      open={!!target}
      title={target ? d.receiveTitle(target.slot.leaderName) : ''}
      okText={d.receive}
      cancelText={t.common.cancel}
      onOk={() => form.submit()}
      onCancel={close}
      confirmLoading={busy}
      width={880}
      forceRender
    >
      {target && <Alert type="info" showIcon title={d.receiveIntro(`${target.group.name}${target.group.phone ? ` ${target.group.phone}` : ''}`, target.group.peopleCount)} style={{ marginBottom: 12 }} />}
      <Form<ReceiveValues> form={form} layout="vertical" name="reception-receive" onFinish={submit} scrollToFirstError>
        <Row gutter={12}>
          <Col span={10}>
            <Form.Item name="nature" label={d.nature} rules={[{ required: true }]}>
              <Radio.Group options={options(meta?.natures)} optionType="button" />
            </Form.Item>
          </Col>
          {nature === 'accusation' && (
            <Col span={24}>
              <Form.Item name="accusedUnitIds" label={t.staff.intake.accusedUnits} rules={[{ required: true, type: 'array', min: 1, message: t.staff.intake.accusedRequired }]}>
                <UnitTreeSelect units={units} multiple placeholder={t.staff.intake.accusedPlaceholder} aria-label={t.staff.intake.accusedUnits} />
              </Form.Item>
            </Col>
          )}
          <Col span={6}>
            <Form.Item name="type12345" label={d.type12345}>
              <Select options={options(meta?.types12345)} allowClear />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="category" label={d.category}>
              <CategoryTreeSelect tree={categories} />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item
              name="title"
              label={d.caseTitle.label}
              rules={[
                { required: true, whitespace: true, message: d.caseTitle.required },
                { min: 2, transform: (x?: string) => x?.trim(), message: d.caseTitle.min },
              ]}
            >
              <Input maxLength={100} showCount />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item
              name="content"
              label={d.content.label}
              rules={[
                { required: true, whitespace: true, message: d.content.required },
                { min: 5, transform: (x?: string) => x?.trim(), message: d.content.min },
              ]}
            >
              <Input.TextArea rows={4} maxLength={10000} showCount />
            </Form.Item>
          </Col>
        </Row>
        <Typography.Text strong>{d.others}</Typography.Text>
        {total >= COLLECTIVE && (
          <Typography.Text type={reps > MAX_REPS ? 'danger' : 'warning'} style={{ marginInlineStart: 12 }}>
            {d.collective(total, reps)}
          </Typography.Text>
        )}
        <Form.Item name="bookerRepresentative" valuePropName="checked" style={{ margin: '8px 0' }}>
          <Checkbox>{d.bookerRepresentative}</Checkbox>
        </Form.Item>
        <Form.List
          name="petitioners"
          rules={[
            {
              validator: async (_r, list?: OtherValues[]) => {
                const all = 1 + (list?.length ?? 0);
                const n = (list ?? []).filter((o) => o?.representative).length + (form.getFieldValue('bookerRepresentative') ? 1 : 0);
                if (all >= COLLECTIVE && n > MAX_REPS) throw new Error(d.repsTooMany);
              },
            },
          ]}
        >
          {(fields, { add, remove }, { errors }) => (
            <>
              {fields.map((field, i) => (
                <Row gutter={8} key={field.key} align="top">
                  <Col span={6}>
                    <Form.Item name={[field.name, 'name']} rules={[{ required: true, whitespace: true, message: p.name.required }]}>
                      <Input maxLength={50} placeholder={d.other.name} aria-label={`${d.other.name} ${i + 1}`} />
                    </Form.Item>
                  </Col>
                  <Col span={6}>
                    <Form.Item name={[field.name, 'phone']} rules={[phoneRule]}>
                      <Input maxLength={30} placeholder={d.other.phone} aria-label={`${d.other.phone} ${i + 1}`} />
                    </Form.Item>
                  </Col>
                  <Col span={7}>
                    <Form.Item name={[field.name, 'idNumber']} rules={[idRule]}>
                      <Input maxLength={25} placeholder={d.other.idNumber} aria-label={`${d.other.idNumber} ${i + 1}`} />
                    </Form.Item>
                  </Col>
                  <Col span={5}>
                    <Space align="start" style={{ marginTop: 4 }}>
                      <Form.Item name={[field.name, 'representative']} valuePropName="checked" noStyle>
                        <Checkbox>{d.other.representative}</Checkbox>
                      </Form.Item>
                      <Button type="text" danger size="small" icon={<DeleteOutlined />} onClick={() => remove(field.name)} aria-label={`${d.other.remove} ${i + 1}`} />
                    </Space>
                  </Col>
                </Row>
              ))}
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({})} disabled={fields.length >= 499}>
                {d.addOther}
              </Button>
              <Form.ErrorList errors={errors} />
            </>
          )}
        </Form.List>
        {canAccept && (
          <Form.Item name="acceptNow" valuePropName="checked" style={{ marginTop: 12, marginBottom: 0 }}>
            <Checkbox>{d.acceptNow}</Checkbox>
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

/** Creating a unit under a parent, or changing a unit's name, code and position. */
import { useEffect, useState } from 'react';
import { App, Form, Input, InputNumber, Modal, Select, Space } from 'antd';
import { t } from '../../i18n/zh-CN';
import { adminApi, type AdminUnit, type UnitKind } from '../admin-api';
import { CHILD_KINDS } from '../org-tree';
import { useFailure } from '../../api/use-failure';

const s = t.admin.org;

interface Values {
  kind?: UnitKind;
  name: string;
  code: string;
  lat?: number | null;
  lng?: number | null;
}

export type UnitFormTarget = { mode: 'create'; parent: AdminUnit } | { mode: 'edit'; unit: AdminUnit };

export function UnitFormModal({ target, onClose, onSaved }: { target: UnitFormTarget | null; onClose: () => void; onSaved: (unit: AdminUnit) => void }) {
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const { message } = App.useApp();
  const fail = useFailure();
  const kinds = target?.mode === 'create' ? CHILD_KINDS[target.parent.kind] : [];

  useEffect(() => {
    if (!target) return;
    form.resetFields();
    if (target.mode === 'create') form.setFieldsValue({ kind: CHILD_KINDS[target.parent.kind][0], name: '', code: '', lat: null, lng: null });
    else form.setFieldsValue({ name: target.unit.name, code: target.unit.code, lat: target.unit.lat, lng: target.unit.lng });
  }, [target, form]);

  const submit = async (v: Values) => {
    if (!target) return;
    setBusy(true);
    try {
      const position = { lat: v.lat ?? null, lng: v.lng ?? null };
      const saved =
        target.mode === 'create'
          ? await adminApi.createUnit({ parentId: target.parent.id, kind: v.kind!, name: v.name.trim(), code: v.code.trim(), ...position })
          : await adminApi.updateUnit(target.unit.id, { name: v.name.trim(), code: v.code.trim(), ...position });
      message.success(target.mode === 'create' ? s.created(saved.name) : t.admin.saved);
      onSaved(saved);
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  const title = !target ? '' : target.mode === 'create' ? s.addChildTitle(target.parent.name) : s.editTitle(target.unit.name);
  return (
    <Modal open={!!target} title={title} onCancel={onClose} onOk={() => form.submit()} okText={t.admin.save} confirmLoading={busy} forceRender>
      <Form form={form} name="unit" layout="vertical" onFinish={submit} requiredMark={false}>
        {target?.mode === 'create' && (
          <Form.Item name="kind" label={s.fields.kind} rules={[{ required: true }]}>
            <Select options={kinds.map((k) => ({ value: k, label: t.admin.kinds[k] }))} />
          </Form.Item>
        )}
        <Form.Item name="name" label={s.fields.name} rules={[{ required: true, whitespace: true, max: 100 }]}>
          <Input maxLength={100} autoFocus />
        </Form.Item>
        <Form.Item name="code" label={s.fields.code} extra={s.codeHint} rules={[{ required: true, whitespace: true, max: 40, pattern: /^\s*[0-9A-Za-z][0-9A-Za-z_.-]*\s*$/, message: s.codeHint }]}>
          <Input maxLength={40} />
        </Form.Item>
        <Form.Item label={s.fields.position} style={{ marginBottom: 0 }}>
          <Space.Compact block>
            <Form.Item name="lat" noStyle>
              <InputNumber placeholder={s.fields.lat} min={-90} max={90} step={0.000001} style={{ width: '50%' }} />
            </Form.Item>
            <Form.Item name="lng" noStyle>
              <InputNumber placeholder={s.fields.lng} min={-180} max={180} step={0.000001} style={{ width: '50%' }} />
            </Form.Item>
          </Space.Compact>
        </Form.Item>
      </Form>
    </Modal>
  );
}

/**
 * Creating a webhook subscription (name, URL, event types, scope unit, on/off) or changing one. The
 * signing secret is not part of the form: the server makes one on create (shown once afterwards) and
 * a new one on "rotate".
 */
import { useEffect, useState } from 'react';
import { App, Button, Col, Form, Input, Modal, Row, Select, Switch, TreeSelect } from 'antd';
import { t } from '../../i18n/zh-CN';
import type { UnitOption } from '../org-tree';
import { useFailure } from '../../api/use-failure';
import { webhooksApi, type EventType, type Subscription, type WithSecret } from './webhooks-api';

const w = t.integrations.webhooks;
const f = w.form;

interface Values {
  name?: string;
  url?: string;
  eventTypes?: string[];
  scopeUnitId?: string;
  active?: boolean;
}

export type WebhookFormTarget = { mode: 'create' } | { mode: 'edit'; subscription: Subscription };

export function WebhookFormModal({
  target,
  unitOptions,
  eventTypes,
  onClose,
  onCreated,
  onSaved,
}: {
  target: WebhookFormTarget | null;
  unitOptions: UnitOption[];
  eventTypes: EventType[];
  onClose: () => void;
  onCreated: (s: WithSecret) => void;
  onSaved: (s: Subscription) => void;
}) {
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const { message } = App.useApp();
  const fail = useFailure();
  const editing = target?.mode === 'edit' ? target.subscription : null;

  useEffect(() => {
    if (!target) return;
    form.resetFields();
    if (target.mode === 'edit') {
      const s = target.subscription;
      form.setFieldsValue({ name: s.name, url: s.url, eventTypes: s.eventTypes, scopeUnitId: s.scopeUnitId, active: s.active });
    } else form.setFieldsValue({ eventTypes: [], active: true });
  }, [target, form]);

  const submit = async (v: Values) => {
    if (!target) return;
    setBusy(true);
    try {
      const body = { name: v.name!.trim(), url: v.url!.trim(), eventTypes: v.eventTypes ?? [], scopeUnitId: v.scopeUnitId!, active: v.active ?? true };
      if (target.mode === 'create') onCreated(await webhooksApi.create(body));
      else {
        const saved = await webhooksApi.update(target.subscription.id, body);
        message.success(f.saved);
        onSaved(saved);
      }
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={!!target}
      title={!target ? '' : editing ? f.editTitle(editing.name) : f.createTitle}
      onCancel={onClose}
      footer={null}
      forceRender
      width={640}
      afterOpenChange={(open) => open && form.getFieldInstance('name')?.focus()}
    >
      <Form<Values> form={form} name="webhook" layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item name="name" label={f.name.label} rules={[{ required: true, whitespace: true, message: f.name.required }, { max: 60, message: f.name.length }]}>
          <Input maxLength={60} placeholder={f.name.placeholder} />
        </Form.Item>
        <Form.Item
          name="url"
          label={f.url.label}
          extra={f.url.help}
          // only "required" here: whether http, an intranet address or a host is allowed is the
          // deployment's setting, known to the server alone; its refusal is shown on this field
          rules={[{ required: true, whitespace: true, message: f.url.required }]}
        >
          <Input maxLength={2000} placeholder={f.url.placeholder} autoComplete="off" spellCheck={false} />
        </Form.Item>
        <Form.Item name="eventTypes" label={f.events.label} extra={f.events.help}>
          <Select
            mode="multiple"
            allowClear
            options={eventTypes.map((e) => ({ value: e.type, label: e.label }))}
            placeholder={f.events.placeholder}
            showSearch={{ optionFilterProp: 'label' }}
          />
        </Form.Item>
        <Row gutter={12}>
          <Col span={18}>
            <Form.Item name="scopeUnitId" label={f.scope.label} extra={f.scope.help} rules={[{ required: true, message: f.scope.required }]}>
              <TreeSelect treeData={unitOptions} showSearch={{ treeNodeFilterProp: 'title' }} allowClear listHeight={320} placeholder={f.scope.placeholder} popupMatchSelectWidth={false} />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="active" label={f.active.label} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
        </Row>
        <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8 }}>
          <Button onClick={onClose}>{f.cancel}</Button>
          <Button type="primary" htmlType="submit" loading={busy}>
            {f.save}
          </Button>
        </div>
      </Form>
    </Modal>
  );
}

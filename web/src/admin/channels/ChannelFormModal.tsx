/**
 * Creating a notification channel (kind, name, owner: a unit or one user, address, DingTalk secret,
 * the message kinds it forwards, the lowest level, on/off) or changing one (everything but its kind
 * and owner; the address and the secret only when typed again — they are never shown in clear).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { App, Button, Checkbox, Col, Form, Input, Modal, Radio, Row, Select, Switch, TreeSelect, Typography } from 'antd';
import { t } from '../../i18n/zh-CN';
import { adminApi, type AdminUser } from '../admin-api';
import type { UnitOption } from '../org-tree';
import { useFailure } from '../../api/use-failure';
import { CHANNEL_KINDS, LEVELS, MESSAGE_KINDS, channelsApi, type Channel, type ChannelKind, type ChannelPatch, type Level } from './channels-api';

const c = t.channels;
const f = c.form;

interface Values {
  kind?: ChannelKind;
  name?: string;
  owner?: 'unit' | 'user';
  unitId?: string;
  userId?: string;
  target?: string;
  secret?: string;
  clearSecret?: boolean;
  kinds?: string[];
  minLevel?: Level;
  enabled?: boolean;
}

export type ChannelFormTarget = { mode: 'create' } | { mode: 'edit'; channel: Channel };

/** Given a kind and the typed address, returns a zh-CN complaint, or null when it looks right (the server has the last word). */
function targetProblem(kind: ChannelKind | undefined, raw: string): string | null {
  const v = raw.trim();
  if (kind === 'dingtalk' || kind === 'wecom') return /^https?:\/\/[^\s/]+/i.test(v) ? null : f.target.url;
  if (kind === 'email') return /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(v) ? null : f.target.email;
  if (kind === 'sms') return /^(\+?86)?1\d{10}$/.test(v.replace(/[\s-]/g, '')) ? null : f.target.mobile;
  return null;
}

export function ChannelFormModal({ target, unitOptions, onClose, onSaved }: { target: ChannelFormTarget | null; unitOptions: UnitOption[]; onClose: () => void; onSaved: (ch: Channel) => void }) {
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const { message } = App.useApp();
  const fail = useFailure();
  const kind = Form.useWatch('kind', form);
  const owner = Form.useWatch('owner', form);
  const clearSecret = Form.useWatch('clearSecret', form);
  const editing = target?.mode === 'edit' ? target.channel : null;

  useEffect(() => {
    if (!target) return;
    form.resetFields();
    if (target.mode === 'edit') {
      const ch = target.channel;
      form.setFieldsValue({ kind: ch.kind, name: ch.name, owner: ch.unitId ? 'unit' : 'user', kinds: ch.kinds, minLevel: ch.minLevel, enabled: ch.enabled });
    } else form.setFieldsValue({ kind: 'wecom', owner: 'unit', kinds: [], minLevel: 'info', enabled: true });
  }, [target, form]);

  const submit = async (v: Values) => {
    if (!target) return;
    setBusy(true);
    try {
      const typedTarget = v.target?.trim();
      const typedSecret = v.secret?.trim();
      let saved: Channel;
      if (target.mode === 'create') {
        saved = await channelsApi.create({
          kind: v.kind!,
          name: v.name!.trim(),
          ...(v.owner === 'unit' ? { unitId: v.unitId } : { userId: v.userId }),
          target: typedTarget!,
          ...(v.kind === 'dingtalk' && typedSecret ? { secret: typedSecret } : {}),
          kinds: v.kinds ?? [],
          minLevel: v.minLevel,
          enabled: v.enabled ?? true,
        });
        message.success(f.created(saved.name));
      } else {
        const patch: ChannelPatch = { name: v.name!.trim(), kinds: v.kinds ?? [], minLevel: v.minLevel, enabled: v.enabled };
        if (typedTarget) patch.target = typedTarget;
        if (target.channel.kind === 'dingtalk') {
          if (typedSecret) patch.secret = typedSecret;
          else if (v.clearSecret) patch.secret = null;
        }
        saved = await channelsApi.update(target.channel.id, patch);
        message.success(f.saved);
      }
      onSaved(saved);
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  const kindOptions = CHANNEL_KINDS.map((k) => ({ value: k, label: c.kinds[k] }));
  const messageKindOptions = MESSAGE_KINDS.map((k) => ({ value: k, label: t.staff.inbox.kinds[k] ?? k }));
  const shownKind = kind ?? editing?.kind;

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
      <Form<Values> form={form} name="channel" layout="vertical" onFinish={submit} requiredMark={false}>
        <Row gutter={12}>
          <Col span={10}>
            <Form.Item name="kind" label={f.kind.label} rules={[{ required: true, message: f.kind.required }]}>
              <Select options={kindOptions} disabled={!!editing} />
            </Form.Item>
          </Col>
          <Col span={14}>
            <Form.Item name="name" label={f.name.label} rules={[{ required: true, whitespace: true, message: f.name.required }, { max: 60, message: f.name.length }]}>
              <Input maxLength={60} placeholder={f.name.placeholder} />
            </Form.Item>
          </Col>
        </Row>
        {editing ? (
          <Form.Item label={f.owner.label}>
            <Typography.Text>
              {editing.unitId ? `${c.ownerUnit}：${editing.unitName ?? '—'}` : `${c.ownerUser}：${editing.userName ?? '—'}`}
            </Typography.Text>
          </Form.Item>
        ) : (
          <>
            <Form.Item name="owner" label={f.owner.label}>
              <Radio.Group
                options={[
                  { value: 'unit', label: f.owner.unit },
                  { value: 'user', label: f.owner.user },
                ]}
              />
            </Form.Item>
            {owner === 'user' ? (
              <Form.Item name="userId" label={f.userId.label} rules={[{ required: true, message: f.userId.required }]}>
                <UserPicker />
              </Form.Item>
            ) : (
              <Form.Item name="unitId" label={f.unitId.label} rules={[{ required: true, message: f.unitId.required }]}>
                <TreeSelect
                  treeData={unitOptions}
                  showSearch={{ treeNodeFilterProp: 'title' }}
                  allowClear
                  listHeight={320}
                  placeholder={f.unitId.placeholder}
                  popupMatchSelectWidth={false}
                />
              </Form.Item>
            )}
          </>
        )}
        <Form.Item
          name="target"
          label={f.target.label[shownKind ?? 'wecom']}
          extra={editing ? f.target.keep(editing.target) : undefined}
          dependencies={['kind']}
          rules={[
            { required: !editing, whitespace: true, message: f.target.required },
            ({ getFieldValue }) => ({
              validator: (_, v?: string) => {
                if (!v?.trim()) return Promise.resolve();
                const problem = targetProblem(getFieldValue('kind') as ChannelKind | undefined, v);
                return problem ? Promise.reject(new Error(problem)) : Promise.resolve();
              },
            }),
          ]}
        >
          <Input maxLength={2000} placeholder={f.target.placeholder[shownKind ?? 'wecom']} autoComplete="off" spellCheck={false} />
        </Form.Item>
        {shownKind === 'dingtalk' && (
          <>
            <Form.Item name="secret" label={f.secret.label} extra={editing?.hasSecret ? f.secret.keep : f.secret.help}>
              <Input.Password maxLength={200} autoComplete="new-password" disabled={!!clearSecret} />
            </Form.Item>
            {editing?.hasSecret && (
              <Form.Item name="clearSecret" valuePropName="checked" style={{ marginTop: -12 }}>
                <Checkbox>{f.secret.clear}</Checkbox>
              </Form.Item>
            )}
          </>
        )}
        <Form.Item name="kinds" label={f.kinds.label} extra={f.kinds.help}>
          <Select mode="multiple" allowClear options={messageKindOptions} placeholder={f.kinds.placeholder} showSearch={{ optionFilterProp: 'label' }} />
        </Form.Item>
        <Row gutter={12}>
          <Col span={16}>
            <Form.Item name="minLevel" label={f.minLevel.label}>
              <Radio.Group optionType="button" options={LEVELS.map((lv) => ({ value: lv, label: c.levels[lv] }))} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="enabled" label={f.enabled.label} valuePropName="checked">
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

/** A user chosen by typing part of the name or username (the admin's scope, active users). */
function UserPicker({ value, onChange, id }: { value?: string; onChange?: (v: string | undefined) => void; id?: string }) {
  const [found, setFound] = useState<AdminUser[]>([]);
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const fail = useFailure();

  const search = (q: string) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      const mine = ++seq.current;
      setLoading(true);
      try {
        const res = await adminApi.users({ q: q.trim() || undefined, active: true, limit: 20, offset: 0 });
        if (mine === seq.current) setFound(res.items.filter((u) => u.manageable));
      } catch (err) {
        if (mine === seq.current) fail(err);
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    }, 250);
  };

  useEffect(() => {
    search('');
    return () => clearTimeout(timer.current);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the first page once
  }, []);

  const options = useMemo(
    () => found.map((u) => ({ value: u.id, label: `${u.displayName}（${u.username}${u.unitName ? ` · ${u.unitName}` : ''}）` })),
    [found],
  );
  return (
    <Select
      id={id}
      value={value}
      onChange={onChange}
      showSearch={{ filterOption: false, onSearch: search }}
      allowClear
      loading={loading}
      options={options}
      placeholder={f.userId.placeholder}
      notFoundContent={loading ? t.common.loading : undefined}
    />
  );
}

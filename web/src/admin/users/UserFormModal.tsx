/** Creating a user (username, name, initial password, roles, unit, scope) or changing one. */
import { useEffect, useState } from 'react';
import { App, Checkbox, Form, Input, Modal, TreeSelect } from 'antd';
import { t } from '../../i18n/zh-CN';
import { adminApi, type AdminUser } from '../admin-api';
import type { UnitOption } from '../org-tree';
import { useFailure } from '../../api/use-failure';

const s = t.admin.users;

export const ROLE_KEYS = ['registrar', 'dispatcher', 'handler', 'unit_head', 'supervisor', 'leader', 'admin'] as const;
export const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,63}$/;
export const passwordAcceptable = (p: string) => p.length >= 8 && /[A-Za-z]/.test(p) && /\d/.test(p);

interface Values {
  username?: string;
  displayName: string;
  password?: string;
  roles: string[];
  unitId: string;
  scopeUnitId?: string | null;
}

export type UserFormTarget = { mode: 'create' } | { mode: 'edit'; user: AdminUser };

export function UserFormModal({ target, unitOptions, onClose, onSaved }: { target: UserFormTarget | null; unitOptions: UnitOption[]; onClose: () => void; onSaved: (user: AdminUser) => void }) {
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const { message } = App.useApp();
  const fail = useFailure();

  useEffect(() => {
    if (!target) return;
    form.resetFields();
    if (target.mode === 'edit') {
      const u = target.user;
      form.setFieldsValue({ displayName: u.displayName, roles: u.roles, unitId: u.unitId, scopeUnitId: u.scopeUnitId === u.unitId ? null : u.scopeUnitId });
    } else form.setFieldsValue({ roles: ['handler'] });
  }, [target, form]);

  const submit = async (v: Values) => {
    if (!target) return;
    setBusy(true);
    try {
      let saved: AdminUser;
      if (target.mode === 'create') {
        saved = await adminApi.createUser({
          username: v.username!.trim(),
          displayName: v.displayName.trim(),
          password: v.password!,
          roles: v.roles,
          unitId: v.unitId,
          ...(v.scopeUnitId ? { scopeUnitId: v.scopeUnitId } : {}),
        });
        message.success(s.created(saved.displayName));
      } else {
        // An emptied scope means "his own unit" again.
        saved = await adminApi.updateUser(target.user.id, { displayName: v.displayName.trim(), roles: v.roles, unitId: v.unitId, scopeUnitId: v.scopeUnitId || v.unitId });
        message.success(t.admin.saved);
      }
      onSaved(saved);
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  const creating = target?.mode === 'create';
  const unitPicker = (placeholder?: string) => (
    <TreeSelect treeData={unitOptions} showSearch treeNodeFilterProp="title" allowClear listHeight={320} placeholder={placeholder} popupMatchSelectWidth={false} />
  );
  return (
    <Modal
      open={!!target}
      title={!target ? '' : target.mode === 'create' ? s.createTitle : s.editTitle(target.user.displayName)}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t.admin.save}
      confirmLoading={busy}
      forceRender
      width={560}
    >
      <Form form={form} name="user" layout="vertical" onFinish={submit} requiredMark={false}>
        {creating && (
          <Form.Item name="username" label={s.fields.username} extra={s.usernameHint} rules={[{ required: true, pattern: USERNAME_RE, message: s.usernameRule }]}>
            <Input maxLength={64} autoComplete="off" />
          </Form.Item>
        )}
        <Form.Item name="displayName" label={s.fields.displayName} rules={[{ required: true, whitespace: true, max: 50 }]}>
          <Input maxLength={50} />
        </Form.Item>
        {creating && (
          <Form.Item
            name="password"
            label={s.fields.password}
            extra={s.passwordHint}
            rules={[{ required: true, validator: async (_, v: string | undefined) => (v && passwordAcceptable(v) ? undefined : Promise.reject(new Error(s.passwordRule))) }]}
          >
            <Input.Password autoComplete="new-password" maxLength={200} />
          </Form.Item>
        )}
        <Form.Item name="roles" label={s.fields.roles} rules={[{ required: true, type: 'array', min: 1, message: s.rolesRequired }]}>
          <Checkbox.Group options={ROLE_KEYS.map((r) => ({ value: r, label: t.admin.roles[r] }))} />
        </Form.Item>
        <Form.Item name="unitId" label={s.fields.unit} rules={[{ required: true, message: s.unitRequired }]}>
          {unitPicker()}
        </Form.Item>
        <Form.Item name="scopeUnitId" label={s.fields.scope} extra={s.scopeHint}>
          {unitPicker()}
        </Form.Item>
      </Form>
    </Modal>
  );
}

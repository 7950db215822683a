/**
 * /admin/users: the users of the admin's scope, a page at a time, searchable by name and unit; create,
 * change roles / unit / scope, reset a password, deactivate and activate. Users beyond his scope
 * are listed but not changeable (the server says which: `manageable`).
 */
import { useMemo, useState } from 'react';
import { App, Button, Card, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Tooltip, TreeSelect } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { t } from '../../i18n/zh-CN';
import { adminApi, type AdminUser } from '../admin-api';
import { nestUnits, unitOptions } from '../org-tree';
import { useFailure } from '../../api/use-failure';
import { useLoad } from '../session';
import { UserFormModal, passwordAcceptable, type UserFormTarget } from './UserFormModal';

const s = t.admin.users;
const PAGE_SIZE = 20;

function PasswordModal({ user, onClose }: { user: AdminUser | null; onClose: () => void }) {
  const [form] = Form.useForm<{ password: string; confirm: string }>();
  const [busy, setBusy] = useState(false);
  const { message } = App.useApp();
  const fail = useFailure();
  const submit = async (v: { password: string }) => {
    if (!user) return;
    setBusy(true);
    try {
      await adminApi.resetPassword(user.id, v.password);
      message.success(s.resetDone);
      form.resetFields();
      onClose();
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={!!user} title={user ? s.resetTitle(user.displayName) : ''} onCancel={onClose} onOk={() => form.submit()} okText={t.admin.save} confirmLoading={busy} forceRender>
      <p>{s.resetHint}</p>
      <Form form={form} name="reset-password" layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item
          name="password"
          label={s.fields.newPassword}
          extra={s.passwordHint}
          rules={[{ required: true, validator: async (_, v: string | undefined) => (v && passwordAcceptable(v) ? undefined : Promise.reject(new Error(s.passwordRule))) }]}
        >
          <Input.Password autoComplete="new-password" maxLength={200} />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={s.fields.confirmPassword}
          dependencies={['password']}
          rules={[{ required: true, validator: async (_, v: string | undefined) => (v === form.getFieldValue('password') ? undefined : Promise.reject(new Error(s.passwordMismatch))) }]}
        >
          <Input.Password autoComplete="new-password" maxLength={200} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function UsersPage() {
  const { message } = App.useApp();
  const fail = useFailure();
  const [q, setQ] = useState<string | undefined>();
  const [under, setUnder] = useState<string | undefined>();
  const [active, setActive] = useState<boolean | undefined>();
  const [page, setPage] = useState(1);
  const [form, setForm] = useState<UserFormTarget | null>(null);
  const [resetting, setResetting] = useState<AdminUser | null>(null);

  const units = useLoad(() => adminApi.units({ active: true }), []);
  const options = useMemo(() => unitOptions(nestUnits(units.data?.items ?? [])), [units.data]);
  const users = useLoad(() => adminApi.users({ q, under, active, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }), [q, under, active, page]);

  const toggle = async (u: AdminUser) => {
    try {
      if (u.active) await adminApi.deactivateUser(u.id);
      else await adminApi.activateUser(u.id);
      message.success(t.admin.saved);
      await users.reload();
    } catch (err) {
      fail(err);
    }
  };

  const now = Date.now();
  return (
    <Card
      title={s.title}
      size="small"
      extra={
        <Button type="primary" size="small" icon={<PlusOutlined />} onClick={() => setForm({ mode: 'create' })}>
          {s.createUser}
        </Button>
      }
    >
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search
          placeholder={s.searchPlaceholder}
          allowClear
          style={{ width: 220 }}
          onSearch={(v) => {
            setQ(v.trim() || undefined);
            setPage(1);
          }}
        />
        <TreeSelect
          treeData={options}
          showSearch
          treeNodeFilterProp="title"
          allowClear
          placeholder={s.underPlaceholder}
          style={{ width: 260 }}
          listHeight={320}
          popupMatchSelectWidth={false}
          value={under}
          onChange={(v?: string) => {
            setUnder(v || undefined);
            setPage(1);
          }}
        />
        <Select<'all' | 'active' | 'inactive'>
          style={{ width: 120 }}
          value={active === undefined ? 'all' : active ? 'active' : 'inactive'}
          onChange={(v) => {
            setActive(v === 'all' ? undefined : v === 'active');
            setPage(1);
          }}
          options={[
            { value: 'all', label: t.admin.fmt.labelled(s.statusFilter, t.admin.all) },
            { value: 'active', label: t.admin.active },
            { value: 'inactive', label: t.admin.inactive },
          ]}
        />
      </Space>
      <Table<AdminUser>
        size="small"
        rowKey="id"
        loading={users.loading}
        dataSource={users.data?.items ?? []}
        pagination={{ current: page, pageSize: PAGE_SIZE, total: users.data?.total ?? 0, showSizeChanger: false, onChange: setPage, showTotal: s.total }}
        columns={[
          { title: s.fields.username, dataIndex: 'username', width: 160 },
          { title: s.fields.displayName, dataIndex: 'displayName', width: 120 },
          {
            title: s.fields.roles,
            dataIndex: 'roles',
            render: (roles: string[]) => roles.map((r) => <Tag key={r} color={r === 'admin' ? 'red' : undefined}>{t.admin.roles[r] ?? r}</Tag>),
          },
          { title: s.fields.unit, dataIndex: 'unitName', render: (n: string | null) => n ?? '—' },
          { title: s.fields.scope, dataIndex: 'scopeUnitName', render: (n: string | null) => n ?? '—' },
          {
            title: s.fields.status,
            key: 'status',
            width: 90,
            render: (_, u) =>
              !u.active ? <Tag>{t.admin.inactive}</Tag> : u.lockedUntil && Date.parse(u.lockedUntil) > now ? <Tag color="orange">{t.admin.locked}</Tag> : <Tag color="green">{t.admin.active}</Tag>,
          },
          {
            title: t.admin.actions,
            key: 'actions',
            width: 200,
            render: (_, u) =>
              !u.manageable ? (
                <Tooltip title={s.notManageable}>
                  <span style={{ color: '#999' }}>—</span>
                </Tooltip>
              ) : (
                <Space size={0} wrap>
                  <Button type="link" size="small" onClick={() => setForm({ mode: 'edit', user: u })}>
                    {t.admin.edit}
                  </Button>
                  <Button type="link" size="small" onClick={() => setResetting(u)}>
                    {s.resetPassword}
                  </Button>
                  <Popconfirm title={u.active ? s.deactivateConfirm : s.activateConfirm} onConfirm={() => toggle(u)} okText={t.common.confirm} cancelText={t.common.cancel}>
                    <Button type="link" size="small" danger={u.active}>
                      {u.active ? t.admin.deactivate : t.admin.activate}
                    </Button>
                  </Popconfirm>
                </Space>
              ),
          },
        ]}
      />
      <UserFormModal
        target={form}
        unitOptions={options}
        onClose={() => setForm(null)}
        onSaved={() => {
          setForm(null);
          void users.reload();
        }}
      />
      <PasswordModal user={resetting} onClose={() => setResetting(null)} />
    </Card>
  );
}

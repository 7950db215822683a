/**
 * /admin/api-keys: keys for other systems (Open311 clients such as the city's 12345 platform). Issue
 * one (name, an optional acting registrar, a per-minute limit): the key is shown once, in a modal
 * with a copy button; list them (prefix, acting user, last use, revoked or not); revoke one after a
 * confirmation.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { App, Button, Card, Form, Input, InputNumber, Modal, Popconfirm, Select, Table, Tag, Typography } from 'antd';
import { KeyOutlined, PlusOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { t } from '../../i18n/zh-CN';
import { adminApi, type AdminUser } from '../admin-api';
import { useFailure } from '../../api/use-failure';
import { useLoad } from '../session';
import { SecretOnceModal } from '../webhooks/SecretOnceModal';
import { apiKeysApi, type ApiKey, type IssuedApiKey } from './api-keys-api';

const k = t.integrations.apiKeys;
/** the roles that may accept a case (transition 'accept'): an acting user registers and accepts in one step */
const ACTING_ROLES = ['dispatcher', 'leader'];
const fmt = (iso: string | null | undefined) => (iso ? dayjs(iso).format('YYYY-MM-DD HH:mm') : '');

export function ApiKeysPage() {
  const { message } = App.useApp();
  const fail = useFailure();
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<IssuedApiKey | null>(null);
  const list = useLoad(() => apiKeysApi.list(), []);

  const revoke = async (key: ApiKey) => {
    try {
      await apiKeysApi.revoke(key.id);
      message.success(k.revokedDone(key.name));
      await list.reload();
    } catch (err) {
      fail(err);
    }
  };

  return (
    <Card
      title={k.title}
      size="small"
      extra={
        <Button type="primary" size="small" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {k.create}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{k.subtitle}</Typography.Paragraph>
      <Table<ApiKey>
        size="small"
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: k.empty }}
        onRow={(key) => ({ 'data-api-key': key.name }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: k.columns.name, dataIndex: 'name', render: (n: string) => <span style={{ fontWeight: 500, wordBreak: 'break-word' }}>{n}</span> },
          { title: k.columns.prefix, dataIndex: 'prefix', width: 130, render: (p: string) => <Typography.Text code>{p}…</Typography.Text> },
          { title: k.columns.acting, dataIndex: 'actingUserName', width: 150, render: (n: string | null) => n ?? <Typography.Text type="secondary">{k.noActing}</Typography.Text> },
          { title: k.columns.rate, dataIndex: 'ratePerMinute', width: 96 },
          { title: k.columns.created, key: 'created', width: 170, render: (_, key) => k.createdBy(key.createdByName, fmt(key.createdAt)) },
          { title: k.columns.lastUsed, dataIndex: 'lastUsedAt', width: 140, render: (at: string | null) => (at ? fmt(at) : <Typography.Text type="secondary">{k.never}</Typography.Text>) },
          {
            title: k.columns.status,
            dataIndex: 'revokedAt',
            width: 170,
            render: (at: string | null) => (at ? <Tag data-status="revoked">{k.revoked(fmt(at))}</Tag> : <Tag color="success" data-status="active">{k.active}</Tag>),
          },
          {
            title: k.columns.actions,
            key: 'actions',
            width: 80,
            render: (_, key) =>
              key.revokedAt ? null : (
                <Popconfirm title={k.revokeConfirm(key.name)} okText={t.common.confirm} cancelText={t.common.cancel} okButtonProps={{ danger: true }} onConfirm={() => revoke(key)}>
                  <Button type="link" size="small" danger>
                    {k.revoke}
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      <IssueKeyModal
        open={creating}
        onClose={() => setCreating(false)}
        onIssued={(key) => {
          setCreating(false);
          setIssued(key);
          void list.reload();
        }}
      />
      <SecretOnceModal title={k.issued.title} secret={issued?.key ?? null} lines={issued ? [k.issued.name(issued.name)] : []} texts={k.issued} onClose={() => setIssued(null)} />
    </Card>
  );
}

interface Values {
  name?: string;
  actingUserId?: string;
  ratePerMinute?: number;
}

/** The form that issues a key: name, an optional acting registrar, the per-minute limit. */
function IssueKeyModal({ open, onClose, onIssued }: { open: boolean; onClose: () => void; onIssued: (key: IssuedApiKey) => void }) {
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const fail = useFailure();

  useEffect(() => {
    if (open) {
      form.resetFields();
      form.setFieldsValue({ ratePerMinute: 60 });
    }
  }, [open, form]);

  const submit = async (v: Values) => {
    setBusy(true);
    try {
      onIssued(await apiKeysApi.create({ name: v.name!.trim(), actingUserId: v.actingUserId ?? null, ratePerMinute: v.ratePerMinute }));
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  const f = k.form;
  return (
    <Modal open={open} title={f.title} onCancel={onClose} footer={null} forceRender afterOpenChange={(o) => o && form.getFieldInstance('name')?.focus()}>
      <Form<Values> form={form} name="api-key" layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item name="name" label={f.name.label} rules={[{ required: true, whitespace: true, message: f.name.required }, { max: 60, message: f.name.length }]}>
          <Input maxLength={60} placeholder={f.name.placeholder} />
        </Form.Item>
        <Form.Item name="actingUserId" label={f.acting.label} extra={f.acting.help}>
          <ActingUserPicker />
        </Form.Item>
        <Form.Item name="ratePerMinute" label={f.rate.label} extra={f.rate.help} rules={[{ required: true, type: 'number', min: 1, max: 6000, message: f.rate.help }]}>
          <InputNumber min={1} max={6000} precision={0} style={{ width: 160 }} />
        </Form.Item>
        <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8 }}>
          <Button onClick={onClose}>{f.cancel}</Button>
          <Button type="primary" htmlType="submit" loading={busy} icon={<KeyOutlined />}>
            {f.submit}
          </Button>
        </div>
      </Form>
    </Modal>
  );
}

/**
 * An active staff user who may register and accept (分派员 or 领导: the roles the lifecycle lets accept;
 * the server checks the same, src/services/api-keys.ts ACTING_ROLES), found by typing part of the name
 * or username (the admin's scope). A registrar alone may register but not accept, so is not offered.
 */
function ActingUserPicker({ value, onChange, id }: { value?: string; onChange?: (v: string | undefined) => void; id?: string }) {
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
        const res = await adminApi.users({ q: q.trim() || undefined, active: true, limit: 100, offset: 0 });
        if (mine === seq.current) setFound(res.items.filter((u) => u.manageable && u.roles.some((r) => ACTING_ROLES.includes(r))));
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

  const options = useMemo(() => found.map((u) => ({ value: u.id, label: `${u.displayName}（${u.username}${u.unitName ? ` · ${u.unitName}` : ''}）` })), [found]);
  return (
    <Select
      id={id}
      value={value}
      onChange={onChange}
      showSearch={{ filterOption: false, onSearch: search }}
      allowClear
      loading={loading}
      options={options}
      placeholder={k.form.acting.placeholder}
      notFoundContent={loading ? t.common.loading : undefined}
    />
  );
}

/** /staff/login: username and password; the server sets the HttpOnly session cookie. */
import { useEffect, useState } from 'react';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { useNavigate, useSearchParams } from 'react-router';
import { api, ApiError } from '../api/client';
import { t } from '../i18n/zh-CN';
import { clearReferenceCache } from './reference';

const s = t.staff.login;

/** Given the ?next parameter, returns a safe place inside the workbench to go after login. */
const safeNext = (next: string | null) => (next && /^\/(staff|admin)(\/|$)/.test(next) && !next.startsWith('/staff/login') ? next : '/staff');

export function LoginPage() {
  const [form] = Form.useForm<{ username: string; password: string }>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [params] = useSearchParams();
  const navigate = useNavigate();

  useEffect(() => {
    document.title = `${s.title} - ${t.common.appName}`;
  }, []);

  const submit = async (v: { username: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/auth/login', { username: v.username.trim(), password: v.password });
      clearReferenceCache();
      navigate(safeNext(params.get('next')), { replace: true });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : t.common.networkError);
      form.setFieldValue('password', '');
      form.getFieldInstance('password')?.focus?.();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', background: 'linear-gradient(180deg, #b71c1c 0, #b71c1c 220px, #f5f5f5 220px)' }}>
      <Card style={{ width: 400 }} styles={{ body: { padding: 32 } }}>
        <Typography.Title level={3} style={{ textAlign: 'center', marginTop: 0 }}>
          {t.common.appName}
        </Typography.Title>
        <Typography.Paragraph type="secondary" style={{ textAlign: 'center' }}>
          {s.title}
        </Typography.Paragraph>
        {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} role="alert" />}
        <Form form={form} layout="vertical" onFinish={submit} requiredMark={false} autoComplete="on">
          <Form.Item name="username" label={s.username} rules={[{ required: true, whitespace: true, message: s.usernameRequired }]}>
            <Input prefix={<UserOutlined />} autoFocus autoComplete="username" size="large" />
          </Form.Item>
          <Form.Item name="password" label={s.password} rules={[{ required: true, message: s.passwordRequired }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" size="large" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={busy}>
            {s.submit}
          </Button>
        </Form>
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0, fontSize: 12 }}>
          {s.hint}
        </Typography.Paragraph>
      </Card>
    </main>
  );
}

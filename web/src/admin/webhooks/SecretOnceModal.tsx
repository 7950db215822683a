/**
 * A secret shown once (an API key when issued, a webhook's signing secret when created or rotated):
 * a warning that it will not be shown again, the value to select, a copy button. Closing forgets it.
 */
import { useState } from 'react';
import { Alert, App, Button, Input, Modal, Space, Typography } from 'antd';
import { CopyOutlined } from '@ant-design/icons';

export interface SecretOnceTexts {
  warning: string;
  copy: string;
  copied: string;
  copyFailed: string;
  done: string;
}

export function SecretOnceModal({ title, secret, lines, hint, texts, onClose }: { title: string; secret: string | null; lines?: string[]; hint?: string; texts: SecretOnceTexts; onClose: () => void }) {
  const { message } = App.useApp();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
      message.success(texts.copied);
    } catch {
      message.warning(texts.copyFailed);
    }
  };
  return (
    <Modal
      open={!!secret}
      title={title}
      closable={false}
      destroyOnHidden
      maskClosable={false}
      keyboard={false}
      afterOpenChange={(open) => !open && setCopied(false)}
      footer={
        <Button type="primary" onClick={onClose}>
          {texts.done}
        </Button>
      }
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Alert type="warning" showIcon title={texts.warning} />
        {lines?.map((l) => (
          <Typography.Text key={l}>{l}</Typography.Text>
        ))}
        <Input.TextArea value={secret ?? ''} readOnly autoSize onFocus={(e) => e.currentTarget.select()} data-testid="secret-once" style={{ fontFamily: 'monospace' }} />
        <Button icon={<CopyOutlined />} onClick={() => void copy()}>
          {copied ? texts.copied : texts.copy}
        </Button>
        {hint && <Typography.Text type="secondary">{hint}</Typography.Text>}
      </Space>
    </Modal>
  );
}

import { useEffect, useRef } from 'react';
import { App, Button, Card, Flex, List, Space, Tag, Typography } from 'antd';
import { CheckCircleFilled, CopyOutlined } from '@ant-design/icons';
import { useNavigate } from 'react-router';
import { t } from '../../i18n/zh-CN';
import { qs } from '../../api/client';
import { copyText } from '../copy-text';
import type { Receipt } from '../citizen-api';

const m = t.citizen.done;

export interface PhotoUpload {
  uid: string;
  name: string;
  status: 'uploading' | 'done' | 'failed';
  error?: string;
}

interface Props {
  receipt: Receipt;
  photos: PhotoUpload[];
  onRetryPhotos: () => void;
  onAnother: () => void;
}

/** After submitting: the case number and query code, big, to copy or note; the photos' upload; the way to tracking. */
export function SubmitDone({ receipt, photos, onRetryPhotos, onAnother }: Props) {
  const { message } = App.useApp();
  const navigate = useNavigate();
  const trackUrl = `/m/track${qs({ number: receipt.number, code: receipt.queryCode })}`;
  const copy = async () => {
    if (await copyText(m.copyText(receipt.number, receipt.queryCode))) message.success(m.copied);
    else message.error(m.copyFailed);
  };
  // screen readers and keyboards start at the receipt, not at the top of a page that changed under them
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const failed = photos.filter((p) => p.status === 'failed').length;
  const busy = photos.some((p) => p.status === 'uploading');
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      <Card className="citizen-receipt" role="region" aria-labelledby="citizen-done-title">
        <CheckCircleFilled style={{ fontSize: 48, color: '#52c41a' }} aria-hidden />
        <Typography.Title level={3} id="citizen-done-title" ref={heading} tabIndex={-1} style={{ margin: '8px 0 4px', outline: 'none' }}>
          {m.title}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{m.subtitle}</Typography.Paragraph>
        <Flex vertical gap={12} style={{ margin: '16px 0' }}>
          <div>
            <Typography.Text type="secondary">{m.number}</Typography.Text>
            <span className="citizen-receipt-value" data-testid="receipt-number">
              {receipt.number}
            </span>
          </div>
          <div>
            <Typography.Text type="secondary">{m.code}</Typography.Text>
            <span className="citizen-receipt-value citizen-receipt-code" data-testid="receipt-code">
              {receipt.queryCode}
            </span>
          </div>
        </Flex>
        <Typography.Paragraph>{m.keep}</Typography.Paragraph>
        <Flex vertical gap={8}>
          <Button size="large" icon={<CopyOutlined />} onClick={copy} block>
            {m.copy}
          </Button>
          <Button
            type="primary"
            size="large"
            block
            href={trackUrl}
            onClick={(e) => {
              e.preventDefault();
              navigate(trackUrl);
            }}
          >
            {m.track}
          </Button>
        </Flex>
      </Card>
      {photos.length > 0 && (
        <Card title={m.photos} size="small">
          <List
            size="small"
            dataSource={photos}
            renderItem={(p) => (
              <List.Item
                extra={
                  p.status === 'done' ? (
                    <Tag color="success">{m.photoDone}</Tag>
                  ) : p.status === 'failed' ? (
                    <Tag color="error">{m.photoFailed}</Tag>
                  ) : (
                    <Tag color="processing">{m.photoUploading}</Tag>
                  )
                }
              >
                <Typography.Text ellipsis style={{ maxWidth: '60vw' }}>
                  {p.name}
                </Typography.Text>
                {p.error && (
                  <Typography.Text type="danger" style={{ display: 'block', fontSize: 12 }}>
                    {p.error}
                  </Typography.Text>
                )}
              </List.Item>
            )}
          />
          {failed > 0 && !busy && (
            <Button onClick={onRetryPhotos} block style={{ marginTop: 8 }}>
              {m.retryPhotos}
            </Button>
          )}
        </Card>
      )}
      <Button type="link" block onClick={onAnother}>
        {m.another}
      </Button>
    </Space>
  );
}

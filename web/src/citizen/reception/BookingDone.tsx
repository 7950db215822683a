import { useEffect, useRef } from 'react';
import { App, Button, Card, Flex, Typography } from 'antd';
import { CheckCircleFilled, CopyOutlined } from '@ant-design/icons';
import { t } from '../../i18n/zh-CN';
import { copyText } from '../copy-text';
import type { BookingReceipt } from './reception-api';
import { dayLabel } from './SlotList';

const m = t.reception.citizen.done;

/** After booking: the booking number and code (the code shown only now), big, to note or copy. */
export function BookingDone({ receipt, onView, onBack }: { receipt: BookingReceipt; onView: () => void; onBack: () => void }) {
  const { message } = App.useApp();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    window.scrollTo(0, 0);
    heading.current?.focus();
  }, []);
  const copy = async () => {
    if (await copyText(m.copyText(receipt.number, receipt.code))) message.success(m.copied);
    else message.error(m.copyFailed);
  };
  const s = receipt.slot;
  return (
    <Card className="citizen-receipt citizen-section" role="region" aria-labelledby="reception-done-title">
      <CheckCircleFilled style={{ fontSize: 48, color: '#52c41a' }} aria-hidden />
      <Typography.Title level={3} id="reception-done-title" ref={heading} tabIndex={-1} style={{ margin: '8px 0 4px', outline: 'none' }}>
        {m.title}
      </Typography.Title>
      <Typography.Paragraph>
        {s.leaderName}（{s.post}）<br />
        {dayLabel(s.date)} {s.startTime}–{s.endTime}
        <br />
        {s.place}
        {s.room ? ` · ${s.room}` : ''}
      </Typography.Paragraph>
      <Flex vertical gap={12} style={{ margin: '16px 0' }}>
        <div>
          <Typography.Text type="secondary">{m.number}</Typography.Text>
          <span className="citizen-receipt-value" data-testid="booking-number">
            {receipt.number}
          </span>
        </div>
        <div>
          <Typography.Text type="secondary">{m.code}</Typography.Text>
          <span className="citizen-receipt-value citizen-receipt-code" data-testid="booking-code">
            {receipt.code}
          </span>
        </div>
      </Flex>
      <Typography.Paragraph>{m.keep}</Typography.Paragraph>
      <Flex vertical gap={8}>
        <Button size="large" icon={<CopyOutlined />} onClick={copy} block>
          {m.copy}
        </Button>
        <Button type="primary" size="large" block onClick={onView}>
          {m.view}
        </Button>
        <Button type="link" block onClick={onBack}>
          {m.another}
        </Button>
      </Flex>
    </Card>
  );
}

import { useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Form, Input, Tag, Typography } from 'antd';
import { Link, useSearchParams } from 'react-router';
import { ApiError, qs } from '../../api/client';
import { applyServerError } from '../../api/form-errors';
import { t } from '../../i18n/zh-CN';
import { receptionApi, type PublicBooking } from './reception-api';
import { dayLabel } from './SlotList';

const m = t.reception.citizen.lookup;

const NUMBER = /^YF\d{8}$/;
const CODE = /^[A-Z0-9]{8}$/;
const tidy = (s: string | undefined) => (s ?? '').replace(/\s+/g, '').toUpperCase();

interface Proof {
  number: string;
  code: string;
}

const STATUS_COLORS: Record<string, string> = { booked: 'blue', received: 'green', cancelled: 'default', no_show: 'orange' };

/** "My booking": look it up by number + code (or arrive with ?number=&code=), see where things stand, cancel it. */
export function BookingLookup() {
  const { message, modal } = App.useApp();
  const [params] = useSearchParams();
  const [form] = Form.useForm<Proof>();
  const [proof, setProof] = useState<Proof | null>(null);
  const [booking, setBooking] = useState<PublicBooking | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<{ text: string; notFound?: boolean } | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const result = useRef<HTMLDivElement>(null);

  const query = async (p: Proof) => {
    setLoading(true);
    setProblem(null);
    try {
      setBooking(await receptionApi.find(p.number, p.code));
      setProof(p);
      requestAnimationFrame(() => result.current?.focus());
    } catch (err) {
      setBooking(null);
      if (err instanceof ApiError && err.code === 'NETWORK') setProblem({ text: t.citizen.networkError });
      else {
        const rest = applyServerError(form, err);
        if (rest?.length) setProblem({ text: rest.join('；') });
        else if (rest === null) setProblem(err instanceof ApiError ? { text: err.message, notFound: err.status === 404 } : { text: t.citizen.unknownError });
      }
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    const number = tidy(params.get('number') ?? undefined);
    const code = tidy(params.get('code') ?? undefined);
    if (!number && !code) return;
    form.setFieldsValue({ number, code });
    if (NUMBER.test(number) && CODE.test(code)) void query({ number, code });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, for the address the page was opened with
  }, []);

  const cancel = () => {
    if (!proof) return;
    modal.confirm({
      title: m.cancelTitle,
      content: m.cancelBody,
      okText: m.cancelOk,
      okButtonProps: { danger: true },
      cancelText: t.common.back,
      onOk: async () => {
        setCancelling(true);
        try {
          setBooking(await receptionApi.cancel(proof.number, proof.code));
          message.success(m.cancelled);
        } catch (err) {
          message.error(err instanceof ApiError ? err.message : t.citizen.networkError);
        } finally {
          setCancelling(false);
        }
      },
    });
  };

  return (
    <>
      <Card className="citizen-section" size="small">
        <Typography.Paragraph type="secondary">{m.intro}</Typography.Paragraph>
        <Form<Proof> form={form} name="reception-lookup" layout="vertical" onFinish={(v) => query({ number: tidy(v.number), code: tidy(v.code) })}>
          <Form.Item
            name="number"
            label={m.number.label}
            normalize={(v: string) => v.toUpperCase()}
            rules={[
              { required: true, whitespace: true, message: m.number.required },
              { validator: (_, v: string | undefined) => (!tidy(v) || NUMBER.test(tidy(v)) ? Promise.resolve() : Promise.reject(new Error(m.number.invalid))) },
            ]}
          >
            <Input placeholder={m.number.placeholder} autoComplete="off" autoCapitalize="characters" spellCheck={false} maxLength={14} />
          </Form.Item>
          <Form.Item
            name="code"
            label={m.code.label}
            normalize={(v: string) => v.toUpperCase()}
            rules={[
              { required: true, whitespace: true, message: m.code.required },
              { validator: (_, v: string | undefined) => (!tidy(v) || CODE.test(tidy(v)) ? Promise.resolve() : Promise.reject(new Error(m.code.invalid))) },
            ]}
          >
            <Input placeholder={m.code.placeholder} autoComplete="off" autoCapitalize="characters" spellCheck={false} maxLength={12} />
          </Form.Item>
          {problem && (
            <Alert type="error" showIcon role="alert" title={problem.text} description={problem.notFound ? m.notFoundHelp : undefined} style={{ marginBottom: 12 }} data-testid="lookup-problem" />
          )}
          <Button type="primary" htmlType="submit" size="large" block loading={loading}>
            {m.query}
          </Button>
        </Form>
      </Card>

      {booking && (
        <div ref={result} tabIndex={-1} aria-live="polite" style={{ outline: 'none' }} data-testid="booking-view">
          <Card
            size="small"
            className="citizen-section"
            title={
              <span>
                {booking.number}{' '}
                <Tag color={STATUS_COLORS[booking.status]} data-status={booking.status} style={{ marginInlineStart: 4 }}>
                  {t.reception.status[booking.status]}
                </Tag>
              </span>
            }
          >
            {booking.status === 'cancelled' && (
              <Alert
                type={booking.cancelledBy === 'office' ? 'warning' : 'info'}
                showIcon
                title={booking.cancelledBy === 'office' ? m.cancelledByOffice(booking.cancelReason ?? '') : m.cancelledByCitizen}
                style={{ marginBottom: 12 }}
              />
            )}
            {booking.status === 'received' && booking.caseNumber && (
              <Alert
                type="success"
                showIcon
                title={m.received(booking.caseNumber)}
                action={
                  <Link to={`/m/track${qs({ number: booking.caseNumber })}`}>
                    <Button size="small">{m.track}</Button>
                  </Link>
                }
                style={{ marginBottom: 12 }}
              />
            )}
            {booking.status === 'no_show' && <Alert type="warning" showIcon title={m.noShow} style={{ marginBottom: 12 }} />}
            <Descriptions column={1} size="small" styles={{ label: { width: 84 } }}>
              <Descriptions.Item label={m.leader}>
                {booking.slot.leaderName}（{booking.slot.post}）
              </Descriptions.Item>
              <Descriptions.Item label={m.when}>
                {dayLabel(booking.slot.date)} {booking.slot.startTime}–{booking.slot.endTime}
              </Descriptions.Item>
              <Descriptions.Item label={m.where}>
                {booking.slot.place}
                {booking.slot.room ? ` · ${booking.slot.room}` : ''}
              </Descriptions.Item>
              {booking.batchNo !== null && <Descriptions.Item label={m.batch}>{m.batchValue(booking.batchNo)}</Descriptions.Item>}
              {booking.room && booking.room !== booking.slot.room && <Descriptions.Item label={m.room}>{booking.room}</Descriptions.Item>}
              <Descriptions.Item label={m.person}>
                {booking.name} {booking.phone}
              </Descriptions.Item>
              <Descriptions.Item label={m.people}>{m.peopleValue(booking.peopleCount)}</Descriptions.Item>
              <Descriptions.Item label={m.matter}>
                <span className="citizen-reply">{booking.matter}</span>
              </Descriptions.Item>
            </Descriptions>
            {booking.canCancel && (
              <Button danger block size="large" onClick={cancel} loading={cancelling} style={{ marginTop: 12 }}>
                {m.cancel}
              </Button>
            )}
          </Card>
        </div>
      )}
    </>
  );
}

import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Card, Form, Input, Skeleton, Typography } from 'antd';
import { useSearchParams } from 'react-router';
import { ApiError } from '../../api/client';
import { t } from '../../i18n/zh-CN';
import { citizenApi, type PublicCaseView } from '../citizen-api';
import { applyServerError } from '../../api/form-errors';
import { usePageTitle } from '../use-page-title';
import { CaseStatus, CaseTimeline } from './CaseStatus';
import { PetitionerActions, type Proof } from './PetitionerActions';

const m = t.citizen.track;

const NUMBER = /^[A-Z]{2,8}-\d{4}-\d{6,}$/;
const CODE = /^[A-Z0-9]{8}$/;

/** Given typed text, returns it as the server spells numbers and codes: no spaces, upper case. */
const tidy = (s: string | undefined) => (s ?? '').replace(/\s+/g, '').toUpperCase();

/**
 * /m/track: the petitioner looks a case up by number + query code (or arrives with
 * ?number=&code= from the receipt) and sees its state, deadline, reply and steps; rates,
 * asks for review or withdraws from here.
 */
export function TrackPage() {
  usePageTitle(m.pageTitle);
  const [params] = useSearchParams();
  const [form] = Form.useForm<Proof>();
  const [proof, setProof] = useState<Proof | null>(null);
  const [view, setView] = useState<PublicCaseView | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<{ text: string; notFound?: boolean } | null>(null);
  const result = useRef<HTMLDivElement>(null);

  const query = async (p: Proof) => {
    setLoading(true);
    setProblem(null);
    try {
      const v = await citizenApi.track(p.number, p.code);
      setProof(p);
      setView(v);
      requestAnimationFrame(() => result.current?.focus());
    } catch (err) {
      setView(null);
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

  // Arriving from the receipt's link: fill in and look up at once.
  useEffect(() => {
    const number = tidy(params.get('number') ?? undefined);
    const code = tidy(params.get('code') ?? undefined);
    if (!number && !code) return;
    form.setFieldsValue({ number, code });
    if (NUMBER.test(number) && CODE.test(code)) void query({ number, code });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, for the address the page was opened with
  }, []);

  return (
    <>
      <Typography.Title level={4} className="citizen-page-title">
        {m.pageTitle}
      </Typography.Title>
      <Typography.Text type="secondary" className="citizen-intro">
        {m.intro}
      </Typography.Text>
      <Card className="citizen-section" size="small">
        <Form<Proof> form={form} name="citizen-track" layout="vertical" onFinish={(v) => query({ number: tidy(v.number), code: tidy(v.code) })}>
          <Form.Item
            name="number"
            label={m.number.label}
            normalize={(v: string) => v.toUpperCase()}
            rules={[
              { required: true, whitespace: true, message: m.number.required },
              { validator: (_, v: string | undefined) => (!tidy(v) || NUMBER.test(tidy(v)) ? Promise.resolve() : Promise.reject(new Error(m.number.invalid))) },
            ]}
          >
            <Input placeholder={m.number.placeholder} autoComplete="off" autoCapitalize="characters" spellCheck={false} maxLength={24} />
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
            <Alert type="error" showIcon role="alert" title={problem.text} description={problem.notFound ? m.notFoundHelp : undefined} style={{ marginBottom: 12 }} data-testid="track-problem" />
          )}
          <Button type="primary" htmlType="submit" size="large" block loading={loading}>
            {m.query}
          </Button>
        </Form>
      </Card>

      {loading && !view && <Skeleton active />}
      {view && proof && (
        <div ref={result} tabIndex={-1} aria-live="polite" style={{ outline: 'none' }}>
          <CaseStatus view={view} />
          <PetitionerActions proof={proof} view={view} onChanged={setView} />
          <CaseTimeline view={view} />
          <Button block onClick={() => query(proof)} loading={loading}>
            {m.refresh}
          </Button>
        </div>
      )}
    </>
  );
}

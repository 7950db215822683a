/**
 * Beside the intake form, while the registrar types: the petitioner's earlier cases (found by the
 * server from a complete, valid ID number or phone — by blind index, and audited) and cases about
 * the same matter from anyone (by the text's keywords). Hints never block registration.
 * Above them, what the server's model suggests (智能建议: category, lead unit; 采用 fills the form's
 * category) and the cases about the same matter by near-identical text, the same person's marked
 * 重复信访.
 */
import { useEffect, useRef, useState } from 'react';
import { Button, Card, List, Space, Tag, Typography } from 'antd';
import { Link } from 'react-router';
import { api } from '../api/client';
import { t } from '../i18n/zh-CN';
import { parsePhone } from '../../../src/domain/personal-data/phone';
import { validateIdNumber } from '../../../src/domain/personal-data/id-number';
import { DueTag, StateTag } from './components';
import { useMeta } from './reference';
import type { CaseSummary, RoutingSuggestion } from './types';

const s = t.staff.intake.hints;
const g = t.intelligence;
const DEBOUNCE_MS = 600;

interface Hints {
  earlierCases: Array<CaseSummary & { matchedBy: string }>;
  earlierTotal: number | string;
  similarCases: Array<CaseSummary & { matchedKeywords: number; ofKeywords: number }>;
  keywords: string[];
  routing?: RoutingSuggestion | null;
  sameMatter?: Array<CaseSummary & { samePerson: boolean }>;
}

export interface HintInput {
  title?: string;
  content?: string;
  petitioners?: Array<{ phone?: string; idNumber?: string } | undefined>;
}

/** Only what can find something goes to the server: complete, valid numbers and a few words of text. */
function requestOf(v: HintInput) {
  const petitioners = (v.petitioners ?? [])
    .map((p) => ({
      idNumber: p?.idNumber?.trim() && validateIdNumber(p.idNumber.trim(), new Date()).ok ? p.idNumber.trim() : undefined,
      phone: p?.phone?.trim() && parsePhone(p.phone.trim()).ok ? p.phone.trim() : undefined,
    }))
    .filter((p) => p.idNumber || p.phone);
  const title = v.title?.trim() ?? '';
  const content = v.content?.trim() ?? '';
  const enoughText = title.length + content.length >= 4;
  if (!petitioners.length && !enoughText) return null;
  return { petitioners, title: enoughText ? title : undefined, content: enoughText ? content.slice(0, 2000) : undefined };
}

export function IntakeHints({ values, category, onAdoptCategory }: { values: HintInput; category?: string; onAdoptCategory?: (code: string, name: string) => void }) {
  const meta = useMeta();
  const [hints, setHints] = useState<Hints | null>(null);
  const [state, setState] = useState<'idle' | 'loading' | 'failed'>('idle');
  const seq = useRef(0);
  const request = requestOf(values);
  const key = JSON.stringify(request);

  useEffect(() => {
    if (!request) {
      setHints(null);
      return;
    }
    const mine = ++seq.current;
    const timer = setTimeout(() => {
      setState('loading');
      api
        .post<Hints>('/api/intake/hints', request)
        .then((h) => mine === seq.current && (setHints(h), setState('idle')))
        .catch(() => mine === seq.current && setState('failed'));
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  if (!request && !hints) return null;
  const item = (c: CaseSummary, extra: React.ReactNode) => (
    <List.Item style={{ padding: '6px 0' }}>
      <div style={{ width: '100%' }}>
        <Space size={4} wrap>
          <Link to={`/staff/cases/${c.id}`} target="_blank" rel="noopener">
            {c.number}
          </Link>
          <StateTag state={c.state} meta={meta} />
          <DueTag status={c.dueStatus} />
          {extra}
        </Space>
        <div>
          <Typography.Text ellipsis style={{ maxWidth: '100%' }}>
            {c.title}
          </Typography.Text>{' '}
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {c.receivedAt.slice(0, 10)}
          </Typography.Text>
        </div>
      </div>
    </List.Item>
  );
  const hasPerson = (request?.petitioners.length ?? 0) > 0;
  return (
    <div aria-live="polite" data-testid="intake-hints">
      {state === 'failed' && <Typography.Text type="secondary">{s.failed}</Typography.Text>}
      {hints?.routing && <RoutingCard routing={hints.routing} category={category} onAdopt={onAdoptCategory} />}
      {hints && (hints.sameMatter?.length ?? 0) > 0 && (
        <Card size="small" title={g.sameMatterTitle} style={{ marginBottom: 16 }} data-testid="same-matter">
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 4 }}>
            {g.sameMatterHint}
          </Typography.Paragraph>
          <List
            size="small"
            dataSource={hints.sameMatter}
            renderItem={(c) =>
              item(
                c,
                c.samePerson ? (
                  <Tag color="red" data-same-person="true">
                    {g.samePerson}
                  </Tag>
                ) : (
                  <Tag color="orange">{g.sameMatter}</Tag>
                ),
              )
            }
          />
        </Card>
      )}
      {hasPerson && hints && (
        <Card size="small" title={`${s.earlierTitle}（${hints.earlierTotal}）`} style={{ marginBottom: 16 }} data-testid="earlier-cases" extra={<Typography.Text type="secondary" style={{ fontSize: 12 }}>{s.lookupAudited}</Typography.Text>}>
          {hints.earlierCases.length === 0 ? (
            <Typography.Text type="secondary">{s.earlierEmpty}</Typography.Text>
          ) : (
            <List size="small" dataSource={hints.earlierCases} renderItem={(c) => item(c, <Tag>{s.matchedBy[c.matchedBy] ?? c.matchedBy}</Tag>)} />
          )}
          {typeof hints.earlierTotal === 'string' && <Typography.Text type="secondary">{s.earlierMore(hints.earlierTotal)}</Typography.Text>}
        </Card>
      )}
      {hints && (hints.similarCases.length > 0 || hints.keywords.length > 0) && (
        <Card size="small" title={s.similarTitle} style={{ marginBottom: 16 }} data-testid="similar-cases">
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 4 }}>
            {s.similarHint}
            {hints.keywords.length > 0 && `（${s.keywords}：${hints.keywords.join('、')}）`}
          </Typography.Paragraph>
          {hints.similarCases.length === 0 ? (
            <Typography.Text type="secondary">{s.similarEmpty}</Typography.Text>
          ) : (
            <List size="small" dataSource={hints.similarCases} renderItem={(c) => item(c, <Tag color="orange">{s.matched(c.matchedKeywords, c.ofKeywords)}</Tag>)} />
          )}
        </Card>
      )}
      {state === 'loading' && !hints && <Typography.Text type="secondary">{s.loading}</Typography.Text>}
    </div>
  );
}

const pct = (x: number) => g.percent(x);
const MIN_ALTERNATIVE = 0.05;

/** 智能建议: the suggested category (采用 puts it in the form), its alternatives and the lead unit. */
function RoutingCard({ routing, category, onAdopt }: { routing: RoutingSuggestion; category?: string; onAdopt?: (code: string, name: string) => void }) {
  const top = routing.category;
  const adopted = !!top && category === top.code;
  // a 1 % runner-up says nothing: only alternatives the model gives some weight
  const alternatives = routing.alternatives.filter((a) => a.confidence >= MIN_ALTERNATIVE).slice(0, 3);
  return (
    <Card
      size="small"
      title={g.suggestTitle}
      style={{ marginBottom: 16 }}
      data-testid="routing-suggestion"
      extra={
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {g.model[routing.model.source] ?? routing.model.source}
        </Typography.Text>
      }
    >
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 8 }}>
        {g.suggestHint}
      </Typography.Paragraph>
      <div style={{ display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: 8, rowGap: 6, alignItems: 'center' }}>
        <Typography.Text type="secondary">{g.category}</Typography.Text>
        <div>
          {top ? (
            <Space size={4} wrap>
              <Typography.Text strong data-testid="suggested-category" data-code={top.code}>
                {top.name}
              </Typography.Text>
              <Tag color="blue">{pct(top.confidence)}</Tag>
              {onAdopt && (
                <Button size="small" type={adopted ? 'default' : 'primary'} disabled={adopted} onClick={() => onAdopt(top.code, top.name)} data-testid="adopt-category">
                  {adopted ? g.adopted : g.adopt}
                </Button>
              )}
            </Space>
          ) : (
            <Typography.Text type="secondary">{g.noCategory}</Typography.Text>
          )}
        </div>
        <Typography.Text type="secondary">{g.leadUnit}</Typography.Text>
        <div data-testid="suggested-unit">
          {routing.unit ? (
            <Space size={4} wrap>
              <Typography.Text>{routing.unit.name}</Typography.Text>
              <Tag>{pct(routing.unit.confidence)}</Tag>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {g.basis[routing.unit.basis] ?? routing.unit.basis}
              </Typography.Text>
            </Space>
          ) : (
            <Typography.Text type="secondary">{g.noUnit}</Typography.Text>
          )}
        </div>
        {alternatives.length > 0 && (
          <>
            <Typography.Text type="secondary">{g.alternatives}</Typography.Text>
            <Space size={[4, 4]} wrap>
              {alternatives.map((a) => (
                <Tag key={a.code} color={category === a.code ? 'blue' : undefined}>
                  {a.name} {pct(a.confidence)}
                </Tag>
              ))}
            </Space>
          </>
        )}
      </div>
    </Card>
  );
}

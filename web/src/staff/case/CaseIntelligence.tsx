/**
 * What intake worked out about a case, on its page: the 疑似重复信访 alert (the same person's earlier
 * case about the same matter, with 并入原件 when the server allows the merge), the routing suggestion
 * beside the dispatch action, and a panel with the keywords and the matter's other cases.
 */
import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, List, Modal, Space, Tag, Typography } from 'antd';
import { Link } from 'react-router';
import { api, ApiError } from '../../api/client';
import { applyServerError } from '../../api/form-errors';
import { useFailure } from '../../api/use-failure';
import { t } from '../../i18n/zh-CN';
import { StateTag } from '../components';
import type { CaseDetail, CaseIntelligence, Meta } from '../types';

const g = t.intelligence;
const pct = (x: number | null) => (x === null ? '' : g.percent(x));

/** 疑似重复信访: shown when intake linked the case to the same person's earlier one. */
export function RepeatAlert({ detail, onMerged }: { detail: CaseDetail; onMerged: () => void }) {
  const repeat = detail.intelligence?.repeatOf;
  const [open, setOpen] = useState(false);
  if (!repeat || detail.state === 'merged') return null; // once merged, the header links the case it went into
  const canMerge = repeat.mergeable && detail.abilities.includes('merge');
  return (
    <>
      <Alert
        type="warning"
        showIcon
        style={{ marginTop: 8 }}
        data-testid="repeat-alert"
        title={
          <Space size={8} wrap>
            <span>{g.repeatAlert(repeat.number, repeat.title)}</span>
            <Link to={`/staff/cases/${repeat.id}`} data-testid="repeat-link">
              {g.repeatOpen}
            </Link>
          </Space>
        }
        description={!repeat.mergeable && detail.abilities.includes('merge') ? g.repeatNotMergeable : undefined}
        action={
          canMerge ? (
            <Button size="small" danger onClick={() => setOpen(true)} data-testid="merge-into-original">
              {g.mergeInto}
            </Button>
          ) : undefined
        }
      />
      <MergeModal open={open} detail={detail} target={repeat} onClose={() => setOpen(false)} onDone={() => (setOpen(false), onMerged())} />
    </>
  );
}

function MergeModal({
  open,
  detail,
  target,
  onClose,
  onDone,
}: {
  open: boolean;
  detail: CaseDetail;
  target: NonNullable<CaseIntelligence['repeatOf']>;
  onClose: () => void;
  onDone: () => void;
}) {
  const [form] = Form.useForm<{ reason: string }>();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const { message } = App.useApp();
  const fail = useFailure();
  const submit = async (v: { reason: string }) => {
    setBusy(true);
    setNotice(null);
    try {
      await api.post(`/api/cases/${detail.id}/commands`, { type: 'merge', intoCaseId: target.id, reason: v.reason.trim() });
      message.success(g.mergeDone(target.number));
      onDone();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return fail(err);
      const stray = applyServerError(form, err, undefined, { intoCaseId: 'reason' });
      const text = err instanceof ApiError ? err.message : t.common.networkError;
      setNotice(stray?.length ? `${text}（${stray.join('；')}）` : text);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={open} title={g.mergeConfirmTitle} onCancel={onClose} footer={null} destroyOnHidden mask={{ closable: false }}>
      <div data-testid="merge-confirm">
        <Typography.Paragraph>{g.mergeConfirm(target.number)}</Typography.Paragraph>
        {notice && <Alert type="error" showIcon title={notice} style={{ marginBottom: 12 }} role="alert" />}
        <Form form={form} layout="vertical" onFinish={submit} initialValues={{ reason: g.mergeReasonDefault }}>
          <Form.Item name="reason" label={g.mergeReason} rules={[{ required: true, whitespace: true, message: g.mergeReasonRequired }]}>
            <Input maxLength={2000} />
          </Form.Item>
          <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8 }}>
            <Button onClick={onClose}>{g.cancel}</Button>
            <Button type="primary" danger htmlType="submit" loading={busy}>
              {g.mergeInto}
            </Button>
          </div>
        </Form>
      </div>
    </Modal>
  );
}

/** 智能分派建议 in one line: category and lead unit with their confidence. */
export function RoutingLine({ routing }: { routing: CaseIntelligence['routing'] }) {
  if (!routing || (!routing.category && !routing.unit)) return null;
  return (
    <div data-testid="routing-line" style={{ marginBottom: 12 }}>
      <Typography.Text type="secondary" style={{ marginInlineEnd: 8 }}>
        {g.routingTitle}：
      </Typography.Text>
      <Space size={[12, 4]} wrap>
        {routing.category && (
          <span>
            {g.category} <Typography.Text strong>{routing.category.name}</Typography.Text> <Tag color="blue">{pct(routing.category.confidence)}</Tag>
          </span>
        )}
        {routing.unit && (
          <span>
            {g.leadUnit} <Typography.Text strong>{routing.unit.name}</Typography.Text> <Tag>{pct(routing.unit.confidence)}</Tag>
            {routing.unit.basis && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {g.basis[routing.unit.basis] ?? routing.unit.basis}
              </Typography.Text>
            )}
          </span>
        )}
      </Space>
    </div>
  );
}

/** 智能分析 beside the timeline: the routing suggestion (when not shown by the actions), keywords, the matter's cases. */
export function IntelligencePanel({ detail, meta, showRouting }: { detail: CaseDetail; meta: Meta | undefined; showRouting: boolean }) {
  const i = detail.intelligence;
  if (!i) return null;
  const matterCases = i.matter?.cases ?? [];
  const routing = showRouting ? i.routing : null;
  if (!i.keywords.length && !matterCases.length && !(routing && (routing.category || routing.unit))) return null;
  return (
    <Card title={g.panelTitle} size="small" style={{ marginBottom: 16 }} data-testid="case-intelligence">
      {routing && <RoutingLine routing={routing} />}
      {i.keywords.length > 0 && (
        <div style={{ marginBottom: matterCases.length ? 8 : 0 }} data-testid="case-keywords">
          <Typography.Text type="secondary" style={{ marginInlineEnd: 8 }}>
            {g.keywords}：
          </Typography.Text>
          {i.keywords.map((k) => (
            <Tag key={k} style={{ marginBottom: 4 }}>
              {k}
            </Tag>
          ))}
        </div>
      )}
      {matterCases.length > 0 && (
        <div data-testid="matter-cases">
          <Typography.Text type="secondary">
            {g.matterTitle(matterCases.length + 1, !!i.matter?.more)}
            {i.matter?.more && `（${g.matterMore}）`}
          </Typography.Text>
          <List
            size="small"
            dataSource={matterCases}
            renderItem={(m) => (
              <List.Item style={{ padding: '4px 0' }}>
                <Space size={4} style={{ minWidth: 0 }}>
                  <Link to={`/staff/cases/${m.id}`}>{m.number}</Link>
                  <StateTag state={m.state} meta={meta} />
                  <Typography.Text ellipsis style={{ maxWidth: 220 }} title={m.title}>
                    {m.title}
                  </Typography.Text>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {m.receivedAt.slice(0, 10)}
                  </Typography.Text>
                </Space>
              </List.Item>
            )}
          />
        </div>
      )}
    </Card>
  );
}

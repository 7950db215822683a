/**
 * /staff/cases/:id: one case — header with state, flags and deadlines; the actions the server says
 * this user may take now (`abilities`); content, place, masked petitioners (revealed only with a
 * reason, which the server records), attachments, the reply, and the full timeline. A case the user
 * may not see looks exactly like a missing one.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useParams } from 'react-router';
import { Link } from 'react-router';
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, Modal, Result, Row, Space, Spin, Table, Tag, Typography, Upload } from 'antd';
import { DownloadOutlined, EyeInvisibleOutlined, EyeOutlined, ReloadOutlined, UploadOutlined } from '@ant-design/icons';
import { OPEN_STATES } from '../../../../src/domain/lifecycle/transitions';
import { api, ApiError } from '../../api/client';
import { t } from '../../i18n/zh-CN';
import { ActionModal, SUPPORTED_COMMANDS } from '../actions/ActionModal';
import { DueTag, FlagTags, StateTag } from '../components';
import { categoryNames, commandLabels, useCategories, useMeta, useUnits } from '../reference';
import { useMe } from '../session';
import { useFailure } from '../../api/use-failure';
import { fmtSize, fmtTime } from '../format';
import type { Attachment, CaseDetail, ClockView, MaskedPetitioner, Revealed } from '../types';
import { CaseTimeline } from './CaseTimeline';
import { IntelligencePanel, RepeatAlert, RoutingLine } from './CaseIntelligence';

const c = t.staff.case;

/** Commands that move the case forward in the usual flow: shown as primary buttons. */
const PRIMARY = new Set(['accept', 'dispatch', 'sign', 'reply', 'return_visit', 'close', 'review_opinion', 're_review_opinion', 'approve_extension']);
const DANGER = new Set(['refuse', 'withdraw', 'finalize', 'merge', 'object', 'rework']);

export function CasePage() {
  const { id = '' } = useParams();
  const me = useMe();
  const meta = useMeta();
  const units = useUnits();
  const categories = useCategories();
  const fail = useFailure();
  const { message } = App.useApp();
  const [detail, setDetail] = useState<CaseDetail | null>(null);
  const [status, setStatus] = useState<'loading' | 'ok' | 'notfound' | 'error'>('loading');
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const [command, setCommand] = useState<string | null>(null);
  const [revealOpen, setRevealOpen] = useState(false);

  const load = useCallback(async () => {
    try {
      const d = await api.get<CaseDetail>(`/api/cases/${encodeURIComponent(id)}`);
      setDetail(d);
      setStatus('ok');
      document.title = `${d.number} ${d.title} - ${t.common.appName}`;
      api.get<Attachment[]>(`/api/cases/${d.id}/attachments`).then(setAttachments, () => setAttachments([]));
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'CASE_NOT_FOUND' || err.status === 404)) {
        setStatus('notfound');
        document.title = `${c.notFound} - ${t.common.appName}`;
      } else {
        setStatus((s) => (s === 'ok' ? s : 'error'));
        fail(err);
      }
    }
  }, [id, fail]);

  useEffect(() => {
    setStatus('loading');
    setDetail(null);
    setRevealed(null);
    void load();
    // load changes with the location (through useFailure); the case to show changes only with id
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);

  const labels = useMemo(() => commandLabels(meta), [meta]);
  const catNames = useMemo(() => categoryNames(categories), [categories]);
  const unitName = useCallback(
    (uid: string) => {
      const u = units?.find((x) => x.id === uid);
      if (u) return u.name;
      const known = [detail?.ownerUnit, detail?.leadUnit, detail?.gridUnit, ...(detail?.assistUnits ?? [])].find((x) => x?.id === uid);
      return known?.name ?? c.unitUnknown;
    },
    [units, detail],
  );

  if (status === 'notfound')
    return (
      <Result
        status="404"
        title={c.notFound}
        subTitle={c.notFoundHint}
        extra={
          <Link to="/staff">
            <Button type="primary">{c.backToQueues}</Button>
          </Link>
        }
      />
    );
  if (status === 'error' && !detail)
    return <Result status="error" title={c.loadFailed} extra={<Button onClick={() => void load()}>{t.common.retry}</Button>} />;
  if (!detail)
    return (
      <div style={{ padding: 64, textAlign: 'center' }}>
        <Spin size="large" />
      </div>
    );

  const actions = detail.abilities.filter((x) => (SUPPORTED_COMMANDS as readonly string[]).includes(x));
  const petitioners = revealed?.petitioners ?? detail.petitioners;
  const canDispatch = actions.includes('dispatch') || actions.includes('redispatch');

  return (
    <article aria-labelledby="xf-case-title">
      <Card styles={{ body: { paddingBottom: 8 } }} style={{ marginBottom: 16 }}>
        <Space align="center" wrap size={[8, 4]}>
          <Typography.Text code style={{ fontSize: 15 }} data-testid="case-number">
            {detail.number}
          </Typography.Text>
          <StateTag state={detail.state} meta={meta} />
          <FlagTags flags={detail.flags} meta={meta} />
          {detail.confidential && <Tag color="red">{c.confidential}</Tag>}
          {detail.dueStatus !== 'none' && <DueTag status={detail.dueStatus} />}
          {detail.nextDueAt && (
            <Typography.Text type={detail.dueStatus === 'overdue' ? 'danger' : 'secondary'}>
              {c.fields.dueAt}：{t.staff.clocks[detail.nextDueClock ?? ''] ?? ''} {fmtTime(detail.nextDueAt)}
            </Typography.Text>
          )}
          <Button size="small" type="text" icon={<ReloadOutlined />} onClick={() => void load()} aria-label={c.reload} />
        </Space>
        <Typography.Title level={4} id="xf-case-title" style={{ margin: '8px 0 12px' }}>
          {detail.title}
        </Typography.Title>
        <div role="toolbar" aria-label={c.actions} style={{ marginBottom: 12 }} data-testid="actions">
          {actions.length === 0 ? (
            <Typography.Text type="secondary">{c.noActions}</Typography.Text>
          ) : (
            <Space wrap size={[8, 8]}>
              {actions.map((cmd) => (
                <Button key={cmd} data-command={cmd} type={PRIMARY.has(cmd) ? 'primary' : 'default'} danger={DANGER.has(cmd)} onClick={() => setCommand(cmd)}>
                  {labels[cmd] ?? cmd}
                </Button>
              ))}
            </Space>
          )}
        </div>
        {canDispatch && <RoutingLine routing={detail.intelligence?.routing ?? null} />}
        <Descriptions
          size="small"
          column={4}
          items={[
            { key: 'channel', label: c.fields.channel, children: meta?.channels[detail.channel] ?? detail.channel },
            { key: 'nature', label: c.fields.nature, children: meta?.natures[detail.nature] ?? detail.nature },
            ...(detail.type12345 ? [{ key: 'type', label: c.fields.type12345, children: meta?.types12345[detail.type12345] ?? detail.type12345 }] : []),
            { key: 'urgency', label: c.fields.urgency, children: meta?.urgencies[detail.urgency] ?? detail.urgency },
            { key: 'category', label: c.fields.category, children: detail.categoryCode ? catNames.get(detail.categoryCode) ?? detail.categoryCode : '—' },
            { key: 'received', label: c.fields.receivedAt, children: fmtTime(detail.receivedAt) },
            { key: 'owner', label: c.fields.ownerUnit, children: detail.ownerUnit.name ?? '—' },
            { key: 'lead', label: c.fields.leadUnit, children: detail.leadUnit?.name ?? '—' },
            { key: 'assist', label: c.fields.assistUnits, children: detail.assistUnits.length ? detail.assistUnits.map((u) => u.name ?? c.unitUnknown).join('、') : '—' },
            { key: 'ext', label: c.fields.extension, children: c.extension[detail.extension] ?? detail.extension },
            ...(detail.ownerLeader ? [{ key: 'leader', label: t.staff.supervision.ownerLeader, children: detail.ownerLeader.name ?? '—' }] : []),
            ...(detail.mergedIntoId ? [{ key: 'merged', label: c.mergedInto, children: <Link to={`/staff/cases/${detail.mergedIntoId}`}>{c.openCase}</Link> }] : []),
            ...(detail.parentCaseId ? [{ key: 'parent', label: c.parentCase, children: <Link to={`/staff/cases/${detail.parentCaseId}`}>{c.openCase}</Link> }] : []),
          ]}
        />
        {detail.hearing && <Alert type="warning" showIcon title={c.hearingRunning} style={{ marginTop: 8 }} />}
        <Deadlines detail={detail} />
        <RepeatAlert detail={detail} onMerged={() => void load()} />
      </Card>

      <Row gutter={16}>
        <Col span={14}>
          <Card title={c.content} size="small" style={{ marginBottom: 16 }}>
            <p className="xf-pre" data-testid="case-content">
              {detail.content}
            </p>
          </Card>
          <Card title={c.location} size="small" style={{ marginBottom: 16 }}>
            <Descriptions
              size="small"
              column={1}
              items={[
                { key: 'address', label: c.address, children: (revealed ? revealed.address : detail.location.address) ?? '—' },
                { key: 'grid', label: c.grid, children: detail.gridUnit?.name ?? '—' },
                ...(detail.location.lat !== null && detail.location.lng !== null
                  ? [{ key: 'coord', label: c.coordinates, children: `${detail.location.lat?.toFixed(5)}, ${detail.location.lng?.toFixed(5)}` }]
                  : []),
              ]}
            />
          </Card>
          {!!detail.answers?.length && (
            <Card title={t.questions.answers} size="small" style={{ marginBottom: 16 }} data-testid="case-answers">
              <Descriptions size="small" column={1} items={detail.answers.map((a) => ({ key: a.code, label: a.label, children: <span className="xf-pre">{a.value}</span> }))} />
            </Card>
          )}
          {detail.reply && (
            <Card title={c.reply} size="small" style={{ marginBottom: 16 }} extra={<Typography.Text type="secondary">{fmtTime(detail.reply.at)}</Typography.Text>}>
              {detail.reply.opinion && <Tag color="blue">{t.common.opinions[detail.reply.opinion] ?? detail.reply.opinion}</Tag>}
              <p className="xf-pre" style={{ marginTop: 8 }}>
                {detail.reply.text}
              </p>
            </Card>
          )}
          {detail.supervisions.length > 0 && <Supervisions detail={detail} />}
          <Card
            title={`${c.petitioners}（${c.petitionerCount(detail.petitionerCount)}）`}
            size="small"
            style={{ marginBottom: 16 }}
            extra={
              revealed ? (
                <Button size="small" icon={<EyeInvisibleOutlined />} onClick={() => setRevealed(null)}>
                  {c.hide}
                </Button>
              ) : (
                <Button size="small" icon={<EyeOutlined />} onClick={() => setRevealOpen(true)} data-testid="reveal">
                  {c.reveal}
                </Button>
              )
            }
          >
            {revealed && <Alert type="warning" showIcon title={c.revealedBanner} style={{ marginBottom: 8 }} />}
            <Table<MaskedPetitioner>
              rowKey="seq"
              size="small"
              pagination={petitioners.length > 10 ? { pageSize: 10 } : false}
              dataSource={petitioners}
              data-testid="petitioners"
              columns={[
                { title: c.petitionerCols.seq, dataIndex: 'seq', width: 56 },
                { title: c.petitionerCols.name, dataIndex: 'name', render: (v, r) => (
                  <>
                    {v ?? '—'} {r.representative && <Tag color="gold">{c.representative}</Tag>}
                  </>
                ) },
                { title: c.petitionerCols.phone, dataIndex: 'phone', render: (v) => v ?? '—' },
                { title: c.petitionerCols.idNumber, dataIndex: 'idNumber', render: (v) => v ?? '—' },
                { title: c.petitionerCols.address, dataIndex: 'address', render: (v) => v ?? '—' },
              ]}
            />
          </Card>
          <Card
            title={c.attachments}
            size="small"
            style={{ marginBottom: 16 }}
            extra={
              (OPEN_STATES as readonly string[]).includes(detail.state) ? (
                <Upload
                  showUploadList={false}
                  accept=".jpg,.jpeg,.png,.gif,.webp,.pdf,.mp3,.m4a,.wav"
                  customRequest={async ({ file, onSuccess, onError }) => {
                    const form = new FormData();
                    form.append('file', file as File);
                    try {
                      const saved = await api.upload<Attachment>(`/api/cases/${detail.id}/attachments`, form);
                      message.success(c.uploaded(saved.filename));
                      onSuccess?.(saved);
                      void load();
                    } catch (err) {
                      fail(err);
                      onError?.(err as Error);
                    }
                  }}
                >
                  <Button size="small" icon={<UploadOutlined />} title={c.uploadHint}>
                    {c.upload}
                  </Button>
                </Upload>
              ) : null
            }
          >
            {attachments.length === 0 ? (
              <Typography.Text type="secondary">{c.noAttachments}</Typography.Text>
            ) : (
              <ul style={{ listStyle: 'none', padding: 0, margin: 0 }}>
                {attachments.map((f) => (
                  <li key={f.id} style={{ padding: '4px 0' }}>
                    <a href={`/api/cases/${detail.id}/attachments/${f.id}`} download={f.filename}>
                      <DownloadOutlined /> {f.filename}
                    </a>
                    <Typography.Text type="secondary" style={{ marginInlineStart: 12 }}>
                      {fmtSize(f.size)} · {fmtTime(f.createdAt)}
                    </Typography.Text>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </Col>
        <Col span={10}>
          <IntelligencePanel detail={detail} meta={meta} showRouting={!canDispatch} />
          <Card title={c.timeline} size="small">
            <CaseTimeline detail={detail} meta={meta} unitName={unitName} categoryName={(code) => catNames.get(code) ?? code} />
          </Card>
        </Col>
      </Row>

      <ActionModal
        command={command}
        label={command ? labels[command] ?? command : ''}
        detail={detail}
        me={me}
        units={units}
        onClose={() => setCommand(null)}
        onDone={() => {
          setCommand(null);
          void load();
        }}
      />
      <RevealModal
        open={revealOpen}
        caseId={detail.id}
        onClose={() => setRevealOpen(false)}
        onRevealed={(r) => {
          setRevealed(r);
          setRevealOpen(false);
          void load(); // the reveal is now on the timeline
        }}
      />
    </article>
  );
}

function Deadlines({ detail }: { detail: CaseDetail }) {
  const entries = Object.entries(detail.deadlines) as [string, ClockView][];
  if (!entries.length) return null;
  const running = entries.filter(([, v]) => !v.stoppedAt);
  const stopped = entries.filter(([, v]) => v.stoppedAt);
  return (
    <div style={{ marginTop: 8 }} data-testid="deadlines">
      <Typography.Text type="secondary" style={{ marginInlineEnd: 8 }}>
        {c.deadlines}：
      </Typography.Text>
      {running.length === 0 && <Typography.Text type="secondary">{c.noDeadlines}</Typography.Text>}
      <Space wrap size={[12, 4]}>
        {running.map(([name, v]) => (
          <span key={name} data-clock={name}>
            <Typography.Text strong>{t.staff.clocks[name] ?? name}</Typography.Text> {fmtTime(v.dueAt)}{' '}
            {name === detail.nextDueClock ? <DueTag status={detail.dueStatus} /> : null}
            {v.paused && <Tag color="purple">{t.staff.clock.paused}</Tag>}
            {v.extensionDays > 0 && <Tag color="blue">{t.staff.clock.extended(v.extensionDays)}</Tag>}
          </span>
        ))}
        {stopped.map(([name, v]) => (
          <Typography.Text key={name} type="secondary" data-clock={name}>
            {t.staff.clocks[name] ?? name} {t.staff.clock.stopped(fmtTime(v.stoppedAt))}
          </Typography.Text>
        ))}
      </Space>
    </div>
  );
}

function RevealModal({ open, caseId, onClose, onRevealed }: { open: boolean; caseId: string; onClose: () => void; onRevealed: (r: Revealed) => void }) {
  const [form] = Form.useForm<{ reason: string }>();
  const [busy, setBusy] = useState(false);
  const { message } = App.useApp();
  const fail = useFailure();
  const submit = async (v: { reason: string }) => {
    setBusy(true);
    try {
      const r = await api.post<Revealed>(`/api/cases/${caseId}/reveal`, { reason: v.reason.trim() });
      message.success(c.revealDone);
      form.resetFields();
      onRevealed(r);
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={open} title={c.revealTitle} onCancel={onClose} footer={null} destroyOnHidden mask={{ closable: false }}>
      <Typography.Paragraph type="secondary">{c.revealNotice}</Typography.Paragraph>
      <Form form={form} layout="vertical" onFinish={submit}>
        <Form.Item name="reason" label={c.revealReason} rules={[{ required: true, whitespace: true, min: 2, message: c.revealReasonRequired }]}>
          <Input maxLength={500} autoFocus />
        </Form.Item>
        <div style={{ display: 'flex', justifyContent: 'flex-end', gap: 8 }}>
          <Button onClick={onClose}>{t.staff.actions.cancel}</Button>
          <Button type="primary" htmlType="submit" loading={busy}>
            {c.reveal}
          </Button>
        </div>
      </Form>
    </Modal>
  );
}

/** 催办 / 督办 on the case: who was asked, by when, the answer or the escalation. */
function Supervisions({ detail }: { detail: CaseDetail }) {
  const sv = t.staff.supervision;
  return (
    <Card title={sv.title} size="small" style={{ marginBottom: 16 }} data-testid="supervisions">
      {detail.supervisions.map((x) => (
        <div key={x.id} style={{ marginBottom: 12 }}>
          <Space size={4} wrap>
            <Tag color={x.kind === 'chase' ? 'gold' : 'red'}>{sv.kinds[x.kind] ?? x.kind}</Tag>
            {x.repliedAt ? <Tag color="green">{sv.replied}</Tag> : x.overdue ? <Tag color="error">{sv.overdue}</Tag> : <Tag color="processing">{sv.waiting}</Tag>}
            {x.escalatedAt && <Tag color="volcano">{sv.escalated(x.escalatedToUnit?.name ?? '—')}</Tag>}
            <Typography.Text type="secondary">
              {sv.target} {x.targetUnit.name ?? '—'} · {sv.due} {fmtTime(x.replyDueAt)}
            </Typography.Text>
          </Space>
          <div className="xf-pre">{x.reason}</div>
          {x.replyText && (
            <div className="xf-pre" style={{ marginTop: 4 }}>
              <Typography.Text strong>{sv.reply}（{fmtTime(x.repliedAt)}）：</Typography.Text>
              {x.replyText}
            </div>
          )}
        </div>
      ))}
    </Card>
  );
}

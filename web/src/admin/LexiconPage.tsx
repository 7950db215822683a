/**
 * /admin/lexicon: the admins' segmentation dictionary — the words added on top of jieba's and the
 * built-in petition dictionary (list, add, remove), a test cut of a sentence with the dictionary as
 * it is now, and 重建检索索引 so older cases are cut with the new words too. When a change takes
 * effect is the server's note, shown as it says it.
 */
import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, Empty, Form, Input, InputNumber, Popconfirm, Progress, Row, Select, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { PlusOutlined, ScissorOutlined, SyncOutlined } from '@ant-design/icons';
import { t } from '../i18n/zh-CN';
import { useFailure } from '../api/use-failure';
import { lexiconApi, type Cut, type LexiconList, type LexiconWord, type ReindexStatus } from './lexicon-api';

const s = t.lexicon;
/** The server's rule (src/services/lexicon.ts LEXICON_WORD): letters and digits, 1–20 of them. */
const WORD = /^[\p{L}\p{N}]{1,20}$/u;

export function LexiconPage() {
  const { message } = App.useApp();
  const fail = useFailure();
  const [data, setData] = useState<LexiconList | null>(null);
  const [adding, setAdding] = useState(false);
  const [form] = Form.useForm<{ word: string; freq?: number | null; tag?: string }>();

  const load = useCallback(async () => {
    try {
      setData(await lexiconApi.list());
    } catch (err) {
      fail(err);
    }
  }, [fail]);
  useEffect(() => {
    void load();
  }, [load]);

  const add = async (v: { word: string; freq?: number | null; tag?: string }) => {
    setAdding(true);
    try {
      const res = await lexiconApi.add({ word: v.word.trim(), ...(v.freq ? { freq: v.freq } : {}), ...(v.tag ? { tag: v.tag } : {}) });
      message.success(s.add.added(res.word.word));
      form.resetFields();
      await load();
    } catch (err) {
      fail(err, form);
    } finally {
      setAdding(false);
    }
  };

  const remove = async (word: string) => {
    try {
      await lexiconApi.remove(word);
      message.success(s.list.removed(word));
      await load();
    } catch (err) {
      fail(err);
    }
  };

  const columns: TableProps<LexiconWord>['columns'] = [
    { title: s.list.columns.word, dataIndex: 'word', render: (w: string) => <Typography.Text strong>{w}</Typography.Text> },
    { title: s.list.columns.freq, dataIndex: 'freq', width: 100, align: 'right' },
    { title: s.list.columns.tag, dataIndex: 'tag', width: 110, render: (tag: string) => <Tag>{s.tags[tag] ?? tag}</Tag> },
    { title: s.list.columns.createdAt, dataIndex: 'createdAt', width: 170, render: (at: string) => new Date(at).toLocaleString('zh-CN', { hour12: false }) },
    { title: s.list.columns.createdBy, key: 'by', width: 120, render: (_: unknown, w) => w.createdBy?.name ?? '—' },
    {
      title: s.list.columns.actions,
      key: 'actions',
      width: 90,
      render: (_: unknown, w) => (
        <Popconfirm title={s.list.removeConfirm(w.word)} onConfirm={() => remove(w.word)}>
          <Button size="small" danger data-remove-word={w.word}>
            {s.list.remove}
          </Button>
        </Popconfirm>
      ),
    },
  ];

  return (
    <section aria-labelledby="xf-lexicon-title">
      <Typography.Title level={4} id="xf-lexicon-title" style={{ marginTop: 0 }}>
        {s.title}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{s.subtitle}</Typography.Paragraph>
      {data && <Alert type="info" showIcon title={data.note} style={{ marginBottom: 16 }} />}
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Card title={s.add.title} size="small" style={{ marginBottom: 16 }}>
            <Form form={form} layout="inline" onFinish={add} initialValues={{ tag: 'n' }}>
              <Form.Item
                name="word"
                label={s.add.word.label}
                rules={[
                  { required: true, whitespace: true, message: s.add.word.required },
                  { validator: (_, v: string | undefined) => (!v || WORD.test(v.trim()) ? Promise.resolve() : Promise.reject(new Error(s.add.word.pattern))) },
                ]}
              >
                <Input maxLength={20} style={{ width: 160 }} placeholder="网格员积分" />
              </Form.Item>
              <Form.Item name="freq" label={s.add.freq.label} tooltip={s.add.freq.help}>
                <InputNumber min={1} max={10_000_000} precision={0} placeholder="2000" style={{ width: 110 }} />
              </Form.Item>
              <Form.Item name="tag" label={s.add.tag.label}>
                <Select style={{ width: 120 }} options={(data?.tags ?? ['n']).map((tag) => ({ value: tag, label: `${s.tags[tag] ?? tag} ${tag}` }))} />
              </Form.Item>
              <Form.Item>
                <Button type="primary" htmlType="submit" icon={<PlusOutlined />} loading={adding}>
                  {s.add.submit}
                </Button>
              </Form.Item>
            </Form>
          </Card>
          <Card title={s.list.title} size="small">
            <Table<LexiconWord>
              rowKey="word"
              size="small"
              loading={data === null}
              columns={columns}
              dataSource={data?.items ?? []}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              locale={{ emptyText: <Empty description={s.list.empty} /> }}
            />
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <CutCard />
          <ReindexCard />
        </Col>
      </Row>
    </section>
  );
}

/** 试分词: a sentence cut with the dictionary as it is now. */
function CutCard() {
  const fail = useFailure();
  const [text, setText] = useState('');
  const [cut, setCut] = useState<Cut | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    if (!text.trim()) return;
    setBusy(true);
    try {
      setCut(await lexiconApi.cut(text.trim()));
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };
  const tags = (words: string[], color?: string) =>
    words.length ? (
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 4 }}>
        {words.map((w, i) => (
          <Tag key={`${w}-${i}`} color={color} style={{ marginInlineEnd: 0 }}>
            {w}
          </Tag>
        ))}
      </div>
    ) : (
      <Typography.Text type="secondary">{s.cut.none}</Typography.Text>
    );
  return (
    <Card title={s.cut.title} size="small" style={{ marginBottom: 16 }}>
      <Space.Compact style={{ width: '100%', marginBottom: 12 }}>
        <Input value={text} maxLength={500} onChange={(e) => setText(e.target.value)} onPressEnter={() => void run()} placeholder={s.cut.placeholder} aria-label={s.cut.title} />
        <Button type="primary" icon={<ScissorOutlined />} onClick={() => void run()} loading={busy}>
          {s.cut.submit}
        </Button>
      </Space.Compact>
      {cut && (
        <div data-testid="lexicon-cut">
          <Typography.Text type="secondary">{s.cut.words}</Typography.Text>
          {tags(cut.words, 'blue')}
          <Typography.Text type="secondary" style={{ display: 'block', marginTop: 8 }}>
            {s.cut.searchTokens}
          </Typography.Text>
          {tags(cut.searchTokens)}
          <Typography.Text type="secondary" style={{ display: 'block', marginTop: 8 }}>
            {s.cut.keywords}
          </Typography.Text>
          {tags(cut.keywords, 'volcano')}
        </div>
      )}
    </Card>
  );
}

/** 重建检索索引: start it, and follow its progress while it runs. */
function ReindexCard() {
  const fail = useFailure();
  const [status, setStatus] = useState<ReindexStatus | null>(null);
  useEffect(() => {
    lexiconApi.reindexStatus().then(setStatus, (err: unknown) => fail(err));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per visit
  }, []);
  const running = status?.state === 'running';
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(() => {
      lexiconApi.reindexStatus().then(setStatus, () => undefined);
    }, 2000);
    return () => window.clearInterval(timer);
  }, [running]);
  const start = async () => {
    try {
      setStatus(await lexiconApi.reindex());
    } catch (err) {
      fail(err);
    }
  };
  const pct = status && status.total ? Math.min(100, Math.round((status.done / status.total) * 100)) : running ? 0 : 100;
  return (
    <Card title={s.reindex.title} size="small">
      <Typography.Paragraph type="secondary">{s.reindex.help}</Typography.Paragraph>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Popconfirm title={s.reindex.confirm} onConfirm={start} disabled={running}>
          <Button icon={<SyncOutlined spin={running} />} disabled={running}>
            {s.reindex.submit}
          </Button>
        </Popconfirm>
        {status && (
          <div data-reindex-state={status.state}>
            <Typography.Text>{s.reindex.state[status.state]}</Typography.Text>
            {status.state !== 'idle' && (
              <>
                <Progress percent={pct} status={status.state === 'failed' ? 'exception' : running ? 'active' : 'success'} size="small" />
                <Typography.Text type="secondary">{s.reindex.progress(status.done, status.total)}</Typography.Text>
              </>
            )}
          </div>
        )}
      </Space>
    </Card>
  );
}

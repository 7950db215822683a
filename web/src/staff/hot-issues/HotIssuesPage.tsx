/**
 * /staff/hot-issues: 热点与每月一题 — the similar cases of the user's scope grouped and ranked by
 * volume and growth over 7, 30 or 90 days (keywords as tags, growth arrow, top places, sample cases
 * linked to their pages), a leader's or supervisor's 选为每月一题 with a note, and the month's
 * chosen topics (they remove one here too).
 */
import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Empty, Form, Input, List, Modal, Popconfirm, Radio, Result, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { TableProps } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, FireOutlined, MinusOutlined, ReloadOutlined, StarOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { Link, useSearchParams } from 'react-router';
import { useFailure } from '../../api/use-failure';
import { HOT_ISSUE_DAYS, HOT_ISSUE_ROLES, TOPIC_CHOOSER_ROLES, hotIssuesApi, type HotIssue, type HotIssueDays, type HotIssueLevel, type HotIssues, type MonthlyTopic } from '../../api/hot-issues';
import { t } from '../../i18n/zh-CN';
import { fmtDate, fmtTime } from '../format';
import { hasAnyRole, useMe } from '../session';
import './hot-issues.css';

const h = t.hotIssues;
const TOP_PLACES = 3;

export function HotIssuesPage() {
  const me = useMe();
  if (!hasAnyRole(me, HOT_ISSUE_ROLES)) return <Result status="403" title={h.noAccess} extra={<Link to="/staff">{t.staff.case.backToQueues}</Link>} />;
  return <HotIssuesView />;
}

function HotIssuesView() {
  const me = useMe();
  const { message } = App.useApp();
  const fail = useFailure();
  const [params, setParams] = useSearchParams();
  const days = (HOT_ISSUE_DAYS.find((d) => String(d) === params.get('days')) ?? 30) as HotIssueDays;
  const level: HotIssueLevel = params.get('level') === 'street' ? 'street' : 'community';
  const [data, setData] = useState<HotIssues | null>(null);
  const [loading, setLoading] = useState(false);
  const [month, setMonth] = useState(() => dayjs().format('YYYY-MM'));
  const [topics, setTopics] = useState<MonthlyTopic[] | null>(null);
  const [choosing, setChoosing] = useState<HotIssue | null>(null);
  const canChoose = hasAnyRole(me, TOPIC_CHOOSER_ROLES);

  useEffect(() => {
    document.title = `${h.title} - ${t.common.appName}`;
  }, []);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setData(await hotIssuesApi.list({ days, level }));
    } catch (err) {
      fail(err);
    } finally {
      setLoading(false);
    }
  }, [days, level, fail]);

  const loadTopics = useCallback(async () => {
    try {
      setTopics(await hotIssuesApi.topics(month));
    } catch (err) {
      fail(err);
    }
  }, [month, fail]);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    void loadTopics();
  }, [loadTopics]);

  const setQuery = (next: { days?: HotIssueDays; level?: HotIssueLevel }) => setParams({ days: String(next.days ?? days), level: next.level ?? level });

  const remove = async (topic: MonthlyTopic) => {
    try {
      await hotIssuesApi.remove(topic.id);
      message.success(h.topics.removed);
      await loadTopics();
    } catch (err) {
      fail(err);
    }
  };

  const columns: TableProps<HotIssue>['columns'] = [
    { title: h.columns.rank, key: 'rank', width: 56, align: 'center', render: (_: unknown, __: HotIssue, i: number) => <span className="xf-hot-rank">{i + 1}</span> },
    {
      title: h.columns.issue,
      key: 'issue',
      render: (_: unknown, g) => (
        <div data-hot-key={g.key}>
          <div className="xf-hot-keywords">
            {g.keywords.map((k, i) => (
              <Tag key={k} color={i === 0 ? 'volcano' : undefined}>
                {k}
              </Tag>
            ))}
          </div>
          {g.category && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {h.category}：{g.category.name}
            </Typography.Text>
          )}
        </div>
      ),
    },
    {
      title: h.columns.volume,
      key: 'volume',
      width: 96,
      align: 'right',
      render: (_: unknown, g) => (
        <Tooltip title={h.score(g.score)}>
          <div className="xf-hot-volume" data-volume={g.volume}>
            {g.volume}
          </div>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {h.previous(g.previous)}
          </Typography.Text>
        </Tooltip>
      ),
    },
    { title: h.columns.growth, key: 'growth', width: 96, render: (_: unknown, g) => <Growth issue={g} /> },
    {
      title: h.columns.places,
      key: 'places',
      width: 200,
      render: (_: unknown, g) => (
        <div className="xf-hot-places">
          {g.places.slice(0, TOP_PLACES).map((p) => (
            <div key={p.unitId ?? '-'}>
              {p.name ?? h.otherPlace} <Typography.Text type="secondary">{p.count}</Typography.Text>
            </div>
          ))}
          {g.places.length > TOP_PLACES && <Typography.Text type="secondary">{h.more(g.places.length - TOP_PLACES)}</Typography.Text>}
        </div>
      ),
    },
    {
      title: h.columns.samples,
      key: 'samples',
      width: 280,
      render: (_: unknown, g) => (
        <ul className="xf-hot-samples">
          {g.samples.map((c) => (
            <li key={c.id}>
              <Link to={`/staff/cases/${c.id}`} data-case-number={c.number}>
                {c.number}
              </Link>{' '}
              <span className="xf-hot-sample-title">{c.title}</span>
            </li>
          ))}
        </ul>
      ),
    },
    ...(canChoose
      ? [
          {
            title: h.columns.actions,
            key: 'actions',
            width: 120,
            render: (_: unknown, g: HotIssue) => (
              <Button size="small" icon={<StarOutlined />} onClick={() => setChoosing(g)} data-choose={g.key}>
                {h.choose}
              </Button>
            ),
          },
        ]
      : []),
  ];

  return (
    <section aria-labelledby="xf-hot-title">
      <Typography.Title level={4} id="xf-hot-title" style={{ marginTop: 0, marginBottom: 4 }}>
        <FireOutlined style={{ color: '#d4380d', marginInlineEnd: 8 }} />
        {h.title}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{h.subtitle}</Typography.Paragraph>

      <Space style={{ marginBottom: 12 }} wrap>
        <span>{h.days.label}</span>
        <Select<HotIssueDays> value={days} style={{ width: 120 }} onChange={(d) => setQuery({ days: d })} options={HOT_ISSUE_DAYS.map((d) => ({ value: d, label: h.days.option(d) }))} aria-label={h.days.label} />
        <Radio.Group value={level} onChange={(e) => setQuery({ level: e.target.value as HotIssueLevel })} optionType="button" aria-label={h.level.label}>
          <Radio.Button value="community">{h.level.community}</Radio.Button>
          <Radio.Button value="street">{h.level.street}</Radio.Button>
        </Radio.Group>
        <Button icon={<ReloadOutlined />} onClick={() => void load()} loading={loading}>
          {h.refresh}
        </Button>
      </Space>
      {data && (
        <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
          {h.window(fmtDate(data.window.from), fmtDate(data.window.to), fmtDate(data.previousWindow.from))}；{h.read(data.casesRead.current, data.casesRead.previous)}。
          {data.formula}
        </Typography.Paragraph>
      )}
      {data?.capped && <Alert type="warning" showIcon title={h.capped(data.cap)} style={{ marginBottom: 12 }} />}

      <Table<HotIssue>
        rowKey="key"
        size="middle"
        loading={loading}
        columns={columns}
        dataSource={data?.groups ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: <Empty description={h.empty} /> }}
        scroll={{ x: 960 }}
      />

      <Card
        title={h.topics.title(month)}
        style={{ marginTop: 16 }}
        extra={<DatePicker picker="month" allowClear={false} value={dayjs(`${month}-01`)} onChange={(d: Dayjs | null) => d && setMonth(d.format('YYYY-MM'))} aria-label={h.chooseFields.month.label} />}
      >
        <List<MonthlyTopic>
          dataSource={topics ?? []}
          loading={topics === null}
          locale={{ emptyText: h.topics.empty }}
          renderItem={(topic) => (
            <List.Item
              data-topic={topic.id}
              actions={
                canChoose
                  ? [
                      <Popconfirm key="remove" title={h.topics.removeConfirm} onConfirm={() => remove(topic)}>
                        <Button size="small" danger>
                          {h.topics.remove}
                        </Button>
                      </Popconfirm>,
                    ]
                  : []
              }
            >
              <List.Item.Meta
                title={
                  <Space wrap>
                    <span className="xf-hot-topic-title">{topic.title}</span>
                    <Tag color="blue">{h.topics.cases(topic.caseCount)}</Tag>
                    {topic.places.slice(0, TOP_PLACES).map((p) => (
                      <Tag key={p.unitId}>{p.name}</Tag>
                    ))}
                  </Space>
                }
                description={
                  <>
                    <div className="xf-hot-keywords">
                      {topic.keywords.map((k) => (
                        <Tag key={k} variant="outlined">
                          {k}
                        </Tag>
                      ))}
                    </div>
                    {topic.note && <div>{topic.note}</div>}
                    <div className="xf-hot-topic-cases">
                      {topic.cases.map((c) => (
                        <Link key={c.id} to={`/staff/cases/${c.id}`} title={c.title}>
                          {c.number}
                        </Link>
                      ))}
                    </div>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {h.topics.by(topic.chosenBy.name ?? '—', fmtTime(topic.chosenAt))}
                    </Typography.Text>
                  </>
                }
              />
            </List.Item>
          )}
        />
      </Card>

      <ChooseModal
        issue={choosing}
        days={days}
        level={level}
        onClose={() => setChoosing(null)}
        onChosen={(topic) => {
          setChoosing(null);
          message.success(h.chosen(topic.title));
          if (topic.month === month) void loadTopics();
          else setMonth(topic.month);
        }}
      />
    </section>
  );
}

/** The growth arrow: up (red, more petitions), down (green), flat, or new in this window. */
function Growth({ issue }: { issue: HotIssue }) {
  if (issue.previous === 0)
    return (
      <Tag color="red" icon={<ArrowUpOutlined />} data-growth="new">
        {h.growthNew}
      </Tag>
    );
  const pct = Math.round(issue.growth * 100);
  if (pct === 0)
    return (
      <span data-growth="flat">
        <MinusOutlined /> {h.growthFlat}
      </span>
    );
  return pct > 0 ? (
    <Typography.Text type="danger" data-growth={pct}>
      <ArrowUpOutlined /> {h.growthPct(pct)}
    </Typography.Text>
  ) : (
    <Typography.Text type="success" data-growth={pct}>
      <ArrowDownOutlined /> {h.growthPct(pct)}
    </Typography.Text>
  );
}

interface ChooseForm {
  month: Dayjs;
  title: string;
  note?: string;
}

function ChooseModal({ issue, days, level, onClose, onChosen }: { issue: HotIssue | null; days: HotIssueDays; level: HotIssueLevel; onClose: () => void; onChosen: (t: MonthlyTopic) => void }) {
  const [form] = Form.useForm<ChooseForm>();
  const [busy, setBusy] = useState(false);
  const fail = useFailure();
  useEffect(() => {
    if (issue) form.setFieldsValue({ month: dayjs(), title: issue.title, note: '' });
  }, [issue, form]);
  const submit = async (v: ChooseForm) => {
    if (!issue) return;
    setBusy(true);
    try {
      const note = v.note?.trim();
      onChosen(await hotIssuesApi.choose({ key: issue.key, days, level, month: v.month.format('YYYY-MM'), title: v.title.trim(), ...(note ? { note } : {}) }));
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={!!issue} title={h.chooseTitle} onCancel={onClose} onOk={() => form.submit()} confirmLoading={busy} destroyOnHidden>
      {issue && (
        <div className="xf-hot-keywords" style={{ marginBottom: 12 }}>
          {issue.keywords.map((k) => (
            <Tag key={k}>{k}</Tag>
          ))}
        </div>
      )}
      <Form<ChooseForm> form={form} layout="vertical" onFinish={submit}>
        <Form.Item name="month" label={h.chooseFields.month.label} rules={[{ required: true, message: h.chooseFields.month.required }]}>
          <DatePicker picker="month" allowClear={false} />
        </Form.Item>
        <Form.Item name="title" label={h.chooseFields.title.label} extra={h.chooseFields.title.help} rules={[{ required: true, min: 2, max: 50, whitespace: true, message: h.chooseFields.title.range }]}>
          <Input maxLength={50} />
        </Form.Item>
        <Form.Item name="note" label={h.chooseFields.note.label}>
          <Input.TextArea rows={3} maxLength={500} showCount placeholder={h.chooseFields.note.placeholder} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

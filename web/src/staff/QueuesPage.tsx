/**
 * /staff: the work queues with their counts, filters and a paged table of cases. Everything the
 * user chose lives in the URL, so the back button and a shared link show the same list. The server
 * puts overdue cases first in every queue; they are red here.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Badge, Button, DatePicker, Input, Select, Space, Table, Tabs, Typography } from 'antd';
import type { InputRef, TableProps } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { Link, useSearchParams } from 'react-router';
import { api, qs } from '../api/client';
import { t } from '../i18n/zh-CN';
import { CategoryTreeSelect, DueTag, FlagTags, StateTag } from './components';
import { useCategories, useMeta } from './reference';
import { useFailure } from '../api/use-failure';
import { fmtTime } from './format';
import type { CaseList, CaseSummary, QueueCounts } from './types';

const s = t.staff.queues;
const QUEUES = ['to_accept', 'to_sign', 'handling', 'due_soon', 'overdue', 'awaiting_visit', 'leader_owned', 'supervised', 'all'] as const;
const PAGE_SIZE = 20;

export function QueuesPage() {
  const [params, setParams] = useSearchParams();
  const meta = useMeta();
  const categories = useCategories();
  const fail = useFailure();
  const [counts, setCounts] = useState<QueueCounts | null>(null);
  const [list, setList] = useState<CaseList | null>(null);
  const [loading, setLoading] = useState(false);
  const [reloadKey, setReloadKey] = useState(0);
  const searchRef = useRef<InputRef>(null);

  const queue = (QUEUES as readonly string[]).includes(params.get('queue') ?? '') ? params.get('queue')! : 'all';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const size = [10, 20, 50, 100].includes(Number(params.get('size'))) ? Number(params.get('size')) : PAGE_SIZE;
  const q = params.get('q') ?? '';
  const stateF = params.get('state') ?? '';
  const channelF = params.get('channel') ?? '';
  const category = params.get('category') ?? '';
  const flag = params.get('flag') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const [qInput, setQInput] = useState(q);
  useEffect(() => setQInput(q), [q]);

  useEffect(() => {
    document.title = `${s.title} - ${t.common.appName}`;
  }, []);

  /** Given changes, returns to page 1 unless the page itself changes; empty values are dropped. */
  const update = (changes: Record<string, string | number | undefined | null>) => {
    const next = new URLSearchParams(params);
    if (!('page' in changes)) next.delete('page');
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === null || v === '' || (k === 'queue' && v === 'all') || (k === 'page' && v === 1)) next.delete(k);
      else next.set(k, String(v));
    }
    setParams(next);
  };

  const listUrl = useMemo(
    () =>
      '/api/cases' +
      qs({
        queue,
        q: q.trim() || undefined,
        state: stateF,
        channel: channelF,
        category,
        flag,
        from: from ? dayjs(from).startOf('day').format() : undefined,
        to: to ? dayjs(to).endOf('day').format() : undefined,
        limit: size,
        offset: (page - 1) * size,
      }),
    [queue, q, stateF, channelF, category, flag, from, to, size, page],
  );

  useEffect(() => {
    let live = true;
    setLoading(true);
    Promise.all([api.get<CaseList>(listUrl), api.get<QueueCounts>('/api/queues')])
      .then(([l, c]) => {
        if (!live) return;
        setList(l);
        setCounts(c);
      }, (err) => live && fail(err))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [listUrl, reloadKey, fail]);

  // "/" jumps to the search box from anywhere on the page that is not a text field.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      const typing = el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.isContentEditable);
      if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        searchRef.current?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const tabLabel = (key: string) => {
    const n = counts?.[key];
    const color = key === 'overdue' ? '#cf1322' : key === 'due_soon' ? '#d48806' : undefined;
    return (
      <span data-queue={key} style={{ color: n && color ? color : undefined, fontWeight: key === 'overdue' && n ? 600 : undefined }}>
        {s.names[key]}
        <Badge
          count={n ?? 0}
          showZero
          overflowCount={9999}
          style={{ marginInlineStart: 6, background: key === 'overdue' && n ? '#cf1322' : key === 'due_soon' && n ? '#faad14' : '#bfbfbf' }}
        />
      </span>
    );
  };

  const columns: TableProps<CaseSummary>['columns'] = [
    {
      title: s.columns.number,
      dataIndex: 'number',
      width: 150,
      render: (v: string, r) => (
        <Link to={`/staff/cases/${r.id}`} data-case-number={v}>
          {v}
        </Link>
      ),
    },
    { title: s.columns.title, dataIndex: 'title', ellipsis: true },
    { title: s.columns.state, dataIndex: 'state', width: 110, render: (v: string) => <StateTag state={v} meta={meta} /> },
    { title: s.columns.channel, dataIndex: 'channel', width: 96, render: (v: string) => meta?.channels[v] ?? v },
    { title: s.columns.flags, dataIndex: 'flags', width: 130, render: (v: string[]) => <FlagTags flags={v} meta={meta} /> },
    { title: s.columns.receivedAt, dataIndex: 'receivedAt', width: 140, render: (v: string) => fmtTime(v) },
    { title: s.columns.dueAt, dataIndex: 'nextDueAt', width: 140, render: (v: string | null) => fmtTime(v) || '—' },
    { title: s.columns.due, dataIndex: 'dueStatus', width: 72, render: (v: CaseSummary['dueStatus']) => <DueTag status={v} /> },
  ];

  const option = (labels: Record<string, string> | undefined) => Object.entries(labels ?? {}).map(([value, label]) => ({ value, label }));
  const csv = (v: string) => (v ? v.split(',') : []);

  return (
    <section aria-labelledby="xf-queues-title">
      <Typography.Title level={4} id="xf-queues-title" style={{ marginTop: 0 }}>
        {s.title}
      </Typography.Title>
      {!!counts?.overdue && queue !== 'overdue' && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          title={s.overdueAlert(counts.overdue)}
          action={
            <Button size="small" danger onClick={() => update({ queue: 'overdue' })}>
              {s.showOverdue}
            </Button>
          }
        />
      )}
      <Tabs activeKey={queue} onChange={(k) => update({ queue: k })} items={QUEUES.map((k) => ({ key: k, label: tabLabel(k) }))} style={{ marginBottom: 4 }} />
      <Space wrap size={[8, 8]} style={{ marginBottom: 12 }}>
        <Input.Search
          ref={searchRef}
          aria-label={s.search}
          placeholder={s.searchPlaceholder}
          title={s.searchShortcut}
          value={qInput}
          onChange={(e) => setQInput(e.target.value)}
          onSearch={(v) => update({ q: v.trim() })}
          enterButton={s.search}
          allowClear
          style={{ width: 340 }}
          maxLength={100}
        />
        <Select
          aria-label={s.filterState}
          mode="multiple"
          placeholder={s.filterState}
          value={csv(stateF)}
          onChange={(v: string[]) => update({ state: v.join(',') })}
          options={option(meta?.states)}
          style={{ minWidth: 150, maxWidth: 320 }}
          maxTagCount="responsive"
          allowClear
        />
        <Select
          aria-label={s.filterChannel}
          mode="multiple"
          placeholder={s.filterChannel}
          value={csv(channelF)}
          onChange={(v: string[]) => update({ channel: v.join(',') })}
          options={option(meta?.channels)}
          style={{ minWidth: 130, maxWidth: 300 }}
          maxTagCount="responsive"
          allowClear
        />
        <CategoryTreeSelect aria-label={s.filterCategory} tree={categories} value={category || undefined} onChange={(v) => update({ category: v })} placeholder={s.filterCategory} style={{ width: 170 }} />
        <Select aria-label={s.filterFlag} placeholder={s.filterFlag} value={flag || undefined} onChange={(v?: string) => update({ flag: v })} options={option(meta?.flags)} style={{ width: 110 }} allowClear />
        <DatePicker.RangePicker
          aria-label={s.filterDates.join('—')}
          placeholder={s.filterDates}
          value={[from ? dayjs(from) : null, to ? dayjs(to) : null]}
          onChange={(v) => update({ from: v?.[0]?.format('YYYY-MM-DD'), to: v?.[1]?.format('YYYY-MM-DD') })}
          allowEmpty={[true, true]}
          style={{ width: 250 }}
        />
        <Button onClick={() => setParams(queue === 'all' ? {} : { queue })}>{s.reset}</Button>
        <Button icon={<ReloadOutlined />} onClick={() => setReloadKey((k) => k + 1)} aria-label={s.refresh} />
      </Space>
      <Table<CaseSummary>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={list?.items ?? []}
        loading={loading}
        locale={{ emptyText: s.empty }}
        rowClassName={(r) => (r.dueStatus === 'overdue' ? 'xf-row-overdue' : r.dueStatus === 'due_soon' ? 'xf-row-due-soon' : '')}
        onRow={(r) => ({ 'data-row-number': r.number, 'data-due': r.dueStatus }) as React.HTMLAttributes<HTMLElement>}
        pagination={{
          current: page,
          pageSize: size,
          total: list?.total ?? 0,
          showSizeChanger: true,
          pageSizeOptions: [10, 20, 50, 100],
          showTotal: (n) => s.total(n, list?.totalCapped),
          onChange: (p, ps) => update(ps !== size ? { size: ps, page: 1 } : { page: p }),
        }}
      />
    </section>
  );
}

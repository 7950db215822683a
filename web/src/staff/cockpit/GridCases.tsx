/** At the bottom of the drill (a grid, or a unit without sub-areas): that unit's cases. */
import { useEffect, useState } from 'react';
import { Card, Table } from 'antd';
import type { TableProps } from 'antd';
import { Link } from 'react-router';
import { cockpitApi } from '../../api/cockpit';
import { useFailure } from '../../api/use-failure';
import { t } from '../../i18n/zh-CN';
import { DueTag, StateTag } from '../components';
import { fmtTime } from '../format';
import { useMeta } from '../reference';
import type { CaseList, CaseSummary } from '../types';

const g = t.cockpit.gridCases;

export function GridCases({ unitId, name }: { unitId: string; name: string }) {
  const meta = useMeta();
  const fail = useFailure();
  const [list, setList] = useState<CaseList | null>(null);

  useEffect(() => {
    let live = true;
    setList(null);
    cockpitApi.unitCases(unitId).then(
      (l) => live && setList(l),
      (err) => {
        if (!live) return;
        setList({ total: 0, items: [] });
        fail(err);
      },
    );
    return () => {
      live = false;
    };
  }, [unitId, fail]);

  const columns: TableProps<CaseSummary>['columns'] = [
    {
      title: g.columns.number,
      dataIndex: 'number',
      width: 160,
      render: (v: string, r) => (
        <Link to={`/staff/cases/${r.id}`} data-case-number={v}>
          {v}
        </Link>
      ),
    },
    { title: g.columns.title, dataIndex: 'title', ellipsis: true },
    { title: g.columns.state, dataIndex: 'state', width: 110, render: (v: string) => <StateTag state={v} meta={meta} /> },
    { title: g.columns.receivedAt, dataIndex: 'receivedAt', width: 150, render: (v: string) => fmtTime(v) },
    { title: g.columns.due, dataIndex: 'dueStatus', width: 80, render: (v: CaseSummary['dueStatus']) => <DueTag status={v} /> },
  ];

  return (
    <Card size="small" title={g.title(name)} data-testid="grid-cases" extra={list ? g.total(list.total, list.items.length, list.totalCapped) : null}>
      <Table<CaseSummary> rowKey="id" size="small" loading={list === null} columns={columns} dataSource={list?.items ?? []} pagination={{ pageSize: 10, hideOnSinglePage: true }} locale={{ emptyText: g.empty }} />
    </Card>
  );
}

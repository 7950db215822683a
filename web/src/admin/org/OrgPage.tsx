/**
 * /admin/org: the org tree of the admin's scope (inactive units greyed), the selected unit with what
 * may be done to it (create a child, change, move, deactivate / activate, its poster), and the
 * import panel.
 */
import { useMemo, useState, type Key, type ReactNode } from 'react';
import { App, Button, Card, Col, Descriptions, Empty, Input, Popconfirm, Row, Space, Switch, Tag, Tree, Typography } from 'antd';
import { PlusOutlined, QrcodeOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { ApiError } from '../../api/client';
import { t } from '../../i18n/zh-CN';
import { adminApi, type AdminUnit } from '../admin-api';
import { CHILD_KINDS, GRID_KINDS, filterTree, namesAlongPath, nestUnits, type UnitNode } from '../org-tree';
import { useFailure } from '../../api/use-failure';
import { useAdmin, useLoad } from '../session';
import { ImportPanel } from './ImportPanel';
import { MoveUnitModal } from './MoveUnitModal';
import { UnitFormModal, type UnitFormTarget } from './UnitFormModal';

const s = t.admin.org;

interface TreeItem {
  key: string;
  title: ReactNode;
  children?: TreeItem[];
}

function toTreeData(nodes: UnitNode[]): TreeItem[] {
  return nodes.map((n) => ({
    key: n.unit.id,
    title: (
      <span className={n.unit.active ? undefined : 'xf-unit-inactive'}>
        <span>{n.unit.name}</span>{' '}
        <Tag variant="filled" style={{ marginInlineEnd: 0 }}>
          {t.admin.kinds[n.unit.kind]}
        </Tag>
        {!n.unit.active && (
          <Tag color="default" style={{ marginInlineStart: 4 }}>
            {t.admin.inactive}
          </Tag>
        )}
      </span>
    ),
    ...(n.children.length ? { children: toTreeData(n.children) } : {}),
  }));
}

export function OrgPage() {
  const me = useAdmin();
  const { message } = App.useApp();
  const fail = useFailure();
  const { data, reload } = useLoad(() => adminApi.units(), []);
  const units = useMemo(() => data?.items ?? [], [data]);
  const byId = useMemo(() => new Map(units.map((u) => [u.id, u])), [units]);
  const [query, setQuery] = useState('');
  const [showInactive, setShowInactive] = useState(true);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<Key[] | null>(null);
  const [form, setForm] = useState<UnitFormTarget | null>(null);
  const [moving, setMoving] = useState<AdminUnit | null>(null);

  const allRoots = useMemo(() => nestUnits(units), [units]);
  const { roots, searchExpand } = useMemo(() => {
    const activeOnly = (nodes: UnitNode[]): UnitNode[] => nodes.filter((n) => n.unit.active).map((n) => ({ unit: n.unit, children: activeOnly(n.children) }));
    const base = showInactive ? allRoots : activeOnly(allRoots);
    const q = query.trim();
    if (!q) return { roots: base, searchExpand: null };
    const hit = filterTree(base, (u) => u.name.includes(q) || u.code.includes(q));
    return { roots: hit.roots, searchExpand: hit.expand };
  }, [allRoots, query, showInactive]);

  // Until the admin opens or closes nodes himself: the top two levels (city, district) open.
  const defaultExpanded = useMemo(() => units.filter((u) => u.depth <= 1 || u.id === me.scopeUnitId).map((u) => u.id), [units, me.scopeUnitId]);
  const expandedKeys = searchExpand ?? expanded ?? defaultExpanded;
  const treeData = useMemo(() => toTreeData(roots), [roots]);
  const selected = selectedId ? byId.get(selectedId) ?? null : null;

  /** After a change: reload, keep the unit selected and its parent open. */
  const settle = async (unit: AdminUnit) => {
    setForm(null);
    setMoving(null);
    await reload();
    setSelectedId(unit.id);
    const parents = unit.path.split('/').filter(Boolean).slice(0, -1);
    setExpanded((prev) => [...new Set([...(prev ?? defaultExpanded), ...parents])]);
  };

  const toggleActive = async (unit: AdminUnit) => {
    try {
      const res = unit.active ? await adminApi.deactivateUnit(unit.id) : await adminApi.activateUnit(unit.id);
      message.success(unit.active ? s.deactivated(unit.name) : s.activated(unit.name));
      await settle(res);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'UNIT_HAS_ACTIVE_CHILDREN') {
        message.error(err.message + s.blockers(Number(err.details.activeChildUnits ?? 0), Number(err.details.activeUsers ?? 0)));
      } else if (err instanceof ApiError && err.code === 'UNIT_HAS_OPEN_CASES') {
        message.error(err.message + s.openCases(Number(err.details.openCases ?? 0)));
      } else fail(err);
    }
  };

  const parent = selected?.parentId ? byId.get(selected.parentId) : undefined;
  const childKinds = selected ? CHILD_KINDS[selected.kind] : [];

  return (
    <Row gutter={16}>
      <Col xs={24} lg={11}>
        <Card
          title={s.title}
          size="small"
          extra={
            <Space size="small">
              <Typography.Text type="secondary">{s.showInactive}</Typography.Text>
              <Switch size="small" checked={showInactive} onChange={setShowInactive} />
            </Space>
          }
        >
          <Input.Search placeholder={s.searchPlaceholder} allowClear onSearch={setQuery} onChange={(e) => !e.target.value && setQuery('')} style={{ marginBottom: 8 }} />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {s.unitCount(units.length)}
          </Typography.Text>
          {treeData.length === 0 && data ? (
            <Empty description={s.noMatch} />
          ) : (
            <Tree
              className="xf-admin-tree"
              treeData={treeData}
              height={600}
              blockNode
              expandedKeys={expandedKeys}
              onExpand={(keys) => setExpanded(keys)}
              selectedKeys={selectedId ? [selectedId] : []}
              onSelect={(keys) => setSelectedId((keys[0] as string | undefined) ?? null)}
              style={{ marginTop: 8 }}
            />
          )}
        </Card>
      </Col>
      <Col xs={24} lg={13}>
        <Space orientation="vertical" size={16} style={{ width: '100%' }}>
          <Card
            size="small"
            title={selected ? selected.name : s.pickUnit}
            extra={selected && <Tag color={selected.active ? 'green' : 'default'}>{selected.active ? t.admin.active : t.admin.inactive}</Tag>}
          >
            {!selected ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={s.pickUnit} />
            ) : (
              <>
                <Descriptions
                  size="small"
                  column={1}
                  items={[
                    { key: 'kind', label: s.fields.kind, children: selected.level ? t.admin.fmt.aside(t.admin.kinds[selected.kind]!, t.admin.levels[selected.level]!) : t.admin.kinds[selected.kind] },
                    { key: 'code', label: s.fields.code, children: selected.code },
                    { key: 'parent', label: s.fields.parent, children: parent?.name ?? '—' },
                    { key: 'path', label: s.fields.path, children: namesAlongPath(byId, selected).join(' / ') },
                    { key: 'position', label: s.fields.position, children: selected.lat !== null && selected.lng !== null ? `${selected.lat}, ${selected.lng}` : '—' },
                  ]}
                />
                <Space wrap style={{ marginTop: 12 }}>
                  <Button type="primary" icon={<PlusOutlined />} disabled={!selected.active || childKinds.length === 0} title={childKinds.length === 0 ? s.noChildKinds : undefined} onClick={() => setForm({ mode: 'create', parent: selected })}>
                    {s.addChild}
                  </Button>
                  <Button onClick={() => setForm({ mode: 'edit', unit: selected })}>{t.admin.edit}</Button>
                  <Button disabled={!selected.parentId || !selected.active} onClick={() => setMoving(selected)}>
                    {s.move}
                  </Button>
                  <Popconfirm title={selected.active ? s.deactivateConfirm : s.activateConfirm} onConfirm={() => toggleActive(selected)} okText={t.common.confirm} cancelText={t.common.cancel}>
                    <Button danger={selected.active}>{selected.active ? t.admin.deactivate : t.admin.activate}</Button>
                  </Popconfirm>
                  {GRID_KINDS.includes(selected.kind) && selected.active && (
                    <Link to={`/admin/posters?grid=${selected.id}`}>
                      <Button icon={<QrcodeOutlined />}>{s.poster}</Button>
                    </Link>
                  )}
                </Space>
              </>
            )}
          </Card>
          <ImportPanel onImported={() => void reload()} />
        </Space>
      </Col>
      <UnitFormModal target={form} onClose={() => setForm(null)} onSaved={settle} />
      <MoveUnitModal unit={moving} roots={allRoots} onClose={() => setMoving(null)} onMoved={settle} />
    </Row>
  );
}

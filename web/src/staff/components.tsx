/** Small pieces shared by the workbench pages: due and state tags, unit and category pickers. */
import { useMemo } from 'react';
import { Tag, TreeSelect } from 'antd';
import { t } from '../i18n/zh-CN';
import type { CategoryNode, DueStatus, Meta, Unit } from './types';

const DUE_COLORS: Record<DueStatus, string | undefined> = { overdue: 'red', due_soon: 'gold', ok: 'green', none: undefined };

/** The red / yellow / green deadline tag (the server decides the status). */
export function DueTag({ status }: { status: DueStatus }) {
  if (status === 'none') return <span aria-label={t.staff.due.none}>{t.staff.due.none}</span>;
  return (
    <Tag color={DUE_COLORS[status]} variant={status === 'overdue' ? 'solid' : undefined} data-due={status}>
      {t.staff.due[status]}
    </Tag>
  );
}

const STATE_COLORS: Record<string, string> = {
  registered: 'default',
  accepted: 'blue',
  dispatched: 'cyan',
  objected: 'orange',
  handling: 'processing',
  replied: 'geekblue',
  visited: 'purple',
  closed: 'green',
  under_review: 'magenta',
  reviewed: 'purple',
  under_re_review: 'magenta',
  final: 'green',
  refused: 'default',
  answered_on_spot: 'green',
  merged: 'default',
  withdrawn: 'default',
};

export function StateTag({ state, meta }: { state: string; meta: Meta | undefined }) {
  return (
    <Tag color={STATE_COLORS[state] ?? 'default'} data-state={state}>
      {meta?.states[state] ?? t.common.states[state] ?? state}
    </Tag>
  );
}

export function FlagTags({ flags, meta }: { flags: string[]; meta: Meta | undefined }) {
  return (
    <>
      {flags.map((f) => (
        <Tag key={f} color={f === 'leader_owned' ? 'red' : f === 'collective' ? 'volcano' : 'orange'} variant="outlined">
          {meta?.flags[f] ?? f}
        </Tag>
      ))}
    </>
  );
}

interface TreeNode {
  value: string;
  title: string;
  children: TreeNode[];
}

/** Given the active units and an optional subtree root, returns TreeSelect nodes in tree order. */
export function unitTree(units: Unit[], rootId?: string): TreeNode[] {
  const root = rootId ? units.find((u) => u.id === rootId) : undefined;
  const inside = root ? units.filter((u) => u.path.startsWith(root.path)) : units;
  const nodes = new Map(inside.map((u) => [u.id, { value: u.id, title: u.name, children: [] as TreeNode[] }]));
  const roots: TreeNode[] = [];
  for (const u of inside) {
    const node = nodes.get(u.id)!;
    const parent = u.parentId ? nodes.get(u.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

interface UnitPickerProps {
  units: Unit[] | undefined;
  /** only units under this one (the user's scope) */
  rootId?: string;
  multiple?: boolean;
  value?: string | string[];
  onChange?: (v: string | string[]) => void;
  placeholder?: string;
  id?: string;
  disabledIds?: string[];
  'aria-label'?: string;
}

/** An org-unit picker: the active units as a searchable tree. */
export function UnitTreeSelect({ units, rootId, multiple, value, onChange, placeholder, id, disabledIds, ...rest }: UnitPickerProps) {
  const treeData = useMemo(() => {
    const tree = unitTree(units ?? [], rootId);
    if (!disabledIds?.length) return tree;
    const mark = (ns: TreeNode[]): (TreeNode & { disabled?: boolean })[] =>
      ns.map((n) => ({ ...n, disabled: disabledIds.includes(n.value), children: mark(n.children) }));
    return mark(tree);
  }, [units, rootId, disabledIds]);
  const expanded = useMemo(() => {
    const list = units ?? [];
    const base = rootId ? list.find((u) => u.id === rootId)?.depth ?? 0 : Math.min(...list.map((u) => u.depth), 0);
    return list.filter((u) => u.depth <= base + 1).map((u) => u.id);
  }, [units, rootId]);
  return (
    <TreeSelect
      id={id}
      aria-label={rest['aria-label']}
      loading={!units}
      treeData={treeData}
      value={value}
      onChange={onChange}
      multiple={multiple}
      showSearch={{ treeNodeFilterProp: 'title' }}
      allowClear
      placeholder={placeholder}
      treeDefaultExpandedKeys={expanded}
      treeLine
      style={{ width: '100%' }}
      listHeight={360}
      popupMatchSelectWidth={false}
      styles={{ popup: { root: { minWidth: 360 } } }}
    />
  );
}

interface CategoryTreeNode {
  value: string;
  title: string;
  children: CategoryTreeNode[];
}

function categoryTreeData(nodes: CategoryNode[]): CategoryTreeNode[] {
  return nodes.map((n) => ({ value: n.code, title: n.name, children: categoryTreeData(n.children) }));
}

/** The 3-level category picker (any level may be chosen). */
export function CategoryTreeSelect({
  tree,
  value,
  onChange,
  placeholder,
  id,
  style,
  'aria-label': ariaLabel,
}: {
  'aria-label'?: string;
  tree: CategoryNode[] | undefined;
  value?: string;
  onChange?: (v: string | undefined) => void;
  placeholder?: string;
  id?: string;
  style?: React.CSSProperties;
}) {
  const data = useMemo(() => categoryTreeData(tree ?? []), [tree]);
  return (
    <TreeSelect
      id={id}
      aria-label={ariaLabel}
      loading={!tree}
      treeData={data}
      value={value}
      onChange={(v) => onChange?.(v ?? undefined)}
      showSearch={{ treeNodeFilterProp: 'title' }}
      allowClear
      placeholder={placeholder}
      style={style ?? { width: '100%' }}
      listHeight={360}
      popupMatchSelectWidth={false}
    />
  );
}

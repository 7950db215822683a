/**
 * /admin/categories: the three-level category tree (retired ones greyed); create at the top or
 * under a category, rename or re-sort, deactivate (with everything below) and activate; and the
 * selected category's questions (补充问题, QuestionsCard).
 */
import { useEffect, useMemo, useState, type Key, type ReactNode } from 'react';
import { App, Button, Card, Col, Descriptions, Empty, Form, Input, InputNumber, Modal, Popconfirm, Row, Space, Tag, Tree, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { t } from '../../i18n/zh-CN';
import { adminApi, type Category } from '../admin-api';
import { useFailure } from '../../api/use-failure';
import { useLoad } from '../session';
import { QuestionsCard } from './QuestionsCard';

const s = t.admin.categories;
const MAX_LEVEL = 3;

interface TreeItem {
  key: string;
  title: ReactNode;
  children?: TreeItem[];
}

/** Given the flat list (tree order) and a search text, returns the tree items and the codes to open for the matches. */
function toTree(items: Category[], q: string): { tree: TreeItem[]; expand: string[] } {
  const matches = q ? items.filter((c) => c.name.includes(q) || c.code.startsWith(q)) : items;
  // A code names its ancestors: keep every prefix of a match, and the matches' descendants.
  const keep = new Set<string>();
  const expand = new Set<string>();
  for (const m of matches) {
    for (let i = 2; i <= m.code.length; i += 2) keep.add(m.code.slice(0, i));
    for (let i = 2; i < m.code.length; i += 2) expand.add(m.code.slice(0, i));
  }
  if (q) for (const c of items) if (matches.some((m) => c.code.startsWith(m.code))) keep.add(c.code);
  const nodes = new Map<string, TreeItem>();
  const roots: TreeItem[] = [];
  for (const c of items) {
    if (!keep.has(c.code)) continue;
    const node: TreeItem = {
      key: c.code,
      title: (
        <span className={c.active ? undefined : 'xf-unit-inactive'}>
          <Typography.Text type="secondary" style={{ fontFamily: 'monospace', marginInlineEnd: 6 }}>
            {c.code}
          </Typography.Text>
          <span>{c.name}</span>
          {!c.active && <Tag style={{ marginInlineStart: 6 }}>{t.admin.inactive}</Tag>}
        </span>
      ),
    };
    nodes.set(c.code, node);
    const parent = c.parentCode ? nodes.get(c.parentCode) : undefined;
    if (parent) (parent.children ??= []).push(node);
    else if (!c.parentCode) roots.push(node);
  }
  return { tree: roots, expand: q ? [...expand] : [] };
}

type Target = { mode: 'create'; parent: Category | null } | { mode: 'edit'; category: Category };

function CategoryFormModal({ target, onClose, onSaved }: { target: Target | null; onClose: () => void; onSaved: (c: Category) => void }) {
  const [form] = Form.useForm<{ name: string; code?: string; sort?: number | null }>();
  const [busy, setBusy] = useState(false);
  const { message } = App.useApp();
  const fail = useFailure();
  useEffect(() => {
    if (!target) return;
    form.resetFields();
    if (target.mode === 'edit') form.setFieldsValue({ name: target.category.name, sort: target.category.sort });
  }, [target, form]);
  const submit = async (v: { name: string; code?: string; sort?: number | null }) => {
    if (!target) return;
    setBusy(true);
    try {
      const sort = v.sort ?? undefined;
      const saved =
        target.mode === 'create'
          ? await adminApi.createCategory({ parentCode: target.parent?.code ?? null, name: v.name.trim(), ...(v.code?.trim() ? { code: v.code.trim() } : {}), ...(sort !== undefined ? { sort } : {}) })
          : await adminApi.updateCategory(target.category.code, { name: v.name.trim(), ...(sort !== undefined ? { sort } : {}) });
      message.success(t.admin.saved);
      onSaved(saved);
    } catch (err) {
      fail(err, form);
    } finally {
      setBusy(false);
    }
  };
  const parentCode = target?.mode === 'create' ? target.parent?.code ?? '' : '';
  return (
    <Modal
      open={!!target}
      title={!target ? '' : target.mode === 'create' ? s.addTitle(target.parent?.name ?? null) : s.editTitle(target.category.name)}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t.admin.save}
      confirmLoading={busy}
      forceRender
    >
      <Form form={form} name="category" layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item name="name" label={s.fields.name} rules={[{ required: true, whitespace: true, max: 50 }]}>
          <Input maxLength={50} autoFocus />
        </Form.Item>
        {target?.mode === 'create' && (
          <Form.Item name="code" label={s.fields.code} extra={s.codeHint} rules={[{ pattern: new RegExp(`^${parentCode}\\d{2}$`), message: t.common.fieldErrors.reasons.must_extend_parent }]}>
            <Input maxLength={6} placeholder={`${parentCode}NN`} />
          </Form.Item>
        )}
        <Form.Item name="sort" label={s.fields.sort}>
          <InputNumber min={0} max={100000} style={{ width: 160 }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function CategoriesPage() {
  const { message } = App.useApp();
  const fail = useFailure();
  const { data, reload } = useLoad(() => adminApi.categories(), []);
  const items = useMemo(() => data?.items ?? [], [data]);
  const byCode = useMemo(() => new Map(items.map((c) => [c.code, c])), [items]);
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<Key[]>([]);
  const [target, setTarget] = useState<Target | null>(null);
  const { tree, expand } = useMemo(() => toTree(items, query.trim()), [items, query]);
  const current = selected ? byCode.get(selected) ?? null : null;

  const settle = async (c: Category) => {
    setTarget(null);
    await reload();
    setSelected(c.code);
    const ancestors: string[] = [];
    for (let i = 2; i < c.code.length; i += 2) ancestors.push(c.code.slice(0, i));
    setExpanded((prev) => [...new Set([...prev, ...ancestors])]);
  };

  const toggle = async (c: Category) => {
    try {
      if (c.active) {
        const res = await adminApi.deactivateCategory(c.code);
        message.success(s.deactivated(res.deactivated.length));
        await settle(c);
      } else {
        await settle(await adminApi.activateCategory(c.code));
        message.success(t.admin.saved);
      }
    } catch (err) {
      fail(err);
    }
  };

  return (
    <Row gutter={16}>
      <Col xs={24} lg={12}>
        <Card
          title={s.title}
          size="small"
          extra={
            <Button type="primary" size="small" icon={<PlusOutlined />} onClick={() => setTarget({ mode: 'create', parent: null })}>
              {s.addRoot}
            </Button>
          }
        >
          <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
            {s.intro}
          </Typography.Paragraph>
          <Input.Search placeholder={s.searchPlaceholder} allowClear onSearch={setQuery} onChange={(e) => !e.target.value && setQuery('')} style={{ marginBottom: 8 }} />
          <Tree
            treeData={tree}
            height={620}
            blockNode
            expandedKeys={query.trim() ? expand : expanded}
            onExpand={(keys) => setExpanded(keys)}
            selectedKeys={selected ? [selected] : []}
            onSelect={(keys) => setSelected((keys[0] as string | undefined) ?? null)}
          />
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card size="small" title={current ? current.name : s.pick} extra={current && <Tag color={current.active ? 'green' : 'default'}>{current.active ? t.admin.active : t.admin.inactive}</Tag>}>
          {!current ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={s.pick} />
          ) : (
            <>
              <Descriptions
                size="small"
                column={1}
                items={[
                  { key: 'code', label: s.fields.code, children: current.code },
                  { key: 'level', label: s.fields.level, children: s.levelText(current.level) },
                  { key: 'parent', label: s.fields.parent, children: current.parentCode ? `${current.parentCode} ${byCode.get(current.parentCode)?.name ?? ''}` : '—' },
                  { key: 'sort', label: s.fields.sort, children: current.sort },
                ]}
              />
              <Space wrap style={{ marginTop: 12 }}>
                <Button
                  type="primary"
                  icon={<PlusOutlined />}
                  disabled={!current.active || current.level >= MAX_LEVEL}
                  title={current.level >= MAX_LEVEL ? s.maxLevel : undefined}
                  onClick={() => setTarget({ mode: 'create', parent: current })}
                >
                  {s.addChild}
                </Button>
                <Button onClick={() => setTarget({ mode: 'edit', category: current })}>{t.admin.edit}</Button>
                <Popconfirm title={current.active ? s.deactivateConfirm : s.activateConfirm} onConfirm={() => toggle(current)} okText={t.common.confirm} cancelText={t.common.cancel}>
                  <Button danger={current.active}>{current.active ? t.admin.deactivate : t.admin.activate}</Button>
                </Popconfirm>
              </Space>
            </>
          )}
        </Card>
        {current && <QuestionsCard key={current.code} category={current} />}
      </Col>
      <CategoryFormModal target={target} onClose={() => setTarget(null)} onSaved={settle} />
    </Row>
  );
}

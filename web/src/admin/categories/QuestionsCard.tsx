/**
 * The selected category's questions (补充问题): those inherited from the categories above it (read
 * only, greyed) and its own, with a modal to add or change one — code and type fixed once created,
 * an options editor for the choice types — and removal, which the server turns into deactivation
 * once a case has answered.
 */
import { useEffect, useState } from 'react';
import { App, Button, Card, Col, Form, Input, InputNumber, Modal, Popconfirm, Row, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { t } from '../../i18n/zh-CN';
import { ApiError } from '../../api/client';
import { useFailure } from '../../api/use-failure';
import { QUESTION_DATATYPES, isListType, questionsApi, type AdminQuestion, type QuestionDatatype, type QuestionOption } from '../../api/category-questions';
import { useLoad } from '../session';
import type { Category } from '../admin-api';

const s = t.questions.admin;
const types = t.questions.datatypes;

interface Values {
  code: string;
  datatype: QuestionDatatype;
  label: string;
  hint?: string;
  required?: boolean;
  sort?: number | null;
  options?: QuestionOption[];
}

type Target = { mode: 'create' } | { mode: 'edit'; question: AdminQuestion };

/** Given the options so far, returns the first key o<n> (n from their count + 1) none of them uses: after a removal, o<count+1> may be taken. */
export function nextOptionKey(options: readonly Partial<QuestionOption>[] | undefined): string {
  const used = new Set((options ?? []).map((o) => o?.key?.trim()));
  let n = (options?.length ?? 0) + 1;
  while (used.has(`o${n}`)) n++;
  return `o${n}`;
}

function QuestionFormModal({ category, target, onClose, onSaved }: { category: Category; target: Target | null; onClose: () => void; onSaved: () => void }) {
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const { message } = App.useApp();
  const fail = useFailure();
  const datatype = Form.useWatch('datatype', form);
  useEffect(() => {
    if (!target) return;
    form.resetFields();
    if (target.mode === 'edit') {
      const q = target.question;
      form.setFieldsValue({ code: q.code, datatype: q.datatype, label: q.label, hint: q.hint ?? undefined, required: q.required, sort: q.sort, options: q.options });
    }
  }, [target, form]);

  const submit = async (v: Values) => {
    if (!target) return;
    setBusy(true);
    const options = v.datatype && isListType(v.datatype) ? (v.options ?? []).map((o) => ({ key: (o.key ?? '').trim(), name: (o.name ?? '').trim() })) : undefined;
    const common = { label: v.label.trim(), hint: v.hint?.trim() || null, required: !!v.required, ...(v.sort !== null && v.sort !== undefined ? { sort: v.sort } : {}), ...(options ? { options } : {}) };
    try {
      if (target.mode === 'create') await questionsApi.create(category.code, { code: v.code.trim(), datatype: v.datatype, ...common });
      else await questionsApi.update(category.code, target.question.code, common);
      message.success(t.admin.saved);
      onSaved();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CATEGORY_QUESTION_OPTION_IN_USE' && Array.isArray(err.details.keys)) {
        form.setFields([{ name: 'options', errors: [s.optionInUse(err.details.keys as string[])] }]);
        message.error(err.message);
      } else fail(err, form);
    } finally {
      setBusy(false);
    }
  };

  const editing = target?.mode === 'edit';
  return (
    <Modal
      open={!!target}
      title={!target ? '' : target.mode === 'create' ? s.addTitle(category.name) : s.editTitle(target.question.label)}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t.admin.save}
      confirmLoading={busy}
      width={640}
      forceRender
    >
      <Form form={form} name="category-question" layout="vertical" onFinish={submit} requiredMark={false} initialValues={{ datatype: 'string', required: false }}>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="code" label={s.fields.code} extra={editing ? undefined : s.fields.codeHint} rules={[{ required: true, pattern: /^(?!(?:constructor|prototype)$)[a-z][a-z0-9_]{0,39}$/, message: t.common.fieldErrors.reasons.code_pattern }]}>
              <Input maxLength={40} disabled={editing} placeholder="lamp_no" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="datatype" label={s.fields.datatype} rules={[{ required: true }]}>
              <Select disabled={editing} options={QUESTION_DATATYPES.map((d) => ({ value: d, label: types[d] }))} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="label" label={s.fields.label} rules={[{ required: true, whitespace: true, message: t.common.fieldErrors.reasons.label_required }, { max: 100, message: t.common.fieldErrors.reasons.label_too_long }]}>
          <Input maxLength={100} showCount />
        </Form.Item>
        <Form.Item name="hint" label={s.fields.hint} rules={[{ max: 200, message: t.common.fieldErrors.reasons.hint_too_long }]}>
          <Input maxLength={200} showCount />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="required" label={s.fields.required} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="sort" label={s.fields.sort}>
              <InputNumber min={0} max={100000} style={{ width: 160 }} />
            </Form.Item>
          </Col>
        </Row>
        {datatype && isListType(datatype) && (
          <Form.List
            name="options"
            rules={[
              {
                validator: async (_r, list?: QuestionOption[]) => {
                  if ((list?.length ?? 0) < 2) throw new Error(t.common.fieldErrors.reasons.options_too_few);
                },
              },
            ]}
          >
            {(fields, { add, remove }, { errors }) => (
              <Form.Item label={s.fields.options} extra={s.fields.optionsHint} required>
                {fields.map((field, i) => (
                  <Space key={field.key} align="start" style={{ display: 'flex' }} data-option={i}>
                    <Form.Item name={[field.name, 'key']} rules={[{ required: true, pattern: /^[A-Za-z0-9_.-]{1,40}$/, message: t.common.fieldErrors.reasons.option_key_pattern }]} style={{ marginBottom: 8 }}>
                      <Input placeholder={s.fields.optionKey} aria-label={`${s.fields.optionKey} ${i + 1}`} maxLength={40} style={{ width: 140 }} />
                    </Form.Item>
                    <Form.Item name={[field.name, 'name']} rules={[{ required: true, whitespace: true, message: t.common.fieldErrors.reasons.option_name_required }]} style={{ marginBottom: 8 }}>
                      <Input placeholder={s.fields.optionName} aria-label={`${s.fields.optionName} ${i + 1}`} maxLength={50} style={{ width: 260 }} />
                    </Form.Item>
                    <Button type="text" danger icon={<DeleteOutlined />} onClick={() => remove(field.name)} aria-label={`${s.remove} ${i + 1}`} />
                  </Space>
                ))}
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ key: nextOptionKey(form.getFieldValue('options') as QuestionOption[] | undefined), name: '' })} disabled={fields.length >= 50}>
                  {s.fields.addOption}
                </Button>
                <Form.ErrorList errors={errors} />
              </Form.Item>
            )}
          </Form.List>
        )}
      </Form>
    </Modal>
  );
}

/** Given the selected category, shows and edits its questions. */
export function QuestionsCard({ category }: { category: Category }) {
  const { message } = App.useApp();
  const fail = useFailure();
  const { data, reload } = useLoad(() => questionsApi.list(category.code), [category.code]);
  const [target, setTarget] = useState<Target | null>(null);
  const items = data?.category.code === category.code ? data.items : [];

  const remove = async (q: AdminQuestion) => {
    try {
      const r = await questionsApi.remove(category.code, q.code);
      message.success(r.deleted ? s.removed : s.deactivated);
      await reload();
    } catch (err) {
      fail(err);
    }
  };
  const toggle = async (q: AdminQuestion) => {
    try {
      await questionsApi.update(category.code, q.code, { active: !q.active });
      message.success(t.admin.saved);
      await reload();
    } catch (err) {
      fail(err);
    }
  };

  return (
    <Card
      size="small"
      title={s.title}
      style={{ marginTop: 16 }}
      data-testid="category-questions-admin"
      extra={
        <Button size="small" type="primary" icon={<PlusOutlined />} disabled={!category.active} onClick={() => setTarget({ mode: 'create' })}>
          {s.add}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        {s.intro}
      </Typography.Paragraph>
      <Table<AdminQuestion>
        size="small"
        rowKey={(q) => `${q.categoryCode}/${q.code}`}
        dataSource={items}
        pagination={false}
        locale={{ emptyText: s.empty }}
        rowClassName={(q) => (q.inherited || !q.active ? 'xf-unit-inactive' : '')}
        columns={[
          {
            key: 'label',
            title: s.columns.label,
            render: (_, q) => (
              <Space orientation="vertical" size={0}>
                <span>
                  {q.label}
                  {q.required && <Tag color="red" style={{ marginInlineStart: 6 }}>{s.columns.required}</Tag>}
                </span>
                <Typography.Text type="secondary" style={{ fontSize: 12, fontFamily: 'monospace' }}>
                  {q.code}
                </Typography.Text>
                {q.inherited && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {s.inherited(q.categoryName ?? q.categoryCode)}
                  </Typography.Text>
                )}
              </Space>
            ),
          },
          { key: 'type', title: s.columns.datatype, render: (_, q) => types[q.datatype] ?? q.datatype, width: 90 },
          { key: 'sort', title: s.columns.sort, dataIndex: 'sort', width: 60 },
          {
            key: 'status',
            title: s.columns.status,
            width: 100,
            render: (_, q) => (
              <Space size={2} wrap>
                <Tag color={q.active ? 'green' : 'default'}>{q.active ? t.admin.active : t.admin.inactive}</Tag>
              </Space>
            ),
          },
          {
            key: 'actions',
            title: s.columns.actions,
            width: 170,
            render: (_, q) =>
              q.inherited ? null : (
                <Space size={0} wrap>
                  <Button type="link" size="small" onClick={() => setTarget({ mode: 'edit', question: q })}>
                    {t.admin.edit}
                  </Button>
                  <Popconfirm title={q.active ? s.deactivateConfirm : s.activateConfirm} onConfirm={() => toggle(q)} okText={t.common.confirm} cancelText={t.common.cancel}>
                    <Button type="link" size="small">
                      {q.active ? t.admin.deactivate : t.admin.activate}
                    </Button>
                  </Popconfirm>
                  <Popconfirm title={s.removeConfirm} onConfirm={() => remove(q)} okText={t.common.confirm} cancelText={t.common.cancel}>
                    <Button type="link" size="small" danger>
                      {s.remove}
                    </Button>
                  </Popconfirm>
                </Space>
              ),
          },
        ]}
      />
      <QuestionFormModal
        category={category}
        target={target}
        onClose={() => setTarget(null)}
        onSaved={() => {
          setTarget(null);
          void reload();
        }}
      />
    </Card>
  );
}

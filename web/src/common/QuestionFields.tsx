/**
 * The chosen category's questions (补充问题) inside a form, each with the input its type calls for:
 * one line, several lines, a number, a date with time, a single or multiple choice. Answers live
 * under `answers.<code>`, where the server's refusals (`answers.<code>`) land too.
 */
import { useEffect, useState } from 'react';
import { DatePicker, Form, Input, InputNumber, Select, Typography } from 'antd';
import { t } from '../i18n/zh-CN';
import { questionsApi, type AskedQuestion } from '../api/category-questions';

const m = t.questions.form;

/** Given a category code (or none), returns its questions once loaded (empty while loading, without a category, or when loading failed) and whether loading failed. */
export function useAskedQuestions(categoryCode: string | null | undefined): { questions: AskedQuestion[]; failed: boolean } {
  const [state, setState] = useState<{ code: string; questions: AskedQuestion[]; failed: boolean } | null>(null);
  useEffect(() => {
    if (!categoryCode) return;
    let live = true;
    questionsApi.asked(categoryCode).then(
      (questions) => live && setState({ code: categoryCode, questions, failed: false }),
      () => live && setState({ code: categoryCode, questions: [], failed: true }),
    );
    return () => {
      live = false;
    };
  }, [categoryCode]);
  if (!categoryCode || state?.code !== categoryCode) return { questions: [], failed: false };
  return { questions: state.questions, failed: state.failed };
}

/**
 * Given the questions to ask and whether required ones must be answered here (the citizen's form:
 * yes; a registrar noting a call: marked, not enforced), renders one form item per question.
 */
export function QuestionFields({ questions, enforceRequired, failed = false }: { questions: readonly AskedQuestion[]; enforceRequired: boolean; failed?: boolean }) {
  if (failed) return <Typography.Text type="secondary">{m.loadFailed}</Typography.Text>;
  return (
    <>
      {questions.map((q) => (
        <Form.Item
          key={q.code}
          name={['answers', q.code]}
          label={q.label}
          extra={q.hint ?? undefined}
          required={q.required}
          rules={enforceRequired && q.required ? [{ required: true, whitespace: true, message: m.required(q.label) }] : []}
          data-question={q.code}
        >
          {input(q)}
        </Form.Item>
      ))}
    </>
  );
}

function input(q: AskedQuestion) {
  const options = q.options.map((o) => ({ value: o.key, label: o.name }));
  switch (q.datatype) {
    case 'text':
      return <Input.TextArea maxLength={2000} autoSize={{ minRows: 2, maxRows: 6 }} />;
    case 'number':
      return <InputNumber style={{ width: '100%' }} inputMode="decimal" />;
    case 'datetime':
      return <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} inputReadOnly />;
    case 'singlevaluelist':
      return <Select options={options} allowClear placeholder={m.choose} />;
    case 'multivaluelist':
      return <Select mode="multiple" options={options} allowClear placeholder={m.choose} />;
    default:
      return <Input maxLength={200} />;
  }
}

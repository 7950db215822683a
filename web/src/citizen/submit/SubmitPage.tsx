import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Card, Cascader, Form, Input, Radio, Switch, Typography, type FormRule as Rule, type UploadFile } from 'antd';
import { useSearchParams } from 'react-router';
import { ApiError } from '../../api/client';
import { t } from '../../i18n/zh-CN';
import { citizenApi, type CategoryNode, type NewPublicCase, type Nature, type PublicGrid, type Receipt, type Type12345 } from '../citizen-api';
import { applyServerError } from '../../api/form-errors';
import { newIdempotencyKey } from '../idempotency-key';
import { idNumberProblem, isPlausiblePhone } from '../petitioner-rules';
import { usePageTitle } from '../use-page-title';
import { GridField } from './GridField';
import { PhotoPicker } from './PhotoPicker';
import { SubmitDone, type PhotoUpload } from './SubmitDone';
import { QuestionFields, useAskedQuestions } from '../../common/QuestionFields';
import { answersToSend, type AnswerValues } from '../../api/category-questions';

const m = t.citizen.submit;

interface Values {
  type12345: Type12345;
  nature: Nature;
  category?: string[];
  title: string;
  content: string;
  gridId?: string | null;
  locationAddress?: string;
  petitioner: { name: string; phone: string; idNumber?: string; address?: string };
  confidential?: boolean;
  answers?: AnswerValues;
}

const TYPES: Type12345[] = ['inquiry', 'help', 'complaint', 'report', 'suggestion'];
const NATURES: Nature[] = ['appeal', 'suggestion', 'accusation'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Server fields the form calls otherwise. */
const RENAMED = { location: 'locationAddress' };

/** Given bounds and a message, returns a rule on the trimmed length (what the server counts). */
const trimmedLength = (min: number, max: number, message: string): Rule => ({
  validator: (_, v: string | undefined) => {
    const n = (v ?? '').trim().length;
    return n === 0 || (n >= min && n <= max) ? Promise.resolve() : Promise.reject(new Error(message));
  },
});

const phoneRule: Rule = {
  validator: (_, v: string | undefined) => (!v?.trim() || isPlausiblePhone(v) ? Promise.resolve() : Promise.reject(new Error(m.phone.invalid))),
};
const idNumberRule: Rule = {
  validator: (_, v: string | undefined) => {
    const problem = v?.trim() ? idNumberProblem(v) : null;
    if (problem === 'format') return Promise.reject(new Error(m.idNumber.invalid));
    if (problem === 'checksum') return Promise.reject(new Error(m.idNumber.checksum));
    return Promise.resolve();
  },
};

/** Given a category tree, returns it without empty child lists (a leaf must look like one to the cascader). */
function pruneLeaves(nodes: CategoryNode[]): CategoryNode[] {
  return nodes.map((n) => (n.children?.length ? { ...n, children: pruneLeaves(n.children) } : { code: n.code, name: n.name }));
}

/**
 * /m/submit: a citizen reports a matter without an account, from a phone. Arriving by a grid's QR
 * poster (?grid=<id>) fixes the grid and sends the case as 码上办. One idempotency key per opened
 * form, kept across retries, so a double tap or a lost answer never makes a second case.
 */
export function SubmitPage() {
  usePageTitle(m.pageTitle);
  const [form] = Form.useForm<Values>();
  const [params] = useSearchParams();
  const qrParam = params.get('grid');
  const [qrGrid, setQrGrid] = useState<{ id: string; grid: PublicGrid | null } | null>(qrParam && UUID.test(qrParam) ? { id: qrParam, grid: null } : null);
  const [categories, setCategories] = useState<CategoryNode[] | null>(null);
  const [categoriesFailed, setCategoriesFailed] = useState(false);
  const [photos, setPhotos] = useState<UploadFile[]>([]);
  const [submitting, setSubmitting] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [uploads, setUploads] = useState<PhotoUpload[]>([]);
  const key = useRef(newIdempotencyKey());
  const busy = useRef(false);
  const natureTouched = useRef(false);
  const chosenPath = Form.useWatch('category', form) as string[] | undefined;
  const asked = useAskedQuestions(chosenPath?.length ? chosenPath[chosenPath.length - 1] : null);

  useEffect(() => {
    citizenApi.categories().then(
      (tree) => setCategories(pruneLeaves(tree)),
      () => setCategoriesFailed(true),
    );
  }, []);

  // The QR poster carries only the grid's id: find its name among the public grids.
  const qrId = qrGrid?.id;
  useEffect(() => {
    if (!qrId) return;
    let live = true;
    citizenApi.grids('').then(
      (items) => {
        const found = items.find((g) => g.id === qrId);
        if (live && found) setQrGrid({ id: qrId, grid: found });
      },
      () => undefined, // the name is a courtesy; the id still goes with the case
    );
    return () => {
      live = false;
    };
  }, [qrId]);

  const uploadPhotos = async (r: Receipt, files: UploadFile[]) => {
    setUploads((prev) => {
      const next = new Map(prev.map((p) => [p.uid, p]));
      for (const f of files) next.set(f.uid, { uid: f.uid, name: f.name, status: 'uploading' });
      return [...next.values()];
    });
    for (const f of files) {
      if (!f.originFileObj) continue;
      try {
        await citizenApi.attach(r, f.originFileObj);
        setUploads((prev) => prev.map((p) => (p.uid === f.uid ? { uid: p.uid, name: p.name, status: 'done' } : p)));
      } catch (err) {
        const error = err instanceof ApiError ? err.message : t.citizen.networkError;
        setUploads((prev) => prev.map((p) => (p.uid === f.uid ? { ...p, status: 'failed', error } : p)));
      }
    }
  };

  const onFinish = async (v: Values) => {
    if (busy.current) return; // a second tap while the first is on its way
    busy.current = true;
    setSubmitting(true);
    setProblem(null);
    const trimmed = (s: string | undefined) => s?.trim() || null;
    const body: NewPublicCase = {
      channel: qrGrid ? 'qr' : 'online',
      nature: v.nature,
      type12345: v.type12345,
      category: v.category?.length ? v.category[v.category.length - 1] : null,
      title: v.title.trim(),
      content: v.content.trim(),
      gridId: qrGrid ? qrGrid.id : (v.gridId ?? null),
      location: trimmed(v.locationAddress) ? { address: trimmed(v.locationAddress)! } : null,
      petitioner: {
        name: v.petitioner.name.trim(),
        phone: trimmed(v.petitioner.phone),
        idNumber: trimmed(v.petitioner.idNumber),
        address: trimmed(v.petitioner.address),
      },
      confidential: v.nature === 'accusation' || !!v.confidential,
      answers: answersToSend(asked.questions, v.answers),
    };
    try {
      const r = await citizenApi.submit(body, key.current);
      const chosen = photos;
      setReceipt(r);
      window.scrollTo({ top: 0 });
      if (chosen.length) void uploadPhotos(r, chosen);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NETWORK') setProblem(t.citizen.networkError);
      else if (err instanceof ApiError && err.code === 'IDEMPOTENCY_CONFLICT') {
        // The first try did arrive, with other content; a new key lets the citizen send this one.
        key.current = newIdempotencyKey();
        setProblem(m.idempotencyConflict);
      } else {
        const rest = applyServerError(form, err, undefined, RENAMED);
        if (rest === null) setProblem(err instanceof ApiError ? err.message : t.citizen.unknownError);
        else setProblem(rest.length ? rest.join('；') : m.fixErrors);
      }
    } finally {
      busy.current = false;
      setSubmitting(false);
    }
  };

  const another = () => {
    form.resetFields();
    key.current = newIdempotencyKey();
    natureTouched.current = false;
    setPhotos([]);
    setUploads([]);
    setReceipt(null);
    setProblem(null);
    window.scrollTo({ top: 0 });
  };

  if (receipt) {
    return (
      <SubmitDone
        receipt={receipt}
        photos={uploads}
        onRetryPhotos={() => void uploadPhotos(receipt, photos.filter((p) => uploads.find((u) => u.uid === p.uid)?.status === 'failed'))}
        onAnother={another}
      />
    );
  }

  return (
    <>
      <Typography.Title level={4} className="citizen-page-title">
        {m.pageTitle}
      </Typography.Title>
      <Typography.Text type="secondary" className="citizen-intro">
        {m.intro}
      </Typography.Text>
      <Form<Values>
        form={form}
        name="citizen-submit"
        layout="vertical"
        requiredMark="optional"
        scrollToFirstError={{ block: 'center' }}
        initialValues={{ nature: 'appeal', confidential: false }}
        onFinish={onFinish}
        onFinishFailed={() => setProblem(m.fixErrors)}
        onValuesChange={(changed: Partial<Values>) => {
          if ('nature' in changed) natureTouched.current = true;
          // a suggestion is a suggestion (建议意见); everything else is a request unless the citizen says otherwise
          if (changed.type12345 && !natureTouched.current) form.setFieldValue('nature', changed.type12345 === 'suggestion' ? 'suggestion' : 'appeal');
          if (changed.nature === 'accusation') form.setFieldValue('confidential', true);
        }}
      >
        <Card className="citizen-section" title={m.sections.kind} size="small">
          <Form.Item name="type12345" label={m.type12345.label} rules={[{ required: true, message: m.type12345.required }]}>
            <Radio.Group className="citizen-choices" optionType="button" buttonStyle="solid" aria-label={m.type12345.label}
              options={TYPES.map((v) => ({ value: v, label: m.type12345[v] }))} />
          </Form.Item>
          <Form.Item name="nature" label={m.nature.label} rules={[{ required: true, message: m.nature.required }]}>
            <Radio.Group className="citizen-choices" optionType="button" buttonStyle="solid" aria-label={m.nature.label}
              options={NATURES.map((v) => ({ value: v, label: m.nature[v] }))} />
          </Form.Item>
          <Form.Item noStyle shouldUpdate={(a, b) => a.nature !== b.nature}>
            {() => (form.getFieldValue('nature') === 'accusation' ? <Alert type="info" showIcon title={m.nature.accusationHint} style={{ marginBottom: 16 }} /> : null)}
          </Form.Item>
          <Form.Item name="category" label={m.category.label} help={categoriesFailed ? m.category.loadFailed : undefined}>
            <Cascader
              options={categories ?? []}
              loading={!categories && !categoriesFailed}
              fieldNames={{ label: 'name', value: 'code', children: 'children' }}
              changeOnSelect
              placeholder={m.category.placeholder}
              notFoundContent={m.category.notFound}
              showSearch={{ limit: 50 }}
              classNames={{ popup: { root: 'citizen-cascader-popup' } }}
              placement="bottomLeft"
            />
          </Form.Item>
        </Card>

        <Card className="citizen-section" title={m.sections.matter} size="small">
          <Form.Item name="title" label={m.title.label} rules={[{ required: true, whitespace: true, message: m.title.required }, trimmedLength(2, 100, m.title.length)]}>
            <Input placeholder={m.title.placeholder} maxLength={100} showCount />
          </Form.Item>
          <Form.Item name="content" label={m.content.label} rules={[{ required: true, whitespace: true, message: m.content.required }, trimmedLength(5, 10_000, m.content.length)]}>
            <Input.TextArea placeholder={m.content.placeholder} maxLength={10_000} showCount autoSize={{ minRows: 5, maxRows: 12 }} />
          </Form.Item>
        </Card>

        {(asked.questions.length > 0 || asked.failed) && (
          <Card className="citizen-section" title={t.questions.form.section} size="small" data-testid="category-questions">
            <QuestionFields questions={asked.questions} failed={asked.failed} enforceRequired />
          </Card>
        )}

        <Card className="citizen-section" title={m.sections.place} size="small">
          <Form.Item name="gridId" label={m.grid.label} extra={qrGrid ? undefined : m.grid.help}>
            <GridField qrGrid={qrGrid} onLeaveQr={() => setQrGrid(null)} />
          </Form.Item>
          <Form.Item name="locationAddress" label={m.locationAddress.label} rules={[trimmedLength(1, 200, m.locationAddress.length)]}>
            <Input placeholder={m.locationAddress.placeholder} maxLength={200} />
          </Form.Item>
        </Card>

        <Card className="citizen-section" title={m.sections.photos} size="small">
          <Form.Item label={m.photos.label} htmlFor="citizen-submit-photos" extra={m.photos.help}>
            <PhotoPicker id="citizen-submit-photos" value={photos} onChange={setPhotos} />
          </Form.Item>
        </Card>

        <Card className="citizen-section" title={m.sections.person} size="small">
          <Form.Item name={['petitioner', 'name']} label={m.name.label} rules={[{ required: true, whitespace: true, message: m.name.required }, trimmedLength(1, 50, m.name.length)]}>
            <Input placeholder={m.name.placeholder} maxLength={50} autoComplete="name" />
          </Form.Item>
          <Form.Item name={['petitioner', 'phone']} label={m.phone.label} rules={[{ required: true, whitespace: true, message: m.phone.required }, phoneRule]}>
            <Input placeholder={m.phone.placeholder} maxLength={30} inputMode="tel" autoComplete="tel" />
          </Form.Item>
          <Form.Item name={['petitioner', 'idNumber']} label={m.idNumber.label} rules={[idNumberRule]}>
            <Input placeholder={m.idNumber.placeholder} maxLength={25} autoComplete="off" />
          </Form.Item>
          <Form.Item name={['petitioner', 'address']} label={m.address.label} rules={[trimmedLength(1, 200, m.address.length)]}>
            <Input placeholder={m.address.placeholder} maxLength={200} autoComplete="street-address" />
          </Form.Item>
          <Form.Item noStyle shouldUpdate={(a, b) => a.nature !== b.nature}>
            {() => {
              // Art. 30: an accuser's identity is always kept confidential; no switch to turn it off
              const accusation = form.getFieldValue('nature') === 'accusation';
              return (
                <Form.Item name="confidential" label={m.confidential.label} valuePropName="checked" extra={accusation ? m.nature.accusationHint : m.confidential.help}>
                  <Switch disabled={accusation} />
                </Form.Item>
              );
            }}
          </Form.Item>
        </Card>

        {problem && <Alert type="error" showIcon title={problem} role="alert" style={{ marginBottom: 12 }} data-testid="submit-problem" />}
        <div className="citizen-submit-bar">
          <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
            {m.privacy}
          </Typography.Paragraph>
          <Button type="primary" htmlType="submit" size="large" block loading={submitting}>
            {submitting ? m.submitting : m.submitButton}
          </Button>
        </div>
      </Form>
    </>
  );
}

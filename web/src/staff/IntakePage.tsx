/**
 * /staff/intake: a registrar enters what came by phone, letter or visit. One form; the server
 * decides (phone and ID numbers are checked here with the same domain rules first, so every bad
 * field shows at once). On success the number and query code are shown, with the printable notice.
 *
 * Beside the form, the petitioner's earlier cases and possible duplicates appear as they type
 * (IntakeHints); an inquiry can be answered on the spot in the same step (繁简分流).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Col, DatePicker, Form, Input, Radio, Result, Row, Select, Space, Tooltip, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined, PrinterOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { Link, useLocation, useNavigate } from 'react-router';
import { api, ApiError, qs } from '../api/client';
import { t } from '../i18n/zh-CN';
import { parsePhone } from '../../../src/domain/personal-data/phone';
import { validateIdNumber } from '../../../src/domain/personal-data/id-number';
import { CategoryTreeSelect, UnitTreeSelect } from './components';
import { applyServerError } from '../api/form-errors';
import { useFailure } from '../api/use-failure';
import { useCategories, useMeta, useUnits } from './reference';
import { IntakeHints } from './IntakeHints';
import { hasAnyRole, useMe } from './session';
import type { CaseDetail, Grid } from './types';
import type { NoticeData } from './NoticePage';
import { QuestionFields, useAskedQuestions } from '../common/QuestionFields';
import { answersToSend, type AnswerValues } from '../api/category-questions';

const s = t.staff.intake;
const STAFF_CHANNELS = ['phone', 'letter', 'visit', 'leader_reception', 'grid_report', 'transfer_12345'];
const COLLECTIVE = 5; // Art. 20: five or more people are a collective petition …
const MAX_REPS = 5; // … and choose at most five representatives
const FORM_ROOTS = ['channel', 'nature', 'type12345', 'urgency', 'category', 'title', 'content', 'petitioners', 'confidential', 'gridId', 'location', 'accusedUnitIds', 'receivedAt', 'acceptNow', 'answerNow', 'answerText', 'answers'];

interface PetitionerValues {
  name?: string;
  phone?: string;
  idNumber?: string;
  address?: string;
  representative?: boolean;
}

interface IntakeValues {
  channel: string;
  receivedAt?: Dayjs | null;
  nature: string;
  type12345?: string;
  urgency?: string;
  category?: string;
  title?: string;
  content?: string;
  confidential?: boolean;
  petitioners: PetitionerValues[];
  gridId?: string;
  location?: { address?: string };
  accusedUnitIds?: string[];
  acceptNow?: boolean;
  answerNow?: boolean;
  answerText?: string;
  answers?: AnswerValues;
}

interface Created {
  id: string;
  number: string;
  queryCode: string;
  state: string;
  notice: NoticeData;
}

const blank = (v?: string) => !v || !v.trim();
const trimmed = (v?: string) => (blank(v) ? undefined : v!.trim());

export function IntakePage() {
  const me = useMe();
  const meta = useMeta();
  const categories = useCategories();
  const units = useUnits();
  const fail = useFailure();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [form] = Form.useForm<IntakeValues>();
  const [busy, setBusy] = useState(false);
  const [serverNotice, setServerNotice] = useState<string | null>(null);
  const location = useLocation();
  // The result lives in the history entry, so coming back from the printed notice shows it again.
  const created = (location.state as { created?: Created } | null)?.created ?? null;
  const setCreated = (c: Created | null) => navigate('/staff/intake', { replace: true, state: c ? { created: c } : null });
  const nature = Form.useWatch('nature', form);
  const people = Form.useWatch('petitioners', form) as PetitionerValues[] | undefined;
  const canAccept = hasAnyRole(me, ['dispatcher', 'leader']);
  const canAnswer = hasAnyRole(me, ['registrar', 'dispatcher']); // answer_on_spot in the transition table
  const answerNow = Form.useWatch('answerNow', form);
  const acceptNow = Form.useWatch('acceptNow', form);
  const title = Form.useWatch('title', form);
  const content = Form.useWatch('content', form);
  const category = Form.useWatch('category', form);
  const asked = useAskedQuestions(category);

  useEffect(() => {
    document.title = `${s.title} - ${t.common.appName}`;
  }, []);

  useEffect(() => {
    if (nature === 'accusation') form.setFieldValue('confidential', true);
  }, [nature, form]);

  const reps = (people ?? []).filter((p) => p?.representative).length;
  const count = people?.length ?? 0;

  const submit = async (v: IntakeValues) => {
    setBusy(true);
    setServerNotice(null);
    const body = {
      channel: v.channel,
      nature: v.nature,
      type12345: v.type12345 || undefined,
      urgency: v.urgency || undefined,
      category: v.category || undefined,
      title: v.title!.trim(),
      content: v.content!.trim(),
      confidential: v.confidential || undefined,
      petitioners: v.petitioners.map((p) => ({
        name: p.name!.trim(),
        phone: trimmed(p.phone),
        idNumber: trimmed(p.idNumber),
        address: trimmed(p.address),
        representative: !!p.representative,
      })),
      gridId: v.gridId || undefined,
      location: trimmed(v.location?.address) ? { address: trimmed(v.location?.address) } : undefined,
      accusedUnitIds: v.nature === 'accusation' && v.accusedUnitIds?.length ? v.accusedUnitIds : undefined,
      receivedAt: v.receivedAt ? v.receivedAt.format() : undefined,
      acceptNow: canAccept && v.acceptNow && !v.answerNow ? true : undefined,
      answerNow: canAnswer && v.answerNow ? trimmed(v.answerText) : undefined,
      answers: answersToSend(asked.questions, v.answers),
    };
    try {
      const r = await api.post<{ id: string; number: string; queryCode: string; state: string }>('/api/cases', body);
      const detail = await api.get<CaseDetail>(`/api/cases/${r.id}`).catch(() => null);
      const first = v.petitioners.find((p) => p.representative) ?? v.petitioners[0];
      setCreated({
        ...r,
        notice: {
          number: r.number,
          queryCode: r.queryCode,
          state: r.state,
          title: body.title,
          channel: meta?.channels[v.channel] ?? v.channel,
          receivedAt: detail?.receivedAt ?? (v.receivedAt ? v.receivedAt.toISOString() : new Date().toISOString()),
          petitionerName: first?.name?.trim() ?? '',
          petitionerCount: v.petitioners.length,
        },
      });
      message.success(createdTitle(r.state));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return fail(err);
      const stray = applyServerError(form, err, (n) => FORM_ROOTS.includes(String(n[0])));
      const text = err instanceof ApiError ? err.message : t.common.networkError;
      setServerNotice(stray?.length ? `${text}（${stray.join('；')}）` : text);
      message.error(text);
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <Card>
        <Result
          status="success"
          title={createdTitle(created.state)}
          subTitle={s.codeHint}
          extra={[
            <Button key="print" type="primary" icon={<PrinterOutlined />} onClick={() => navigate('/staff/notice', { state: created.notice })}>
              {s.printNotice}
            </Button>,
            <Link key="open" to={`/staff/cases/${created.id}`}>
              <Button>{s.openCase}</Button>
            </Link>,
            <Button
              key="again"
              onClick={() => {
                setCreated(null);
                form.resetFields();
              }}
            >
              {s.another}
            </Button>,
          ]}
        >
          <div style={{ display: 'flex', justifyContent: 'center', gap: 48 }} data-testid="created">
            <div>
              <Typography.Text type="secondary">{s.number}</Typography.Text>
              <div className="xf-code" data-testid="created-number">
                {created.number}
              </div>
            </div>
            <div>
              <Typography.Text type="secondary">{s.queryCode}</Typography.Text>
              <div className="xf-code" data-testid="created-code">
                {created.queryCode}
              </div>
            </div>
          </div>
        </Result>
      </Card>
    );
  }

  const options = (labels: Record<string, string> | undefined, only?: string[]) =>
    Object.entries(labels ?? {})
      .filter(([k]) => !only || only.includes(k))
      .map(([value, label]) => ({ value, label }));

  return (
    <section aria-labelledby="xf-intake-title">
      <Typography.Title level={4} id="xf-intake-title" style={{ marginTop: 0, marginBottom: 4 }}>
        {s.title}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{s.subtitle}</Typography.Paragraph>
      <Form<IntakeValues>
        form={form}
        layout="vertical"
        onFinish={submit}
        onFinishFailed={() => message.error(t.staff.errors.formInvalid)}
        scrollToFirstError
        initialValues={{ channel: 'phone', nature: 'appeal', urgency: 'normal', petitioners: [{}] }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            form.submit();
          }
        }}
      >
        {serverNotice && <Alert type="error" showIcon title={serverNotice} style={{ marginBottom: 16 }} role="alert" closable={{ onClose: () => setServerNotice(null) }} />}
        <Row gutter={16}>
          <Col span={15}>
            <Card title={s.sectionMatter} size="small" style={{ marginBottom: 16 }}>
              <Row gutter={12}>
                <Col span={8}>
                  <Form.Item name="channel" label={s.channel} rules={[{ required: true, message: s.channelRequired }]}>
                    <Select options={options(meta?.channels, STAFF_CHANNELS)} />
                  </Form.Item>
                </Col>
                <Col span={8}>
                  <Form.Item name="receivedAt" label={s.receivedAt} tooltip={s.receivedAtHint}>
                    <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
                  </Form.Item>
                </Col>
                <Col span={8}>
                  <Form.Item name="urgency" label={s.urgency}>
                    <Select options={options(meta?.urgencies)} />
                  </Form.Item>
                </Col>
                <Col span={12}>
                  <Form.Item name="nature" label={s.nature} rules={[{ required: true, message: s.natureRequired }]}>
                    <Radio.Group options={options(meta?.natures)} optionType="button" />
                  </Form.Item>
                </Col>
                <Col span={12}>
                  <Form.Item name="type12345" label={s.type12345}>
                    <Select options={options(meta?.types12345)} allowClear />
                  </Form.Item>
                </Col>
                <Col span={24}>
                  <Form.Item name="category" label={s.category}>
                    <CategoryTreeSelect tree={categories} placeholder={s.categoryPlaceholder} />
                  </Form.Item>
                </Col>
                {(asked.questions.length > 0 || asked.failed) && (
                  <Col span={24}>
                    <Card type="inner" size="small" title={t.questions.form.section} style={{ marginBottom: 16 }} data-testid="category-questions">
                      <QuestionFields questions={asked.questions} failed={asked.failed} enforceRequired={false} />
                    </Card>
                  </Col>
                )}
                <Col span={24}>
                  <Form.Item
                    name="title"
                    label={s.titleLabel}
                    rules={[
                      { required: true, whitespace: true, message: s.titleRequired },
                      { min: 2, message: s.titleMin, transform: (x?: string) => x?.trim() },
                    ]}
                  >
                    <Input placeholder={s.titlePlaceholder} maxLength={100} showCount />
                  </Form.Item>
                </Col>
                <Col span={24}>
                  <Form.Item
                    name="content"
                    label={s.content}
                    rules={[
                      { required: true, whitespace: true, message: s.contentRequired },
                      { min: 5, message: s.contentMin, transform: (x?: string) => x?.trim() },
                    ]}
                  >
                    <Input.TextArea placeholder={s.contentPlaceholder} rows={6} maxLength={10000} showCount />
                  </Form.Item>
                </Col>
              </Row>
            </Card>
          </Col>
          <Col span={9}>
            <Card title={s.sectionPlace} size="small" style={{ marginBottom: 16 }}>
              <Form.Item name="gridId" label={s.grid}>
                <GridSelect />
              </Form.Item>
              <Form.Item name={['location', 'address']} label={s.locationAddress}>
                <Input maxLength={200} />
              </Form.Item>
              {nature === 'accusation' && (
                <>
                  <Form.Item name="accusedUnitIds" label={s.accusedUnits}>
                    <UnitTreeSelect units={units} multiple placeholder={s.accusedPlaceholder} aria-label={s.accusedUnits} />
                  </Form.Item>
                  <Alert type="info" showIcon title={s.accusationConfidential} style={{ marginBottom: 12 }} />
                </>
              )}
              <Form.Item name="confidential" valuePropName="checked" style={{ marginBottom: 8 }}>
                <Checkbox disabled={nature === 'accusation'}>{s.confidential}</Checkbox>
              </Form.Item>
              <Tooltip title={canAccept ? s.acceptNowHint : s.acceptNowDenied}>
                <Form.Item name="acceptNow" valuePropName="checked" style={{ marginBottom: 0 }}>
                  <Checkbox disabled={!canAccept || !!answerNow}>{s.acceptNow}</Checkbox>
                </Form.Item>
              </Tooltip>
              {!canAccept && (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {s.acceptNowDenied}
                </Typography.Text>
              )}
              {canAnswer && (
                <>
                  <Tooltip title={s.answerNowHint}>
                    <Form.Item
                      name="answerNow"
                      valuePropName="checked"
                      style={{ marginBottom: answerNow ? 8 : 0, marginTop: 8 }}
                      rules={[{ validator: async (_r, v?: boolean) => { if (v && form.getFieldValue('acceptNow')) throw new Error(s.answerOrAccept); } }]}
                    >
                      <Checkbox disabled={!!acceptNow}>{s.answerNow}</Checkbox>
                    </Form.Item>
                  </Tooltip>
                  {answerNow && (
                    <Form.Item name="answerText" label={s.answerText} rules={[{ required: true, whitespace: true, message: s.answerRequired }]} style={{ marginBottom: 0 }}>
                      <Input.TextArea rows={4} maxLength={5000} showCount />
                    </Form.Item>
                  )}
                </>
              )}
            </Card>
            <IntakeHints
              values={{ title, content, petitioners: people }}
              category={category}
              onAdoptCategory={(code, name) => {
                form.setFieldValue('category', code);
                message.success(t.intelligence.adoptDone(name));
              }}
            />
          </Col>
        </Row>

        <Card title={s.sectionPetitioners} size="small" style={{ marginBottom: 16 }} extra={count >= COLLECTIVE ? <Typography.Text type={reps > MAX_REPS ? 'danger' : 'warning'}>{s.collective(count, reps)}</Typography.Text> : null}>
          <Form.List
            name="petitioners"
            rules={[
              {
                validator: async (_r, list?: PetitionerValues[]) => {
                  const n = list?.length ?? 0;
                  if (n === 0) throw new Error(t.staff.intake.petitionerNameRequired);
                  if (n >= COLLECTIVE && (list ?? []).filter((p) => p?.representative).length > MAX_REPS) throw new Error(s.repsTooMany);
                },
              },
            ]}
          >
            {(fields, { add, remove }, { errors }) => (
              <>
                {fields.map((field, i) => (
                  <Row gutter={8} key={field.key} align="top" data-petitioner={i}>
                    <Col span={4}>
                      <Form.Item name={[field.name, 'name']} label={i === 0 ? s.petitionerName : undefined} rules={[{ required: true, whitespace: true, message: s.petitionerNameRequired }]}>
                        <Input maxLength={50} aria-label={`${s.petitionerName} ${i + 1}`} />
                      </Form.Item>
                    </Col>
                    <Col span={5}>
                      <Form.Item name={[field.name, 'phone']} label={i === 0 ? s.phone : undefined} rules={[{ validator: phoneValidator }]} validateTrigger={['onBlur', 'onSubmit']}>
                        <Input maxLength={30} inputMode="tel" aria-label={`${s.phone} ${i + 1}`} />
                      </Form.Item>
                    </Col>
                    <Col span={5}>
                      <Form.Item name={[field.name, 'idNumber']} label={i === 0 ? s.idNumber : undefined} rules={[{ validator: idValidator }]} validateTrigger={['onBlur', 'onSubmit']}>
                        <Input maxLength={25} aria-label={`${s.idNumber} ${i + 1}`} />
                      </Form.Item>
                    </Col>
                    <Col span={7}>
                      <Form.Item name={[field.name, 'address']} label={i === 0 ? s.address : undefined}>
                        <Input maxLength={200} aria-label={`${s.address} ${i + 1}`} />
                      </Form.Item>
                    </Col>
                    <Col span={3}>
                      <Space align="start" style={{ marginTop: i === 0 ? 30 : 4 }}>
                        <Form.Item noStyle shouldUpdate>
                          {() => {
                            // Art. 20: once five of five-or-more people are representatives, no sixth
                            const list = (form.getFieldValue('petitioners') ?? []) as PetitionerValues[];
                            const full = list.length >= COLLECTIVE && list.filter((p) => p?.representative).length >= MAX_REPS;
                            return (
                              <Form.Item name={[field.name, 'representative']} valuePropName="checked" noStyle>
                                <Checkbox disabled={full && !list[i]?.representative}>{s.representative}</Checkbox>
                              </Form.Item>
                            );
                          }}
                        </Form.Item>
                        {fields.length > 1 && (
                          <Button type="text" danger size="small" icon={<DeleteOutlined />} onClick={() => remove(field.name)} aria-label={`${s.removePetitioner} ${i + 1}`} />
                        )}
                      </Space>
                    </Col>
                  </Row>
                ))}
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({})} disabled={fields.length >= 500}>
                  {s.addPetitioner}
                </Button>
                <Form.ErrorList errors={errors} />
              </>
            )}
          </Form.List>
        </Card>

        <Space>
          <Button type="primary" htmlType="submit" loading={busy} size="large">
            {s.submit}
          </Button>
          <Button
            onClick={() => {
              form.resetFields();
              setServerNotice(null);
            }}
          >
            {s.reset}
          </Button>
        </Space>
      </Form>
    </section>
  );
}

function createdTitle(state: string): string {
  if (state === 'accepted') return s.createdAccepted;
  if (state === 'answered_on_spot') return s.createdAnswered;
  return s.created;
}

async function phoneValidator(_r: unknown, v?: string) {
  if (blank(v)) return;
  if (!parsePhone(v!).ok) throw new Error(s.phoneInvalid);
}

async function idValidator(_r: unknown, v?: string) {
  if (blank(v)) return;
  const r = validateIdNumber(v!, new Date());
  if (!r.ok) throw new Error(s.idInvalid[r.reason] ?? s.idInvalid.format);
}

/** The grid picker: searches active grids by grid, community or street name as the user types. */
function GridSelect({ value, onChange, id }: { value?: string; onChange?: (v: string | undefined) => void; id?: string }) {
  const [grids, setGrids] = useState<Grid[]>([]);
  const [picked, setPicked] = useState<Grid | null>(null); // kept so its label survives a new search
  const [loading, setLoading] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const seq = useRef(0);
  const search = (q: string) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const mine = ++seq.current;
      setLoading(true);
      api
        .get<{ items: Grid[] }>('/api/public/grids' + qs({ q: q.trim() || undefined }))
        .then((r) => mine === seq.current && setGrids(r.items), () => undefined)
        .finally(() => mine === seq.current && setLoading(false));
    }, 250);
  };
  useEffect(() => {
    search('');
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);
  const options = useMemo(
    () =>
      [...(picked && !grids.some((g) => g.id === picked.id) ? [picked] : []), ...grids].map((g) => ({
        value: g.id,
        label: [g.name, [g.streetName, g.communityName, g.gridName].filter(Boolean).join(' ')].filter(Boolean).join(' · '),
      })),
    [grids, picked],
  );
  return (
    <Select
      id={id}
      value={value}
      onChange={(v?: string) => {
        setPicked(grids.find((g) => g.id === v) ?? null);
        onChange?.(v);
      }}
      options={options}
      loading={loading}
      showSearch={{ filterOption: false, onSearch: search }}
      allowClear
      placeholder={s.gridPlaceholder}
      notFoundContent={loading ? t.common.loading : undefined}
      aria-label={s.grid}
    />
  );
}

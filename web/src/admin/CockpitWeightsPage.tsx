/**
 * /admin/cockpit-weights: the admins' weights of the cockpit — the four parts of the 一图一指数 and
 * the nine rates of the monthly assessment (考核), each 0–1000 with its share of its group shown as
 * typed (the server normalises, so they need not add up to 100). 保存 sends both groups
 * (PUT /api/cockpit/weights); the server's refusal is shown as it words it.
 */
import { useCallback, useEffect, useState } from 'react';
import { App, Button, Card, Col, Form, InputNumber, Row, Space, Spin, Typography } from 'antd';
import { SaveOutlined } from '@ant-design/icons';
import { ApiError } from '../api/client';
import { cockpitApi, RATE_KEYS, type CockpitWeights, type IndexWeights } from '../api/cockpit';
import { useFailure } from '../api/use-failure';
import { t } from '../i18n/zh-CN';

const s = t.cockpit.weightsAdmin;
const INDEX_KEYS: readonly (keyof IndexWeights)[] = ['volume', 'overdue', 'dissatisfaction', 'warnings'];
/** The server's bound for one weight (src/domain/cockpit: 0–1000). */
const MAX_WEIGHT = 1000;

type Group = Record<string, number | null | undefined>;

/** Given a group's weights and one key, returns that key's share as text (— while the group sums to 0). */
function share(group: Group | undefined, key: string): string {
  const values = Object.values(group ?? {}).map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0));
  const sum = values.reduce((a, b) => a + b, 0);
  const v = group?.[key];
  if (!sum) return '—';
  return `${(Math.round((1000 * (typeof v === 'number' ? v : 0)) / sum) / 10).toFixed(1)}%`;
}

const sumOf = (group: Group | undefined) => Object.values(group ?? {}).reduce<number>((a, v) => a + (typeof v === 'number' ? v : 0), 0);

export function CockpitWeightsPage() {
  const { message } = App.useApp();
  const fail = useFailure();
  const [form] = Form.useForm<CockpitWeights>();
  const [loaded, setLoaded] = useState(false);
  const [saving, setSaving] = useState(false);
  const index = Form.useWatch('index', form) as unknown as Group | undefined;
  const assessment = Form.useWatch('assessment', form) as unknown as Group | undefined;

  const load = useCallback(async () => {
    try {
      form.setFieldsValue(await cockpitApi.weights());
      setLoaded(true);
    } catch (err) {
      fail(err);
    }
  }, [form, fail]);
  useEffect(() => {
    void load();
  }, [load]);

  const save = async (v: CockpitWeights) => {
    for (const [group, title] of [
      [v.index, s.index.title],
      [v.assessment, s.assessment.title],
    ] as const) {
      if (!sumOf(group as unknown as Group)) {
        message.error(`${title}：${s.allZero}`);
        return;
      }
    }
    setSaving(true);
    try {
      form.setFieldsValue(await cockpitApi.setWeights({ index: v.index, assessment: v.assessment }));
      message.success(s.saved);
    } catch (err) {
      // 权重无效 says little by itself: the reason names the weight
      if (err instanceof ApiError && typeof err.details.reason === 'string') message.error(`${err.message}：${err.details.reason}`);
      else fail(err, form);
    } finally {
      setSaving(false);
    }
  };

  const field = (group: 'index' | 'assessment', key: string, label: string, watched: Group | undefined) => (
    <Form.Item key={key} label={label} htmlFor={`cockpit-weights_${group}_${key}`} style={{ marginBottom: 12 }}>
      <Space>
        <Form.Item name={[group, key]} noStyle rules={[{ required: true, message: s.required }]}>
          <InputNumber min={0} max={MAX_WEIGHT} style={{ width: 120 }} aria-label={label} />
        </Form.Item>
        <Typography.Text type="secondary" data-testid={`weight-share-${group}-${key}`}>
          {s.share(share(watched, key))}
        </Typography.Text>
      </Space>
    </Form.Item>
  );

  return (
    <section aria-labelledby="xf-cockpit-weights-title">
      <Typography.Title level={4} id="xf-cockpit-weights-title" style={{ marginTop: 0 }}>
        {s.title}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{s.subtitle}</Typography.Paragraph>
      <Spin spinning={!loaded}>
        <Form form={form} name="cockpit-weights" layout="horizontal" labelCol={{ flex: '170px' }} onFinish={save}>
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={10}>
              <Card title={s.index.title} size="small" data-testid="weights-index">
                {INDEX_KEYS.map((k) => field('index', k, s.index.labels[k] ?? k, index))}
              </Card>
            </Col>
            <Col xs={24} xl={14}>
              <Card title={s.assessment.title} size="small" data-testid="weights-assessment">
                {RATE_KEYS.map((k) => field('assessment', k, t.cockpit.assessment.rateLabels[k] ?? k, assessment))}
              </Card>
            </Col>
          </Row>
          <Button type="primary" htmlType="submit" icon={<SaveOutlined />} loading={saving} disabled={!loaded} style={{ marginTop: 16 }}>
            {s.save}
          </Button>
        </Form>
      </Spin>
    </section>
  );
}

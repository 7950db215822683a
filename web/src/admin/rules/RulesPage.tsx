/**
 * /admin/rules: the deadline rule sets shipped with the deployment (GET /api/rules), read-only —
 * each step's limit, how it is counted, whether a hearing pauses it, its extension and article.
 * The set in force (DEFAULT_RULE_SET) comes first and is marked.
 */
import { Card, Descriptions, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { t } from '../../i18n/zh-CN';
import { adminApi, type RuleSet, type StepRule } from '../admin-api';
import { useLoad } from '../session';

const s = t.admin.rules;

type StepRow = StepRule & { key: string };

/** Given a rule set, returns which step each urgency is handled under, urgencies sharing a step named together. */
function urgencyText(rs: RuleSet): string {
  const byStep = new Map<string, string[]>();
  for (const [urgency, step] of Object.entries(rs.handlingStepByUrgency)) byStep.set(step, [...(byStep.get(step) ?? []), s.urgencies[urgency] ?? urgency]);
  const f = t.admin.fmt;
  return f.clauses(
    [...byStep].map(([step, urgencies]) => {
      const rule = rs.steps[step];
      const label = rule ? f.aside(rule.label, s.units[rule.unit]?.(rule.limit) ?? String(rule.limit)) : step;
      return f.labelled(f.list(urgencies), label);
    }),
  );
}

function RuleSetCard({ rs, inForce }: { rs: RuleSet; inForce: boolean }) {
  const steps: StepRow[] = Object.entries(rs.steps).map(([key, step]) => ({ key, ...step }));
  return (
    <Card
      data-testid={`rule-set-${rs.id}`}
      size="small"
      title={
        <Space>
          <span>{rs.name}</span>
          <Typography.Text type="secondary" style={{ fontWeight: 'normal', fontSize: 12 }}>
            {rs.id}
          </Typography.Text>
        </Space>
      }
      extra={inForce ? <Tag color="red">{s.inForce}</Tag> : <Tag>{s.notInForce}</Tag>}
      style={inForce ? { borderColor: '#b71c1c', boxShadow: '0 0 0 1px #b71c1c' } : undefined}
      styles={inForce ? { header: { background: '#fff1f0' } } : undefined}
    >
      <Descriptions
        size="small"
        column={{ xs: 1, md: 2 }}
        items={[
          { key: 'version', label: s.version, children: rs.version },
          { key: 'from', label: s.effectiveFrom, children: rs.effectiveFrom },
          { key: 'source', label: s.source, children: rs.source, span: 2 },
          { key: 'reminder', label: s.reminder, children: s.reminderText(rs.reminderDaysBefore), span: 2 },
          { key: 'urgency', label: s.byUrgency, children: urgencyText(rs), span: 2 },
        ]}
      />
      {rs.notes && rs.notes.length > 0 && (
        <ul style={{ margin: '8px 0', paddingInlineStart: 20, color: '#666', fontSize: 12 }}>
          {rs.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
      <Table<StepRow>
        size="small"
        rowKey="key"
        pagination={false}
        dataSource={steps}
        style={{ marginTop: 8 }}
        scroll={{ x: 900 }}
        columns={[
          {
            title: s.columns.step,
            key: 'step',
            width: 200,
            render: (_, r) => (
              <>
                <div>{r.label}</div>
                <Typography.Text type="secondary" style={{ fontSize: 12, fontFamily: 'monospace' }}>
                  {r.key}
                </Typography.Text>
              </>
            ),
          },
          { title: s.columns.limit, key: 'limit', width: 110, render: (_, r) => <strong>{s.units[r.unit]?.(r.limit) ?? `${r.limit} ${r.unit}`}</strong> },
          { title: s.columns.pausable, key: 'pausable', width: 90, render: (_, r) => (r.pausable ? <Tag color="blue">{s.paused}</Tag> : s.notPaused) },
          { title: s.columns.extension, key: 'extension', width: 170, render: (_, r) => (r.extension ? s.extension(r.extension.maxDays) : s.noExtension) },
          { title: s.columns.article, dataIndex: 'article', width: 180 },
          { title: s.columns.note, dataIndex: 'note', render: (n?: string) => <span style={{ fontSize: 12, color: '#555' }}>{n ?? ''}</span> },
        ]}
      />
    </Card>
  );
}

export function RulesPage() {
  const { data } = useLoad(() => adminApi.rules(), []);
  if (!data) return <Skeleton active />;
  const ordered = [...data.ruleSets].sort((a, b) => Number(b.id === data.default) - Number(a.id === data.default));
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Card size="small" title={s.title}>
        <Typography.Paragraph style={{ marginBottom: 4 }}>{s.intro}</Typography.Paragraph>
        <Typography.Text type="secondary">{s.calendars(t.admin.fmt.list(data.calendarYears))}</Typography.Text>
      </Card>
      {ordered.map((rs) => (
        <RuleSetCard key={rs.id} rs={rs} inForce={rs.id === data.default} />
      ))}
    </Space>
  );
}

import { Card, Descriptions, Tag, Timeline, Typography } from 'antd';
import { t } from '../../i18n/zh-CN';
import type { PublicCaseView } from '../citizen-api';
import { formatDay, formatDayTime } from '../format-date';

const m = t.citizen.track;
/** A text answer keeps its line breaks, as on the staff case page (.xf-pre there). */
const PRE = { whiteSpace: 'pre-wrap', wordBreak: 'break-word' } as const;

const STATE_COLORS: Record<string, string> = {
  replied: 'blue',
  visited: 'green',
  closed: 'green',
  answered_on_spot: 'green',
  final: 'default',
  withdrawn: 'default',
  merged: 'default',
  refused: 'orange',
};

/** The case as the petitioner may see it: state in plain words, the current deadline, the reply, the steps so far. */
export function CaseStatus({ view }: { view: PublicCaseView }) {
  const stateName = t.common.states[view.state] ?? view.state;
  return (
    <>
      <Card className="citizen-section" size="small" title={view.title} role="region" aria-label={m.stateLabel}>
        <Typography.Text type="secondary" style={{ display: 'block', marginBottom: 8 }}>
          {view.number}
        </Typography.Text>
        <div className="citizen-state" data-testid="case-state">
          <Typography.Text type="secondary">{m.stateLabel}</Typography.Text>
          <Tag color={STATE_COLORS[view.state] ?? 'processing'}>{stateName}</Tag>
        </div>
        <Typography.Paragraph style={{ margin: '8px 0 12px' }}>{m.explain[view.state]}</Typography.Paragraph>
        <Descriptions
          column={1}
          size="small"
          items={[
            { key: 'received', label: m.receivedAt, children: formatDayTime(view.receivedAt) },
            ...(view.dueAt
              ? [
                  {
                    key: 'due',
                    label: m.dueAt,
                    children: (
                      <span>
                        {formatDay(view.dueAt)}
                        {view.dueStatus === 'due_soon' && (
                          <Tag color="warning" style={{ marginInlineStart: 8 }}>
                            {m.dueSoon}
                          </Tag>
                        )}
                        {view.dueStatus === 'overdue' && (
                          <Tag color="error" style={{ marginInlineStart: 8 }}>
                            {m.overdue}
                          </Tag>
                        )}
                      </span>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Card>

      {!!view.answers?.length && (
        <Card className="citizen-section" size="small" title={t.questions.answers} data-testid="case-answers">
          <Descriptions column={1} size="small" items={view.answers.map((a) => ({ key: a.code, label: a.label, children: <span style={PRE}>{a.value}</span> }))} />
        </Card>
      )}

      {view.refusal && (
        <Card className="citizen-section" size="small" title={m.refusal} data-testid="case-refusal">
          <Descriptions
            column={1}
            size="small"
            items={[
              { key: 'reason', label: m.refusalReason, children: view.refusal.reason },
              { key: 'channel', label: m.legalChannel, children: t.staff.legalChannels[view.refusal.legalChannel] ?? view.refusal.legalChannel },
              { key: 'at', label: m.refusedAt, children: formatDayTime(view.refusal.at) },
            ]}
          />
        </Card>
      )}

      {view.reply && (
        <Card className="citizen-section" size="small" title={m.reply} data-testid="case-reply">
          <Descriptions
            column={1}
            size="small"
            items={[
              ...(view.reply.opinion ? [{ key: 'opinion', label: m.replyOpinion, children: <Tag color="blue">{t.common.opinions[view.reply.opinion] ?? view.reply.opinion}</Tag> }] : []),
              ...(view.reply.at ? [{ key: 'at', label: m.repliedAt, children: formatDayTime(view.reply.at) }] : []),
            ]}
          />
          <Typography.Paragraph className="citizen-reply" style={{ marginTop: 8, marginBottom: 0 }}>
            {view.reply.text}
          </Typography.Paragraph>
        </Card>
      )}
      <Opinion title={m.reviewOpinion} opinion={view.reviewOpinion} testId="case-review-opinion" />
      <Opinion title={m.reReviewOpinion} opinion={view.reReviewOpinion} testId="case-re-review-opinion" />
    </>
  );
}

/** A review (复查) or re-review (复核) opinion, as issued. */
function Opinion({ title, opinion, testId }: { title: string; opinion: PublicCaseView['reviewOpinion']; testId: string }) {
  if (!opinion) return null;
  return (
    <Card className="citizen-section" size="small" title={title} data-testid={testId}>
      <Descriptions
        column={1}
        size="small"
        items={[
          { key: 'opinion', label: m.replyOpinion, children: <Tag color="blue">{t.common.opinions[opinion.opinion] ?? opinion.opinion}</Tag> },
          { key: 'at', label: m.issuedAt, children: formatDayTime(opinion.at) },
        ]}
      />
      <Typography.Paragraph className="citizen-reply" style={{ marginTop: 8, marginBottom: 0 }}>
        {opinion.text}
      </Typography.Paragraph>
    </Card>
  );
}

/** The plain-language steps of the case, newest first. */
export function CaseTimeline({ view }: { view: PublicCaseView }) {
  const steps = [...view.timeline].reverse();
  return (
    <Card className="citizen-section" size="small" title={m.timeline}>
      <Timeline
        items={steps.map((s, i) => ({
          key: `${s.at}-${i}`,
          color: i === 0 ? 'red' : 'gray',
          content: (
            <>
              <div>{s.text}</div>
              {s.detail && <Typography.Paragraph style={{ margin: 0 }}>{s.detail}</Typography.Paragraph>}
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {formatDayTime(s.at)}
              </Typography.Text>
            </>
          ),
        }))}
      />
    </Card>
  );
}

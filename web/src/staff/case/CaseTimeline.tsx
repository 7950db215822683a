/** The case's full trace (every event, oldest first): what happened, when, by which role, with its key data. */
import { Timeline, Typography } from 'antd';
import { Link } from 'react-router';
import { t } from '../../i18n/zh-CN';
import { fmtSize, fmtTime } from '../format';
import type { CaseDetail, Meta, TimelineEvent } from '../types';

const d = t.staff.eventData;

const COLORS: Record<string, string> = {
  'case.registered': 'blue',
  'case.closed': 'green',
  'case.finalized': 'green',
  'case.answered_on_spot': 'green',
  'case.refused': 'gray',
  'case.withdrawn': 'gray',
  'case.merged': 'gray',
  'case.objected': 'orange',
  'case.escalated': 'orange',
  'case.reworked': 'red',
  'case.personal_data_revealed': 'orange',
};

/** Keys shown through another key, or not worth a line. */
const HIDDEN = new Set(['from', 'to', 'fromCaseId', 'parentCaseId', 'attachmentId', 'sha256', 'mime', 'supervisionId', 'leaderId', 'notified', 'spotCheckId', 'deductionId', 'seed', 'keywords', 'routing', 'matterId', 'repeatOfId']);

interface Ctx {
  meta: Meta | undefined;
  unitName: (id: string) => string;
  categoryName: (code: string) => string;
}

function yesNo(v: unknown) {
  return v ? d.yes : d.no;
}

/** Given one event's data key and value, returns what to show for it (null to skip). */
function renderValue(type: string, key: string, value: unknown, c: Ctx): React.ReactNode {
  if (value === null || value === undefined || value === '') return null;
  if (Array.isArray(value) && value.length === 0) return null;
  switch (key) {
    case 'leadUnitId':
    case 'toUnitId':
    case 'previousLeadUnitId':
    case 'gridUnitId':
    case 'ownerUnitId':
    case 'targetUnitId':
    case 'escalatedToUnitId':
    case 'unitId':
      return c.unitName(String(value));
    case 'replyDueAt':
    case 'dueAt':
      return fmtTime(String(value));
    case 'clock':
      return t.staff.clocks[String(value)] ?? String(value);
    case 'kind':
      return t.staff.supervision.kinds[String(value)] ?? String(value);
    case 'status':
      return type === 'case.ledger_reviewed' ? t.ledger.reviewStatus[String(value)] ?? String(value) : String(value);
    case 'stage':
      return d.spotStages[String(value)] ?? String(value);
    case 'verdict':
      return t.spotChecks.round.verdicts[String(value)] ?? String(value);
    case 'cases':
      return (value as { caseId: string; number: string }[]).map((x) => (
        <Link key={x.caseId} to={`/staff/cases/${x.caseId}`} style={{ marginInlineEnd: 8 }}>
          {x.number}
        </Link>
      ));
    case 'assistUnitIds':
      return (value as string[]).map(c.unitName).join('、');
    case 'legalChannel':
      return t.staff.legalChannels[String(value)] ?? String(value);
    case 'opinion':
      return t.common.opinions[String(value)] ?? String(value);
    case 'method':
      return (type === 'case.return_visited' ? t.staff.visitMethods : t.staff.contactMethods)[String(value)] ?? String(value);
    case 'outcome':
      return t.staff.mediationOutcomes[String(value)] ?? String(value);
    case 'reached':
    case 'contacted':
    case 'solved':
    case 'satisfied':
      return yesNo(value);
    case 'channel':
      return c.meta?.channels[String(value)] ?? String(value);
    case 'nature':
      return c.meta?.natures[String(value)] ?? String(value);
    case 'flags':
      return (value as string[]).map((f) => c.meta?.flags[f] ?? f).join('、');
    case 'categoryCode':
      return c.categoryName(String(value));
    case 'receivedAt':
      return fmtTime(String(value));
    case 'size':
      return typeof value === 'number' ? fmtSize(value) : String(value);
    case 'attendees':
      return (value as string[]).join('、');
    case 'fields':
      return null; // the reveal always covers name, phone, ID number and address
    case 'due':
      return Object.entries(value as Record<string, string>)
        .map(([clock, at]) => d.dueAt(t.staff.clocks[clock] ?? clock, fmtTime(at)))
        .join('；');
    case 'createdCaseIds':
      return (value as string[]).map((id, i) => (
        <Link key={id} to={`/staff/cases/${id}`} style={{ marginInlineEnd: 8 }}>
          {t.staff.case.openCase} {i + 1}
        </Link>
      ));
    case 'intoCaseId':
      return <Link to={`/staff/cases/${String(value)}`}>{t.staff.case.openCase}</Link>;
    case 'parts':
      return (value as { title: string }[]).map((p) => p.title).join('；');
    default:
      if (typeof value === 'boolean') return yesNo(value);
      if (typeof value === 'string' && value.length > 60)
        return (
          <Typography.Paragraph ellipsis={{ rows: 2, expandable: 'collapsible', symbol: (open) => (open ? t.staff.case.collapse : t.staff.case.expand) }} style={{ display: 'inline', margin: 0 }}>
            {value}
          </Typography.Paragraph>
        );
      if (typeof value === 'string' || typeof value === 'number') return String(value);
      return JSON.stringify(value);
  }
}

function EventData({ e, c }: { e: TimelineEvent; c: Ctx }) {
  const rows: { key: string; label: string; node: React.ReactNode }[] = [];
  const from = e.data.from as string | undefined;
  const to = e.data.to as string | undefined;
  if (from && to && from !== to) {
    rows.push({ key: 'state', label: d.stateChange, node: `${c.meta?.states[from] ?? from} → ${c.meta?.states[to] ?? to}` });
  }
  for (const [key, value] of Object.entries(e.data)) {
    if (HIDDEN.has(key)) continue;
    if (key === 'fromNumber') {
      const id = e.data.fromCaseId as string | undefined;
      rows.push({ key, label: d.fromNumber, node: id ? <Link to={`/staff/cases/${id}`}>{String(value)}</Link> : String(value) });
      continue;
    }
    const node = renderValue(e.type, key, value, c);
    if (node === null) continue;
    // `dueAt` in a reminder's data is the deadline's instant (d.dueAt formats the `due` map instead)
    const label = key === 'dueAt' ? d.deadlineAt : (d as Record<string, unknown>)[key];
    rows.push({ key, label: typeof label === 'string' ? label : key, node });
  }
  if (!rows.length) return null;
  return (
    <dl className="xf-event-data">
      {rows.map((r) => (
        <div key={r.key}>
          <dt>{r.label}</dt>
          <dd>{r.node}</dd>
        </div>
      ))}
    </dl>
  );
}

export function CaseTimeline({ detail, meta, unitName, categoryName }: { detail: CaseDetail } & Ctx) {
  const c = { meta, unitName, categoryName };
  return (
    <Timeline
      data-testid="timeline"
      items={detail.timeline.map((e) => ({
        key: e.seq,
        color: COLORS[e.type] ?? 'blue',
        content: (
          <div data-event={e.type}>
            <Typography.Text strong>{t.staff.events[e.type] ?? e.type}</Typography.Text>
            <Typography.Text type="secondary" style={{ marginInlineStart: 8, fontSize: 13 }}>
              {fmtTime(e.at)} · {e.actorRole ? t.staff.roles[e.actorRole] ?? e.actorRole : t.staff.case.actorUnknown}
            </Typography.Text>
            <EventData e={e} c={c} />
          </div>
        ),
      }))}
    />
  );
}

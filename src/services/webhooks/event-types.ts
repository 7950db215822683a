/**
 * The case events a webhook may carry: every event the lifecycle table writes (one per command),
 * plus those the services and jobs write themselves (registration, attachments, deadline reminders,
 * supervision escalation, spot checks, ledger reviews, similar-case pushes, merges received).
 * `case.personal_data_revealed` is not among them: it records which staff member looked at a
 * petitioner's data, which is the platform's own audit and no business of another system.
 */
import { TRANSITIONS } from '../../domain/lifecycle/transitions.js';

/** Events written outside the transition table, with their zh-CN labels. */
const SERVICE_EVENTS: ReadonlyArray<readonly [string, string]> = [
  ['case.registered', '登记'],
  ['case.merged_in', '并入其他案件'],
  ['case.attachment_added', '补充附件'],
  ['case.deadline_reminder', '期限临近提醒'],
  ['case.overdue', '超期'],
  ['case.supervision_escalated', '催督办逾期升级'],
  ['case.similar_pushed', '类案推送'],
  ['case.spot_checked', '抽查'],
  ['case.spot_check_verdict', '抽查结论'],
  ['case.ledger_reviewed', '台账审核'],
];

export interface WebhookEventType {
  type: string;
  label: string;
}

/** Every event type a subscription may select, registration first, then the lifecycle's order. */
export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = (() => {
  const seen = new Map<string, string>();
  seen.set(SERVICE_EVENTS[0]![0], SERVICE_EVENTS[0]![1]);
  for (const r of TRANSITIONS) if (!seen.has(r.event)) seen.set(r.event, r.labelZh);
  for (const [type, label] of SERVICE_EVENTS) if (!seen.has(type)) seen.set(type, label);
  return Object.freeze([...seen].map(([type, label]) => Object.freeze({ type, label })));
})();

const TYPES: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES.map((e) => e.type));

/** Given an event type, returns whether a webhook may carry it. */
export const isWebhookEventType = (type: string): boolean => TYPES.has(type);

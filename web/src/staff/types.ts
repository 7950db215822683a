/** The shapes the workbench reads from the server (src/services/case-queries.ts, auth, org, meta). */

export interface Me {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  unitId: string;
  scopeUnitId: string;
}

export type DueStatus = 'none' | 'ok' | 'due_soon' | 'overdue';

export interface CaseSummary {
  id: string;
  number: string;
  title: string;
  state: string;
  channel: string;
  nature: string;
  categoryCode: string | null;
  urgency: string;
  flags: string[];
  leadUnitId: string | null;
  ownerUnitId: string;
  receivedAt: string;
  nextDueAt: string | null;
  nextDueClock: string | null;
  dueStatus: DueStatus;
}

export interface CaseList {
  /** the matches, counted up to the server's cap (LIST_COUNT_CAP) */
  total: number;
  /** true when there are more than `total` */
  totalCapped?: boolean;
  items: CaseSummary[];
}

export interface UnitRef {
  id: string;
  name: string | null;
}

export interface MaskedPetitioner {
  seq: number;
  name: string | null;
  phone: string | null;
  idNumber: string | null;
  address: string | null;
  representative: boolean;
}

export interface ClockView {
  startedAt: string;
  dueAt: string;
  stoppedAt: string | null;
  paused: boolean;
  extensionDays: number;
}

export interface TimelineEvent {
  seq: number;
  type: string;
  at: string;
  actorId: string | null;
  actorRole: string | null;
  data: Record<string, unknown>;
}

export interface CaseDetail extends CaseSummary {
  type12345: string | null;
  content: string;
  confidential: boolean;
  ruleSetId: string;
  ownerUnit: UnitRef;
  gridUnit: UnitRef | null;
  leadUnit: UnitRef | null;
  assistUnits: UnitRef[];
  ownerLeaderId: string | null;
  ownerLeader: { id: string; name: string | null } | null;
  supervisions: Supervision[];
  location: { address: string | null; lat: number | null; lng: number | null };
  petitionerCount: number;
  petitioners: MaskedPetitioner[];
  deadlines: Record<string, ClockView>;
  hearing: boolean;
  extension: 'none' | 'requested' | 'approved' | 'rejected';
  lastVisit: { contacted: boolean; solved: boolean; satisfied: boolean } | null;
  reply: { opinion: string | null; text: string; at: string | null } | null;
  mergedIntoId: string | null;
  parentCaseId: string | null;
  /** answers to the category's questions, in words */
  answers?: { code: string; label: string; value: string }[];
  intelligence?: CaseIntelligence;
  timeline: TimelineEvent[];
  abilities: string[];
}

/** A category or unit suggested by the routing model, with its confidence (0–1). */
export interface Suggested {
  confidence: number | null;
}

/** What intake worked out about the case (src/services/intake-intelligence.ts caseIntelligence). */
export interface CaseIntelligence {
  routing: {
    category: ({ code: string; name: string } & Suggested) | null;
    unit: ({ id: string; name: string; basis: 'model' | 'history' | null } & Suggested) | null;
  } | null;
  keywords: string[];
  /** the same person's earlier case about the same matter (重复信访) */
  repeatOf: (RelatedCase & { mergeable: boolean }) | null;
  matter: { id: string; cases: RelatedCase[]; more: boolean } | null;
}

export interface RelatedCase {
  id: string;
  number: string;
  title: string;
  state: string;
  receivedAt: string;
}

/** The routing suggestion while typing (src/services/routing.ts RoutingSuggestionView). */
export interface RoutingSuggestion {
  category: { code: string; name: string; confidence: number } | null;
  categoryLabel: string;
  unit: { id: string; name: string; confidence: number; basis: 'model' | 'history' } | null;
  alternatives: Array<{ code: string; name: string; confidence: number }>;
  model: { id: string | null; source: 'bundled' | 'trained' };
}

/** 催办 / 督办 / 挂牌督办 on a case, with the lead unit's answer or the escalation. */
export interface Supervision {
  id: string;
  kind: 'chase' | 'supervise' | 'listed';
  targetUnit: UnitRef;
  reason: string;
  replyDueAt: string;
  createdAt: string;
  repliedAt: string | null;
  replyText: string | null;
  escalatedAt: string | null;
  escalatedToUnit: UnitRef | null;
  overdue: boolean;
}

export interface Revealed {
  address: string | null;
  petitioners: MaskedPetitioner[];
}

export interface Attachment {
  id: string;
  filename: string;
  mime: string;
  size: number;
  createdAt: string;
}

export interface Unit {
  id: string;
  parentId: string | null;
  kind: string;
  level: string | null;
  name: string;
  code: string;
  path: string;
  depth: number;
}

export interface CategoryNode {
  code: string;
  name: string;
  level: number;
  children: CategoryNode[];
}

export interface Grid {
  id: string;
  kind: string;
  name: string;
  code: string;
  gridName: string | null;
  communityName: string | null;
  streetName: string | null;
}

export interface Meta {
  channels: Record<string, string>;
  natures: Record<string, string>;
  types12345: Record<string, string>;
  urgencies: Record<string, string>;
  flags: Record<string, string>;
  states: Record<string, string>;
  transitions: { command: string; from: string[]; to: string; roles: string[]; label: string }[];
}

export type QueueCounts = Record<string, number>;

/** What the 预警 pages read and send (src/http/routes/warning-routes.ts, src/services/warnings/*). */
import { api, qs } from './client';

export type WarningState = 'raised' | 'dispatched' | 'fed_back' | 'assessed' | 'withdrawn';
export type WarningKind = 'cluster' | 'repeat_petitioner' | 'escalation' | 'collective' | 'extreme_statement' | 'deadline_risk' | 'external';
export type WarningLevel = 'urgent' | 'high' | 'normal';
export type WarningCommandType = 'dispatch' | 'feed_back' | 'assess' | 'withdraw' | 'note';

export const WARNING_STATES: readonly WarningState[] = ['raised', 'dispatched', 'fed_back', 'assessed', 'withdrawn'];
export const WARNING_KINDS: readonly WarningKind[] = ['extreme_statement', 'collective', 'cluster', 'escalation', 'repeat_petitioner', 'deadline_risk', 'external'];
export const WARNING_LEVELS: readonly WarningLevel[] = ['urgent', 'high', 'normal'];

export interface WarningSummary {
  id: string;
  number: string;
  kind: WarningKind;
  level: WarningLevel;
  state: WarningState;
  title: string;
  raisedAt: string;
  updatedAt: string;
  dueAt: string | null;
  closedAt: string | null;
  caseCount: number;
  assignee: { id: string; name: string } | null;
  dispatchedUnit: { id: string; name: string } | null;
  units: Array<{ id: string; name: string }>;
}

export interface WarningEvent {
  seq: number;
  type: string;
  at: string;
  actor: { id: string; name: string } | null;
  data: Record<string, unknown>;
}

export interface WarningDetail extends WarningSummary {
  detail: string;
  facts: Record<string, unknown>;
  cases: Array<{ id: string; number: string; title: string; state: string }>;
  hiddenCaseCount: number;
  events: WarningEvent[];
  allowed: WarningCommandType[];
}

export interface WarningList {
  items: WarningSummary[];
  total: number;
  page: number;
  pageSize: number;
}

export interface WarningFilter {
  state?: WarningState;
  kind?: WarningKind;
  level?: WarningLevel;
  open?: boolean;
  page?: number;
  pageSize?: number;
}

export type WarningCommand =
  | { type: 'dispatch'; unitId: string; assigneeId: string; dueAt: string; instructions?: string }
  | { type: 'feed_back'; text: string }
  | { type: 'assess'; outcome: 'accept' | 'return'; text: string }
  | { type: 'withdraw'; reason: string }
  | { type: 'note'; text: string };

export interface AssigneeCandidate {
  id: string;
  displayName: string;
  roles: string[];
  unitId: string;
  unitName: string;
}

export const warningApi = {
  list: (f: WarningFilter) => api.get<WarningList>(`/api/warnings${qs({ ...f, open: f.open === undefined ? undefined : String(f.open) })}`),
  get: (id: string) => api.get<WarningDetail>(`/api/warnings/${encodeURIComponent(id)}`),
  command: (id: string, c: WarningCommand) => api.post<WarningDetail>(`/api/warnings/${encodeURIComponent(id)}/commands`, c),
  assignees: async (unitId: string, warningId?: string) => (await api.get<{ items: AssigneeCandidate[] }>(`/api/warnings/assignees${qs({ unitId, warningId })}`)).items,
};

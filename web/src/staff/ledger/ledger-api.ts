/** What the 百案攻坚 ledger page reads and sends (src/http/routes/ledger-routes.ts, src/services/ledger.ts). */
import { api, qs } from '../../api/client';

export type ReviewStatus = 'on_track' | 'delayed' | 'closed_out';
export const REVIEW_STATUSES: readonly ReviewStatus[] = ['on_track', 'delayed', 'closed_out'];

export interface LedgerReview {
  status: ReviewStatus;
  statusLabel: string;
  progress: string;
  reviewedAt: string;
  reviewedBy: string;
  reviewerName: string | null;
}

export interface LedgerRow {
  caseId: string;
  number: string;
  title: string;
  categoryCode: string | null;
  categoryName: string | null;
  leadUnitId: string | null;
  leadUnitName: string | null;
  ownerLeaderId: string | null;
  ownerLeaderName: string | null;
  kinds: Array<'owned' | 'backlog'>;
  receivedAt: string;
  dueDate: string | null;
  state: string;
  stateLabel: string;
  overdueDays: number;
  ownedSince: string | null;
  backlogSince: string | null;
  newAssignment: boolean;
  closedOut: boolean;
  closedOutAt: string | null;
  review: LedgerReview | null;
}

export interface LedgerSupervision {
  id: string;
  caseId: string;
  number: string;
  title: string;
  kind: string;
  kindLabel: string;
  targetUnitName: string | null;
  reason: string;
  createdAt: string;
  replyDueAt: string;
  repliedAt: string | null;
  replyText: string | null;
  escalatedAt: string | null;
}

export interface LedgerSummary {
  total: number;
  owned: number;
  backlog: number;
  newAssignments: number;
  closedOut: number;
  stillOpen: number;
  overdue: number;
  reviewed: number;
  onTrack: number;
  delayed: number;
}

export interface Ledger {
  month: string;
  firstDate: string;
  lastDate: string;
  scopeUnitId: string;
  scopeName: string;
  generatedAt: string;
  partial: boolean;
  rows: LedgerRow[];
  summary: LedgerSummary;
  supervisions: LedgerSupervision[];
}

export interface ReviewInput {
  month: string;
  caseId: string;
  status: ReviewStatus;
  progress: string;
}

export interface SavedReview {
  month: string;
  caseId: string;
  number: string;
  status: ReviewStatus;
  statusLabel: string;
  progress: string;
  reviewedAt: string;
  reviewedBy: string;
}

export interface LedgerQuery {
  month?: string;
  leaderId?: string;
}

export const ledgerApi = {
  get: (q: LedgerQuery) => api.get<Ledger>(`/api/ledger${qs({ month: q.month, leaderId: q.leaderId })}`),
  review: (body: ReviewInput) => api.post<SavedReview>('/api/ledger/reviews', body),
};

/** Given the month and leader shown, returns the Excel workbook's address (a plain link: the browser sends the session cookie and saves the file). */
export const ledgerXlsxUrl = (q: LedgerQuery) => `/api/ledger/export.xlsx${qs({ month: q.month, leaderId: q.leaderId })}`;
/** Given the month and leader shown, returns the Word supervision report's address. */
export const ledgerDocxUrl = (q: LedgerQuery) => `/api/ledger/report.docx${qs({ month: q.month, leaderId: q.leaderId })}`;

/** What the 热点与每月一题 page reads and sends (src/http/routes/hot-issue-routes.ts, src/services/hot-issues.ts). */
import { api, qs } from './client';

/** Roles that read hot issues and the month's topics (GET /api/hot-issues, GET /api/monthly-topics). */
export const HOT_ISSUE_ROLES = ['leader', 'supervisor', 'unit_head', 'dispatcher'];
/** Roles that choose and remove a month's topic (POST and DELETE /api/monthly-topics). */
export const TOPIC_CHOOSER_ROLES = ['leader', 'supervisor'];

export type HotIssueDays = 7 | 30 | 90;
export const HOT_ISSUE_DAYS: readonly HotIssueDays[] = [7, 30, 90];
export type HotIssueLevel = 'community' | 'street';

export interface HotIssue {
  key: string;
  title: string;
  keywords: string[];
  category: { code: string; name: string } | null;
  volume: number;
  previous: number;
  /** (volume − previous) / max(previous, 1) */
  growth: number;
  score: number;
  /** unitId null: received above the community/street level */
  places: Array<{ unitId: string | null; name: string | null; count: number }>;
  samples: Array<{ id: string; number: string; title: string; receivedAt: string }>;
}

export interface HotIssues {
  days: HotIssueDays;
  level: HotIssueLevel;
  window: { from: string; to: string };
  previousWindow: { from: string; to: string };
  casesRead: { current: number; previous: number };
  capped: boolean;
  cap: number;
  formula: string;
  groups: HotIssue[];
}

export interface MonthlyTopic {
  id: string;
  month: string;
  title: string;
  keywords: string[];
  caseCount: number;
  cases: Array<{ id: string; number: string; title: string }>;
  places: Array<{ unitId: string; name: string }>;
  note: string | null;
  chosenBy: { id: string; name: string | null };
  chosenAt: string;
}

export interface ChooseTopic {
  key: string;
  days: HotIssueDays;
  level: HotIssueLevel;
  month?: string;
  title?: string;
  note?: string;
}

export const hotIssuesApi = {
  list: (q: { days: HotIssueDays; level: HotIssueLevel }) => api.get<HotIssues>(`/api/hot-issues${qs(q)}`),
  topics: (month?: string) => api.get<{ items: MonthlyTopic[] }>(`/api/monthly-topics${qs({ month })}`).then((r) => r.items),
  choose: (body: ChooseTopic) => api.post<MonthlyTopic>('/api/monthly-topics', body),
  remove: (id: string) => api.delete<{ removed: true }>(`/api/monthly-topics/${encodeURIComponent(id)}`),
};

/** What the 抽查 page reads and sends (src/http/routes/spot-check-routes.ts, src/services/spot-checks.ts). */
import { api } from '../../api/client';

export interface SpotCheckSettings {
  /** 0 < rate ≤ 1 */
  rate: number;
  pointsPerSloppy: number;
}

export type VisitMethod = 'phone' | 'visit' | 'sms' | 'online';
export const VISIT_METHODS: readonly VisitMethod[] = ['phone', 'visit', 'sms', 'online'];

export interface SpotCheckVisit {
  contacted: boolean;
  solved: boolean;
  satisfied: boolean;
  method: VisitMethod;
  note?: string | null;
}

export interface SpotCheck {
  id: string;
  caseId: string;
  number: string;
  title: string;
  round: string;
  unitId: string;
  unitName: string | null;
  closedAt: string | null;
  sampledAt: string;
  verdict: 'pending' | 'ok' | 'sloppy';
  visit: (SpotCheckVisit & { at: string; by: string }) | null;
  note: string | null;
  checkedAt: string | null;
  deductedPoints: number | null;
}

export interface RoundSummary {
  round: string;
  total: number;
  pending: number;
  ok: number;
  sloppy: number;
  visited: number;
  deductedPoints: number;
}

export interface RoundDraw {
  at: string;
  by: string;
  scopeUnitId: string;
  seed: number;
  rate: number;
  closed: number;
  populationSha256: string;
  added: number;
}

export interface RoundDetail {
  round: string;
  draws: RoundDraw[];
  checks: SpotCheck[];
}

export interface DrawResult {
  round: string;
  seed: number;
  rate: number;
  closed: number;
  added: number;
  units: Array<{ unitId: string; unitName: string | null; closed: number; target: number; sampled: number }>;
  checks: SpotCheck[];
}

export const spotCheckApi = {
  settings: () => api.get<SpotCheckSettings>('/api/spot-checks/settings'),
  updateSettings: (patch: Partial<SpotCheckSettings>) => api.patch<SpotCheckSettings>('/api/spot-checks/settings', patch),
  rounds: () => api.get<{ items: RoundSummary[] }>('/api/spot-checks/rounds').then((r) => r.items),
  round: (month: string) => api.get<RoundDetail>(`/api/spot-checks/rounds/${encodeURIComponent(month)}`),
  draw: (body: { month: string; seed?: number }) => api.post<DrawResult>('/api/spot-checks/rounds', body),
  visit: (id: string, body: SpotCheckVisit) => api.post<SpotCheck>(`/api/spot-checks/${id}/visit`, body),
  verdict: (id: string, body: { verdict: 'ok' | 'sloppy'; reason?: string }) => api.post<SpotCheck>(`/api/spot-checks/${id}/verdict`, body),
};

/** Given a rate (0–1), returns it as a percentage for people ("5%", "2.5%"). */
export const percent = (rate: number) => `${Number((rate * 100).toFixed(2))}%`;

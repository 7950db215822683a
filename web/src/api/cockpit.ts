/**
 * What the leader cockpit (驾驶舱) reads and sends (src/http/routes/cockpit-routes.ts; the shapes are
 * those of src/domain/cockpit/types.ts, copied here as the web app does not import server code).
 */
import { api, qs } from './client';
import type { CaseList } from '../staff/types';

/** Roles that read the cockpit, its map and the assessment (GET /api/cockpit…). */
export const COCKPIT_ROLES = ['leader', 'supervisor', 'unit_head'];

export const RATE_KEYS = [
  'timely_acceptance',
  'on_time_closure',
  'response',
  'resolution',
  'satisfaction',
  'participation',
  'repeat',
  'first_time_resolution',
  'backlog_resolution',
] as const;
export type RateKey = (typeof RATE_KEYS)[number];

export interface Rate {
  key: RateKey;
  /** zh-CN name, e.g. 及时受理率 */
  label: string;
  numerator: number;
  denominator: number;
  /** numerator / denominator in [0, 1]; null when the denominator is 0 */
  value: number | null;
  /** zh-CN definition: what is counted above and below the line, and on which date */
  definition: string;
  /** true for a rate where lower is better (重复信访率) */
  lowerIsBetter: boolean;
}

export const TIERS = ['grid', 'community', 'street', 'district', 'city'] as const;
export type Tier = (typeof TIERS)[number];

export interface UnitRef {
  id: string;
  name: string;
  kind: string;
}

export interface CockpitFigures {
  unit: UnitRef;
  /** China dates, inclusive */
  from: string;
  to: string;
  generatedAt: string;
  /** cases received per day and channel; counts[i] belongs to days[i] */
  volume: { days: string[]; total: number; byChannel: { channel: string; label: string; counts: number[]; total: number }[] };
  rates: Rate[];
  /** settled cases in the period by the tier of the unit that settled them */
  tiers: { tier: Tier; label: string; count: number; share: number | null }[];
  categories: { code: string; name: string; count: number }[];
  hotWords: { word: string; count: number }[];
  warnings: { open: number; byLevel: { level: string; count: number }[]; latest: { id: string; number: string; title: string; level: string; kind: string; raisedAt: string }[] };
  open: number;
  overdue: number;
  overdueByUnit: { unit: UnitRef; count: number }[];
  supervision: { dispatched: number; chased: number; supervised: number };
  /** queued changes not yet folded into these figures (0 normally; they catch up within seconds) */
  pending: number;
}

/** The index weights (一图一指数): each component's share (normalised by the server). */
export interface IndexWeights {
  volume: number;
  overdue: number;
  dissatisfaction: number;
  warnings: number;
}

export interface MapArea {
  unit: UnitRef;
  /** 0–100, higher needs more attention */
  index: number;
  volume: number;
  overdue: number;
  /** satisfied / rated in the period; null when none rated */
  satisfaction: number | null;
  warnings: number;
  /** each component's part of the index, after weighting (they add up to index) */
  parts: { volume: number; overdue: number; dissatisfaction: number; warnings: number };
  hasChildren: boolean;
}

export interface CockpitMap {
  unit: UnitRef;
  /** the way down from the reader's scope to this unit, for the breadcrumb */
  trail: UnitRef[];
  from: string;
  to: string;
  weights: IndexWeights;
  /** the formula in words (zh-CN) */
  explanation: string;
  areas: MapArea[];
  /** children outlines: features carry properties.id / properties.name */
  geojson: { type: 'FeatureCollection'; features: unknown[] };
}

export type AssessmentWeights = Record<RateKey, number>;
export type AssessmentKind = 'department' | 'street' | 'community';
export const ASSESSMENT_KINDS: readonly AssessmentKind[] = ['department', 'street', 'community'];

export interface AssessmentRow {
  rank: number;
  unit: UnitRef;
  /** the score before deductions, 0–100 */
  base: number;
  deductions: number;
  score: number;
  rates: Record<RateKey, { numerator: number; denominator: number; value: number | null }>;
  received: number;
  settled: number;
}

export interface Assessment {
  month: string;
  scope: UnitRef;
  kind: AssessmentKind;
  weights: AssessmentWeights;
  explanation: string;
  rows: AssessmentRow[];
  generatedAt: string;
}

export interface CockpitWeights {
  index: IndexWeights;
  assessment: AssessmentWeights;
}

/** The period and scope of the cockpit; empty fields take the server's defaults. */
export interface CockpitQuery {
  unitId?: string;
  /** YYYY-MM-DD, China date */
  from?: string;
  to?: string;
}

/** Given a month and kind, returns the assessment workbook's address (a plain link: the session cookie goes along). */
export const assessmentXlsxUrl = (q: { month: string; kind: AssessmentKind }) => `/api/cockpit/assessment.xlsx${qs(q)}`;
/** Given a year (and a unit, else the reader's scope), returns the Art. 41 annual report's address. */
export const annualReportDocxUrl = (q: { year: number; unitId?: string }) => `/api/cockpit/annual-report.docx${qs(q)}`;

export const cockpitApi = {
  figures: (q: CockpitQuery) => api.get<CockpitFigures>(`/api/cockpit${qs({ ...q })}`),
  map: (q: CockpitQuery) => api.get<CockpitMap>(`/api/cockpit/map${qs({ ...q })}`),
  assessment: (q: { month: string; kind: AssessmentKind }) => api.get<Assessment>(`/api/cockpit/assessment${qs(q)}`),
  weights: () => api.get<CockpitWeights>('/api/cockpit/weights'),
  /** Sets the weights (admins; each 0–1000, not all 0); answers the weights now in force. */
  setWeights: (w: Partial<CockpitWeights>) => api.put<CockpitWeights>('/api/cockpit/weights', w),
  /** A grid's cases (the existing case list, by lead or owning unit). */
  unitCases: (unitId: string) => api.get<CaseList>(`/api/cases${qs({ within: unitId, limit: 50 })}`),
};

/**
 * The cockpit's shapes (驾驶舱, DOMAIN.md §5 and §8): what the API answers and what the exports take.
 * Pure types; services/cockpit*.ts fill them from the rollups, web/src/staff/cockpit draws them.
 */

/** The rates of DOMAIN.md §5, each a numerator over a denominator (value null when nothing to rate). */
export const RATE_KEYS = [
  'timely_acceptance', // 及时受理率
  'on_time_closure', // 按期办结率
  'response', // 响应率
  'resolution', // 解决率
  'satisfaction', // 满意率
  'participation', // 参评率
  'repeat', // 重复信访率 (lower is better)
  'first_time_resolution', // 初信初访一次性化解率
  'backlog_resolution', // 积案化解率
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

/** The tiers at which cases are settled ("小事不出村社、大事不出街道"). */
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
  /** cases received per day and channel; days run from..to, counts[i] belongs to days[i] */
  volume: { days: string[]; total: number; byChannel: { channel: string; label: string; counts: number[]; total: number }[] };
  rates: Rate[];
  /** settled cases in the period by the tier of the unit that settled them */
  tiers: { tier: Tier; label: string; count: number; share: number | null }[];
  /** received in the period by first-level category, most first */
  categories: { code: string; name: string; count: number }[];
  /** the most frequent keywords of cases received in the period's last 30 days (at most 30) */
  hotWords: { word: string; count: number }[];
  /** warnings of the scope not yet closed */
  warnings: { open: number; byLevel: { level: string; count: number }[]; latest: { id: string; number: string; title: string; level: string; kind: string; raisedAt: string }[] };
  /** open cases now, and those overdue now by the unit answerable (most first) */
  open: number;
  overdue: number;
  overdueByUnit: { unit: UnitRef; count: number }[];
  /** 交办/转送, 催办, 督办 counted in the period (cases dispatched; chase and supervision events) */
  supervision: { dispatched: number; chased: number; supervised: number };
}

/** The index weights (一图一指数): each component's share; they need not sum to 1 (normalised). */
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
  /** children outlines: a GeoJSON FeatureCollection whose features carry properties.id / properties.name */
  geojson: { type: 'FeatureCollection'; features: unknown[] };
}

/** Assessment (考核) weights: each rate's share of the score (normalised over rates that have data). */
export type AssessmentWeights = Record<RateKey, number>;

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
  kind: 'department' | 'street' | 'community';
  weights: AssessmentWeights;
  explanation: string;
  rows: AssessmentRow[];
  generatedAt: string;
}

/** 《信访工作条例》第四十一条: the annual report's figures for one scope and year. */
export interface AnnualReport {
  year: number;
  scope: UnitRef;
  generatedAt: string;
  received: number;
  byChannel: { label: string; count: number }[];
  byCategory: { name: string; count: number }[];
  /** the units most complained about (accusations naming them) and most petitioned (lead units) */
  mostAccused: { unit: UnitRef; count: number }[];
  mostPetitioned: { unit: UnitRef; count: number }[];
  supervision: { dispatched: number; chased: number; supervised: number };
  rates: Rate[];
  tiers: CockpitFigures['tiers'];
  byMonth: { month: string; received: number; settled: number }[];
  /** suggestions drawn from the figures (rates below target, rising categories), zh-CN sentences */
  suggestions: string[];
}

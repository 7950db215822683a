/**
 * The thresholds of the warning rules (DOMAIN.md §6), as documented defaults a deployment overrides in
 * the settings table under `warning_rules` (a partial object; unknown keys and bad values are ignored).
 */
import type { Queryable } from '../../store/database.js';
import { readSetting } from '../settings.js';

export const WARNING_RULES_SETTING = 'warning_rules';

export interface WarningRules {
  /** 聚集: this many cases (this one included) about one matter in one grid or community … */
  clusterMinCases: number;
  /** … received within this many days */
  clusterWindowDays: number;
  /** cases without a matter link count as the same matter when they share this many keywords */
  clusterMinSharedKeywords: number;
  /** 重复信访: this many cases of one person (this one included) … */
  repeatMinCases: number;
  /** … within this many days */
  repeatWindowDays: number;
  /** 超期风险: a unit with this many open cases overdue or due within `deadlineRiskWorkingDays` … */
  deadlineRiskMinCases: number;
  deadlineRiskWorkingDays: number;
  /** … or whose overdue count grew by this many since the week before */
  overdueGrowthMin: number;
}

export const DEFAULT_WARNING_RULES: WarningRules = {
  clusterMinCases: 5,
  clusterWindowDays: 7,
  clusterMinSharedKeywords: 3,
  repeatMinCases: 3,
  repeatWindowDays: 90,
  deadlineRiskMinCases: 5,
  deadlineRiskWorkingDays: 2,
  overdueGrowthMin: 3,
};

/**
 * The largest value each rule accepts. The cluster window is read on every registration (cases of a
 * place within it, on cases_grid_received_idx): 90 days keeps that look-up bounded.
 */
export const WARNING_RULE_MAX: Readonly<Record<keyof WarningRules, number>> = {
  clusterMinCases: 10_000,
  clusterWindowDays: 90,
  clusterMinSharedKeywords: 10_000,
  repeatMinCases: 10_000,
  repeatWindowDays: 10_000,
  deadlineRiskMinCases: 10_000,
  deadlineRiskWorkingDays: 10_000,
  overdueGrowthMin: 10_000,
};

/** Returns the rules in force: stored positive integers up to WARNING_RULE_MAX over the defaults (a larger one is capped). */
export async function readWarningRules(q: Queryable): Promise<WarningRules> {
  const stored = (await readSetting<Record<string, unknown>>(q, WARNING_RULES_SETTING)) ?? {};
  const out = { ...DEFAULT_WARNING_RULES };
  for (const key of Object.keys(out) as Array<keyof WarningRules>) {
    const v = stored[key];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 10_000) out[key] = Math.min(v, WARNING_RULE_MAX[key]);
  }
  return out;
}

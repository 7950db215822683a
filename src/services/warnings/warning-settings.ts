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

/** Returns the rules in force: stored positive integers over the defaults. */
export async function readWarningRules(q: Queryable): Promise<WarningRules> {
  const stored = (await readSetting<Record<string, unknown>>(q, WARNING_RULES_SETTING)) ?? {};
  const out = { ...DEFAULT_WARNING_RULES };
  for (const key of Object.keys(out) as Array<keyof WarningRules>) {
    const v = stored[key];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 10_000) out[key] = v;
  }
  return out;
}

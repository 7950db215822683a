/**
 * Test-only: the shipped statute files as parsed values, imported (not read) so domain tests stay free of I/O.
 */
import cn2024 from '../../../statute/calendars/cn-2024.json' with { type: 'json' };
import cn2025 from '../../../statute/calendars/cn-2025.json' with { type: 'json' };
import cn2026 from '../../../statute/calendars/cn-2026.json' with { type: 'json' };
import beijing12345 from '../../../statute/rules/beijing12345.json' with { type: 'json' };
import reg2022 from '../../../statute/rules/reg2022.json' with { type: 'json' };
import zhejiang2016 from '../../../statute/rules/zhejiang2016.json' with { type: 'json' };
import { buildCalendar } from './calendar.js';
import { CalendarFileSchema, RuleSetSchema } from './types.js';

export const RAW_CALENDARS = { 2024: cn2024, 2025: cn2025, 2026: cn2026 } as const;
export const RAW_RULE_SETS = { reg2022, zhejiang2016, beijing12345 } as const;

export const calendarFiles = Object.values(RAW_CALENDARS).map((f) => CalendarFileSchema.parse(f));
export const calendar = buildCalendar(calendarFiles);
export const rules = {
  reg2022: RuleSetSchema.parse(reg2022),
  zhejiang2016: RuleSetSchema.parse(zhejiang2016),
  beijing12345: RuleSetSchema.parse(beijing12345),
};

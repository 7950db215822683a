/**
 * `xinfang deadline`: answers "when is this step due?" from the statute files, for staff checking a case by
 * hand and for auditors checking the engine. A thin shell over computeDue; bad input gets a zh-CN message on
 * stderr and exit code 2 (usage error), never a stack trace.
 */
import { Command } from 'commander';
import { AppError } from '../domain/errors.js';
import { computeDue } from '../domain/deadlines/compute-due.js';
import { atChinaTime, formatChinaDateTime, isValidChinaDate, toChinaDate, weekdayOf, DAY_MS } from '../domain/deadlines/china-date.js';
import { resolveRuleSet, resolveStep } from '../domain/deadlines/resolve-step.js';
import type { RuleSet, Statute, StepRule } from '../domain/deadlines/types.js';
import { loadStatute } from '../statute/load-statute.js';

const USAGE_EXIT_CODE = 2;
// A petition received on a given day is treated as received during office hours that day.
const RECEIPT_HOUR = 9;
const WEEKDAYS = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];
const UNIT_TEXT: Record<StepRule['unit'], string> = { calendar_days: '日', working_days: '个工作日', hours: '小时' };

interface DeadlineOptions {
  rules?: string;
  step?: string;
  from?: string;
  pausedDays?: string;
  extensionDays?: string;
  json?: boolean;
}

/** Given a commander program (and optionally an already loaded statute), returns the registered `deadline` command. */
export function registerDeadlineCommand(program: Command, statute: Statute = loadStatute()): Command {
  const cmd = program
    .command('deadline')
    .description('按规则集计算某一办理步骤的期限届满日（《民法典》第二百零一条、第二百零三条计算规则）')
    .option('--rules <set>', '规则集', statute.defaultRuleSetId)
    .option('--step <step>', '步骤（必填），见下方列表')
    .option('--from <YYYY-MM-DD>', '起算事件发生的日期（必填），按当日9:00（北京时间）收到计')
    .option('--paused-days <n>', '听证暂停的天数（仅可暂停的步骤）')
    .option('--extension-days <n>', '经批准延长的天数')
    .option('--json', '以 JSON 输出')
    // Unknown flags and stray words reach the action, so they get the same zh-CN message and exit code 2.
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', () => `\n${describeRuleSets(statute)}`)
    .action((opts: DeadlineOptions, self: Command) => {
      try {
        if (self.args.length > 0) throw new UsageError(`无法识别的参数：${self.args.join(' ')}（用 --help 查看用法）`);
        self.configureOutput().writeOut?.(runDeadline(statute, opts));
      } catch (err) {
        if (err instanceof UsageError) self.error(`错误：${err.message}`, { exitCode: USAGE_EXIT_CODE, code: 'xinfang.deadline.usage' });
        if (err instanceof AppError) {
          self.error(`错误：${describeAppError(err)}`, { exitCode: USAGE_EXIT_CODE, code: `xinfang.deadline.${err.code}` });
        }
        throw err;
      }
    });
  return cmd;
}

class UsageError extends Error {}

function runDeadline(statute: Statute, opts: DeadlineOptions): string {
  const ruleSet = resolveRuleSet(statute.ruleSets, opts.rules ?? statute.defaultRuleSetId);
  if (opts.step === undefined) throw new UsageError(`缺少 --step。可用步骤：${Object.keys(ruleSet.steps).join('、')}`);
  const rule = resolveStep(ruleSet, opts.step);
  if (opts.from === undefined) throw new UsageError('缺少 --from（起算日期，格式 YYYY-MM-DD）');
  if (!isValidChinaDate(opts.from)) throw new UsageError(`日期「${opts.from}」无效，应为 YYYY-MM-DD 格式的真实日期，例如 2026-02-15`);
  const pausedDays = parseNumber(opts.pausedDays, '--paused-days', false);
  const extensionDays = parseNumber(opts.extensionDays, '--extension-days', true);

  const start = atChinaTime(opts.from, RECEIPT_HOUR);
  const due = computeDue({ rule, start, calendar: statute.calendar, pausedMs: pausedDays * DAY_MS, extensionDays });
  const dueDate = toChinaDate(due.dueAt);

  if (opts.json) {
    const out = {
      ruleSet: ruleSet.id,
      step: opts.step,
      label: rule.label,
      article: rule.article,
      unit: rule.unit,
      limit: rule.limit,
      from: opts.from,
      startAt: start.toISOString(),
      pausedDays,
      extensionDays,
      dueDate,
      dueAt: due.dueAt.toISOString(),
      provisional: due.provisional,
      rolledFrom: due.rolledFrom,
    };
    return `${JSON.stringify(out, null, 2)}\n`;
  }

  const headline = rule.unit === 'hours' ? formatChinaDateTime(due.dueAt) : dueDate;
  const parts = [`${rule.article}「${rule.label}」：${rule.limit}${UNIT_TEXT[rule.unit]}`];
  if (extensionDays > 0) parts.push(`另经批准延长${extensionDays}${rule.unit === 'working_days' ? '个工作日' : '日'}`);
  // computeDue rounds a started hearing day up to a whole day; say so when the input was fractional.
  const pausedWhole = Math.ceil(pausedDays);
  if (pausedDays > 0) parts.push(`听证${pausedDays}日${pausedWhole === pausedDays ? '' : `（按${pausedWhole}日）`}不计入`);
  if (rule.unit === 'hours') {
    parts.push(`自${formatChinaDateTime(start)}起算，至${formatChinaDateTime(due.dueAt)}（北京时间）届满`);
  } else {
    parts.push(`自${opts.from}次日起算`);
    if (due.rolledFrom) parts.push(`末日${due.rolledFrom}为法定休假日，依《民法典》第二百零三条顺延`);
    parts.push(`至${dueDate}（${WEEKDAYS[weekdayOf(dueDate)]}）24时届满`);
  }
  let text = `${headline}\n${parts.join('，')}。\n`;
  if (due.provisional) {
    const loaded = [...statute.calendar.years].sort().join('、');
    text += `注意：所涉年份的国务院节假日安排尚未载入（已载入：${loaded}），仅按周末计算，结果为暂定。\n`;
  }
  return text;
}

function parseNumber(raw: string | undefined, flag: string, integer: boolean): number {
  if (raw === undefined) return 0;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} 应为非负${integer ? '整数' : '数'}，收到「${raw}」`);
  }
  return value;
}

function describeAppError(err: AppError): string {
  const d = err.details;
  const list = (v: unknown) => (Array.isArray(v) ? v.join('、') : '');
  switch (err.code) {
    case 'DEADLINE_UNKNOWN_RULES':
      return `未知的规则集「${String(d.ruleSetId)}」。可用规则集：${list(d.known)}`;
    case 'DEADLINE_UNKNOWN_STEP':
      return `规则集「${String(d.ruleSetId)}」中没有步骤「${String(d.step)}」。可用步骤：${list(d.known)}`;
    case 'DEADLINE_EXTENSION_TOO_LONG':
      return d.maxDays === 0 ? '该步骤不允许延长期限' : `延长天数超过上限：最多 ${String(d.maxDays)} 日，收到 ${String(d.requested)} 日`;
    case 'VALIDATION_FAILED':
      if (d.reason === 'step_not_pausable') return '该步骤听证期间不停止计时，不能使用 --paused-days';
      return `输入无效（${JSON.stringify(d)}）`;
    default:
      return err.code;
  }
}

/** Given the loaded statute, returns the zh-CN help listing every rule set with its steps and limits. */
export function describeRuleSets(statute: Statute): string {
  const lines = ['可用规则集及步骤（来自 statute/rules）：'];
  const sets = [...statute.ruleSets.values()].sort((a, b) => a.id.localeCompare(b.id));
  for (const rs of sets) lines.push(...describeRuleSet(rs, rs.id === statute.defaultRuleSetId));
  const years = [...statute.calendar.years].sort().join('、');
  lines.push('', `已载入节假日安排：${years}年；其他年份仅按周末计算，结果标为暂定。`);
  lines.push('示例：xinfang deadline --rules reg2022 --step forward --from 2026-02-15');
  return `${lines.join('\n')}\n`;
}

function describeRuleSet(rs: RuleSet, isDefault: boolean): string[] {
  const lines = ['', `  ${rs.id}${isDefault ? '（默认）' : ''}  ${rs.name}`];
  const width = Math.max(...Object.keys(rs.steps).map((s) => s.length));
  for (const [step, rule] of Object.entries(rs.steps)) {
    const extras = [rule.extension ? `可延长≤${rule.extension.maxDays}日` : '', rule.pausable ? '听证不计时' : ''].filter(Boolean);
    const suffix = extras.length > 0 ? `（${extras.join('，')}）` : '';
    lines.push(`    ${step.padEnd(width)}  ${rule.limit}${UNIT_TEXT[rule.unit]}${suffix}  ${rule.label}  ${rule.article}`);
  }
  return lines;
}

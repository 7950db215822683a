import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDeadlineCommand } from './deadline-command.js';

/** Runs `xinfang <args>` in-process and returns what it printed and the exit code it asked for. */
function run(...args: string[]): { out: string; err: string; code: number } {
  let out = '';
  let err = '';
  const program = new Command('xinfang')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (out += s), writeErr: (s) => void (err += s) });
  registerDeadlineCommand(program);
  try {
    program.parse(args, { from: 'user' });
    return { out, err, code: 0 };
  } catch (e) {
    if (e instanceof CommanderError) return { out, err, code: e.exitCode };
    throw e;
  }
}

describe('xinfang deadline', () => {
  it('prints the due date and a zh-CN explanation', () => {
    const r = run('deadline', '--rules', 'reg2022', '--step', 'forward', '--from', '2026-02-15');
    expect(r.code).toBe(0);
    const [date, explanation] = r.out.split('\n');
    expect(date).toBe('2026-03-02');
    expect(explanation).toContain('《信访工作条例》第二十二条');
    expect(explanation).toContain('2026-02-15次日起算');
  });

  it('explains an Art. 203 roll past Spring Festival', () => {
    const r = run('deadline', '--step', 'forward', '--from', '2026-02-01');
    expect(r.out.startsWith('2026-02-24\n')).toBe(true);
    expect(r.out).toContain('末日2026-02-16为法定休假日');
  });

  it('--json gives machine-readable output, with extension and provisional flags', () => {
    const r = run('deadline', '--step', 'handling', '--from', '2026-12-01', '--extension-days', '30', '--json');
    const json = JSON.parse(r.out) as Record<string, unknown>;
    expect(json).toMatchObject({ ruleSet: 'reg2022', step: 'handling', extensionDays: 30, provisional: true, dueDate: '2027-03-01' });
  });

  it('hour steps print the China time', () => {
    const r = run('deadline', '--rules', 'beijing12345', '--step', 'handling_urgent', '--from', '2025-10-01');
    expect(r.out.split('\n')[0]).toBe('2025-10-01 11:00');
  });

  it('paused hearing days move a re-review deadline', () => {
    expect(run('deadline', '--step', 're_review', '--from', '2025-03-10', '--paused-days', '3').out).toMatch(/^2025-04-14\n/);
  });

  it('the help lists every rule set with its steps', () => {
    const r = run('deadline', '--help');
    expect(r.code).toBe(0);
    for (const text of ['reg2022（默认）', 'zhejiang2016', 'beijing12345', 'handling_urgent', 're_review_request', '第三十六条']) {
      expect(r.out).toContain(text);
    }
  });

  it.each([
    [['--rules', 'shanghai', '--step', 'forward', '--from', '2025-01-01'], '未知的规则集「shanghai」'],
    [['--step', 'handling_urgent', '--from', '2025-01-01'], '没有步骤「handling_urgent」'],
    [['--step', 'forward', '--from', '2025-02-30'], '日期「2025-02-30」无效'],
    [['--step', 'forward', '--from', '20250101'], '日期「20250101」无效'],
    [['--from', '2025-01-01'], '缺少 --step'],
    [['--step', 'forward'], '缺少 --from'],
    [['--step', 'handling', '--from', '2025-01-01', '--extension-days', '31'], '最多 30 日'],
    [['--step', 'handling', '--from', '2025-01-01', '--extension-days', '-1'], '--extension-days 应为非负整数'],
    [['--step', 'handling', '--from', '2025-01-01', '--paused-days', '2'], '不能使用 --paused-days'],
    [['--step', 'forward', '--from', '2025-01-01', '--bogus'], '无法识别的参数：--bogus'],
  ])('bad input %j → zh-CN message, exit code 2', (args, message) => {
    const r = run('deadline', ...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('错误：');
    expect(r.err).toContain(message);
  });

  it('as a real process: exit code 2, message on stderr, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deadline-cli-'));
    try {
      const require = createRequire(import.meta.url);
      const entry = join(dir, 'entry.ts');
      const command = fileURLToPath(new URL('./deadline-command.ts', import.meta.url));
      writeFileSync(
        entry,
        [
          `import { Command } from ${JSON.stringify(require.resolve('commander'))};`,
          `import { registerDeadlineCommand } from ${JSON.stringify(command)};`,
          `const program = new Command('xinfang');`,
          `registerDeadlineCommand(program);`,
          `program.parse();`,
        ].join('\n'),
      );
      const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
      const bad = spawnSync(tsx, [entry, 'deadline', '--step', 'nope', '--from', '2025-01-01'], { encoding: 'utf8' });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('没有步骤「nope」');
      expect(bad.stderr).not.toMatch(/\bat .+:\d+:\d+/);
      const good = spawnSync(tsx, [entry, 'deadline', '--step', 'objection', '--from', '2025-09-26'], { encoding: 'utf8' });
      expect(good.status).toBe(0);
      expect(good.stdout.split('\n')[0]).toBe('2025-10-10');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

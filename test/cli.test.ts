/**
 * The command line as an operator or auditor types it: `node bin/xinfang.js …` in a child process,
 * judged by exit code and output. No database is touched here (verify-audit is in tamper.test.ts).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'xinfang.js');
const HAN = /[\u4e00-\u9fff]/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Given arguments, returns the exit code and output of `node bin/xinfang.js …`. */
function xinfang(...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('xinfang command line', () => {
  it('`deadline --rules reg2022 --step handling --from 2025-09-26` prints 2025-11-25 (60 days, the start day not counted)', async () => {
    const r = await xinfang('deadline', '--rules', 'reg2022', '--step', 'handling', '--from', '2025-09-26');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [first, second] = r.stdout.split('\n');
    expect(first).toBe('2025-11-25');
    expect(second).toContain('第三十四条');
    expect(second).toContain('60日');
    expect(second).toContain('星期二');
  }, 30_000);

  it('`deadline` across 国庆 2025: the objection window from 9/26 ends 10/10; 15 days from 9/23 end on 10/8, a holiday, and roll to 10/9', async () => {
    const [objection, forward, json] = await Promise.all([
      xinfang('deadline', '--step', 'objection', '--from', '2025-09-26'),
      xinfang('deadline', '--rules', 'reg2022', '--step', 'forward', '--from', '2025-09-23'),
      xinfang('deadline', '--rules', 'zhejiang2016', '--step', 'handling', '--from', '2025-09-26', '--extension-days', '60', '--json'),
    ]);
    expect(objection.code).toBe(0);
    expect(objection.stdout.split('\n')[0]).toBe('2025-10-10');
    expect(forward.code).toBe(0);
    expect(forward.stdout.split('\n')[0]).toBe('2025-10-09');
    expect(forward.stdout).toContain('2025-10-08');
    expect(forward.stdout).toContain('顺延');
    expect(json.code).toBe(0);
    // Zhejiang: 30 days + 60 extension = 90 days from 9/26 → Thursday 12/25.
    expect(JSON.parse(json.stdout)).toMatchObject({ ruleSet: 'zhejiang2016', step: 'handling', dueDate: '2025-12-25', extensionDays: 60, provisional: false });
  }, 30_000);

  it('`deadline --help` lists the rule sets reg2022, zhejiang2016, beijing12345 and their steps', async () => {
    const r = await xinfang('deadline', '--help');
    expect(r.code).toBe(0);
    for (const id of ['reg2022', 'zhejiang2016', 'beijing12345']) expect(r.stdout).toMatch(new RegExp(`^\\s+${id}\\b`, 'm'));
    for (const step of ['forward', 'objection', 'handling', 'review_request', 'review', 're_review_request', 're_review', 'handling_urgent', 'handling_utility', 'handling_complex']) {
      expect(r.stdout, step).toMatch(new RegExp(`^\\s+${step}\\s`, 'm'));
    }
    expect(r.stdout).toContain('--rules');
    expect(r.stdout).toContain('--step');
    expect(r.stdout).toContain('--from');
  }, 30_000);

  it('an unknown rule set exits non-zero with a Chinese message naming the known ones, and no stack trace', async () => {
    const r = await xinfang('deadline', '--rules', 'shanghai2099', '--step', 'handling', '--from', '2025-09-26');
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.stderr).toMatch(HAN);
    expect(r.stderr).toContain('shanghai2099');
    expect(r.stderr).toContain('未知的规则集');
    for (const id of ['reg2022', 'zhejiang2016', 'beijing12345']) expect(r.stderr).toContain(id);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).not.toMatch(/^\d{4}-\d{2}-\d{2}$/m);
  }, 30_000);

  it('bad input to `deadline` (unknown step, impossible date, missing --from) exits non-zero in Chinese', async () => {
    const runs = await Promise.all([
      xinfang('deadline', '--step', 'teleport', '--from', '2025-09-26'),
      xinfang('deadline', '--step', 'handling', '--from', '2025-02-30'),
      xinfang('deadline', '--step', 'handling'),
    ]);
    for (const r of runs) {
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBeNull();
      expect(r.stderr).toMatch(HAN);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(runs[0]!.stderr).toContain('teleport');
    expect(runs[1]!.stderr).toContain('2025-02-30');
    expect(runs[2]!.stderr).toContain('--from');
  }, 30_000);

  it('`xinfang --help` lists serve, migrate, seed, seal, verify-audit and deadline', async () => {
    const r = await xinfang('--help');
    expect(r.code).toBe(0);
    for (const command of ['serve', 'migrate', 'seed', 'seal', 'verify-audit', 'deadline']) {
      expect(r.stdout, command).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
    expect(r.stdout).toMatch(HAN);
  }, 30_000);
});

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runDedupe } from './dedupe-command.js';

const STALLS = '每天傍晚流动摊贩在梅园小区门口占道经营，油烟很大，行人只能走机动车道，希望城管部门尽快处理。';
const LINES = [
  JSON.stringify({ id: '1', user: 'u1', title: '小区门口占道经营', body: STALLS, time: '2019-01-01 10:00:00' }),
  'not json',
  JSON.stringify({ id: '2', user: 'u1', title: '梅园小区门口占道经营', body: STALLS.slice(0, 30), time: '2019-02-01 10:00:00' }),
  JSON.stringify({ id: '3', user: 'u2', title: '停水', body: '荷塘社区5号楼停水三天了，没有任何通知，请自来水公司给个说法。', time: '2019-01-05' }),
  '',
  JSON.stringify({ id: '4', user: 'u3', title: '占道经营', body: STALLS, time: 'last week' }),
  JSON.stringify({ id: '5', user: 'u3', body: STALLS, time: '2018-12-31 09:00:00' }),
  JSON.stringify({ user: 'u4', body: STALLS, time: '2019-01-01 10:00:00' }),
  JSON.stringify({ id: '1', user: 'u4', body: STALLS, time: '2019-01-01 10:00:00' }),
];
const EXPECTED = [
  { id: '1', duplicateOf: null, group: '5' },
  { id: '2', duplicateOf: '1', group: '5' },
  { id: '3', duplicateOf: null, group: '3' },
  { id: '5', duplicateOf: null, group: '5' },
];

async function collect(s: PassThrough): Promise<string> {
  let text = '';
  for await (const chunk of s) text += chunk;
  return text;
}

describe('xinfang dedupe', () => {
  it('answers each good line in input order and names each bad line on stderr', async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    const result = await runDedupe(Readable.from([LINES.join('\n') + '\n']), out, err);
    out.end();
    err.end();
    expect(result).toEqual({ answered: 4, rejected: 4 });
    expect((await collect(out)).trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual(EXPECTED);
    const errors = (await collect(err)).trimEnd().split('\n');
    expect(errors).toHaveLength(4);
    expect(errors[0]).toMatch(/^第 2 行已跳过：不是合法的 JSON/);
    expect(errors[1]).toMatch(/^第 6 行已跳过：time「last week」不是时间/);
    expect(errors[2]).toMatch(/^第 8 行已跳过：id: /);
    expect(errors[3]).toMatch(/^第 9 行已跳过：id「1」与前面的行重复/);
  });

  it('reads files as operators have them: a BOM, ids beyond 2^53 kept digit for digit, blank users nobody, impossible dates refused', async () => {
    const big = '12345678901234567890';
    const lines = [
      '\uFEFF' + `{"id":${big},"user":"","title":"占道经营","body":"${STALLS}","time":"2019-01-01 10:00:00"}`,
      `{"id":${big.slice(0, -1)}1,"user":" ","title":"占道经营","body":"${STALLS}","time":"2019-01-02 10:00:00"}`,
      JSON.stringify({ id: 'x', user: 'u9', body: STALLS, time: '2019-02-30 10:00:00' }),
    ];
    const out = new PassThrough();
    const err = new PassThrough();
    const result = await runDedupe(Readable.from([lines.join('\n') + '\n']), out, err);
    out.end();
    err.end();
    expect(result).toEqual({ answered: 2, rejected: 1 });
    const text = (await collect(out)).trimEnd().split('\n');
    expect(text[0]).toBe(`{"id":${big},"duplicateOf":null,"group":${big}}`);
    expect(text[1]).toBe(`{"id":${big.slice(0, -1)}1,"duplicateOf":null,"group":${big}}`);
    expect(await collect(err)).toContain('第 3 行');
  });

  it('runs as `npx xinfang dedupe`: exit code 0 when every line is good, 1 when one was skipped', () => {
    const bin = fileURLToPath(new URL('../../bin/xinfang.js', import.meta.url));
    const good = [LINES[0], LINES[2], LINES[3], LINES[6]].join('\n') + '\n';
    const ok = spawnSync(process.execPath, [bin, 'dedupe'], { input: good, encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe(EXPECTED.map((e) => JSON.stringify(e) + '\n').join(''));
    const bad = spawnSync(process.execPath, [bin, 'dedupe'], { input: good + 'oops\n', encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(bad.stderr).toContain('第 5 行已跳过');
  });
});

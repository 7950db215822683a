import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dedupeMessages, parseMessageTime, type DedupeMessage } from './dedupe.js';

const SITE =
  '位于A2区书香路的北辰中央公园工地，已至少连续一个月通宵施工，每晚都是挖机和渣土车的声音，噪音严重影响睡眠。就算关窗了也无济于事。我们多次打电话给城管，没有任何回复。希望有关部门能够帮忙解决一下，还居民一个安静的夜晚。';
const WAGES = '我们在南苑街道某工地干了半年，老板拖欠工资四万元一直不给，劳动监察大队说管不了，过年回家的路费都没有。请政府帮帮我们这些农民工，督促老板把工资结清。';
const reordered = (t: string) => t.split('。').filter(Boolean).reverse().join('。') + '。';

let day = 0;
function msg(id: string, user: string | null, body: string, at?: string): DedupeMessage {
  return { id, user, title: '', body, time: parseMessageTime(at ?? `2019-01-${String(++day).padStart(2, '0')} 10:00:00`)! };
}

interface FixtureRow {
  id: string;
  user: string;
  title: string;
  body: string;
  time: string;
  family: string | null;
  kind: string;
}

describe('batch dedupe', () => {
  it('links a later message of the same user on the same matter to the earlier one, and groups another user’s', () => {
    const out = dedupeMessages([
      msg('3', 'u1', SITE.slice(0, 70), '2019-03-01 09:00:00'),
      msg('1', 'u1', SITE, '2019-01-01 09:00:00'),
      msg('2', 'u2', reordered(SITE), '2019-02-01 09:00:00'),
      msg('4', 'u3', WAGES, '2019-01-15 09:00:00'),
    ]);
    expect(out).toEqual([
      { id: '3', duplicateOf: '1', group: '1' },
      { id: '1', duplicateOf: null, group: '1' },
      { id: '2', duplicateOf: null, group: '1' },
      { id: '4', duplicateOf: null, group: '4' },
    ]);
  });

  it('orders by time, then by input order for equal times', () => {
    const t = '2019-05-05 08:00:00';
    const out = dedupeMessages([msg('b', 'u1', SITE, t), msg('a', 'u1', SITE, t)]);
    expect(out).toEqual([
      { id: 'b', duplicateOf: null, group: 'b' },
      { id: 'a', duplicateOf: 'b', group: 'b' },
    ]);
  });

  it('points every repeat at the earliest message of that user, also among identical texts', () => {
    const out = dedupeMessages([msg('1', 'u1', SITE), msg('2', 'u2', SITE), msg('3', 'u1', SITE), msg('4', 'u2', SITE), msg('5', 'u1', reordered(SITE))]);
    expect(out.map((r) => [r.duplicateOf, r.group])).toEqual([
      [null, '1'],
      [null, '1'],
      ['1', '1'],
      ['2', '1'],
      ['1', '1'],
    ]);
  });

  it('never calls a message without a user a repeat, and a text without letters joins nothing', () => {
    const out = dedupeMessages([msg('1', null, SITE), msg('2', null, SITE), msg('3', 'u1', '！！！'), msg('4', 'u1', '！！！')]);
    expect(out).toEqual([
      { id: '1', duplicateOf: null, group: '1' },
      { id: '2', duplicateOf: null, group: '1' },
      { id: '3', duplicateOf: null, group: '3' },
      { id: '4', duplicateOf: null, group: '4' },
    ]);
  });

  it('finds the planted variants of real messages (fixture from hot_messages.jsonl) with precision and recall ≥ 0.95', () => {
    const path = fileURLToPath(new URL('../../../test/fixtures/dedupe-sample.jsonl', import.meta.url));
    const rows: FixtureRow[] = fs
      .readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThanOrEqual(400);
    const out = dedupeMessages(rows.map((r) => ({ id: r.id, user: r.user, title: r.title, body: r.body, time: parseMessageTime(r.time)! })));
    const byId = new Map(rows.map((r, i) => [r.id, { r, i, t: parseMessageTime(r.time)! }]));
    const before = (a: string, b: string) => byId.get(a)!.t < byId.get(b)!.t || (byId.get(a)!.t === byId.get(b)!.t && byId.get(a)!.i < byId.get(b)!.i);

    // group pairs
    const groupOf = new Map(out.map((o) => [o.id, o.group]));
    let expected = 0;
    let found = 0;
    let predicted = 0;
    for (let a = 0; a < rows.length; a++) {
      for (let b = a + 1; b < rows.length; b++) {
        const same = rows[a]!.family !== null && rows[a]!.family === rows[b]!.family;
        const grouped = groupOf.get(rows[a]!.id) === groupOf.get(rows[b]!.id);
        if (same) expected++;
        if (grouped) predicted++;
        if (same && grouped) found++;
      }
    }
    expect(found / expected).toBeGreaterThanOrEqual(0.95);
    expect(found / predicted).toBeGreaterThanOrEqual(0.95);

    // duplicateOf: right when it names an earlier member of the family by the same user
    let dupExpected = 0;
    let dupPredicted = 0;
    let dupRight = 0;
    for (const o of out) {
      const r = byId.get(o.id)!.r;
      const truth = rows.filter((x) => r.family !== null && x.family === r.family && x.user === r.user && x.id !== r.id && before(x.id, r.id)).map((x) => x.id);
      if (truth.length > 0) dupExpected++;
      if (o.duplicateOf !== null) {
        dupPredicted++;
        if (truth.includes(o.duplicateOf)) dupRight++;
      }
    }
    expect(dupExpected).toBeGreaterThan(50);
    expect(dupRight / dupExpected).toBeGreaterThanOrEqual(0.95);
    expect(dupRight / dupPredicted).toBeGreaterThanOrEqual(0.95);
    // the distractors are real messages with no near-duplicate in the data: each stays alone
    for (const r of rows.filter((x) => x.family === null)) expect(groupOf.get(r.id)).toBe(r.id);
  });

  it('reads the data’s times and ISO times, and refuses what is not a time', () => {
    expect(parseMessageTime('2019-02-28 11:25:05')).toBe(Date.UTC(2019, 1, 28, 11, 25, 5));
    expect(parseMessageTime('2019-02-28T11:25:05+08:00')).toBe(Date.UTC(2019, 1, 28, 3, 25, 5));
    expect(parseMessageTime('2019-02-28')).toBe(Date.UTC(2019, 1, 28));
    expect(parseMessageTime('yesterday')).toBeNull();
    expect(parseMessageTime('2019-13-45 10:00:00')).toBeNull();
  });
});

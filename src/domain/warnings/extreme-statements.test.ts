import { describe, expect, it } from 'vitest';
import { detectExtremeStatements, EXTREME_PHRASES, MAX_EXTREME_MATCHES } from './extreme-statements.js';

describe('extreme statements (极端言论) in a petition text', () => {
  it.each([
    ['工资拖欠半年，再不解决我就去跳楼。', 'self_harm', '跳楼'],
    ['我实在不想活了，家里已经揭不开锅。', 'self_harm', '不想活了'],
    ['房子被强拆，我准备喝农药死在你们门口。', 'self_harm', '喝农药'],
    ['不要逼我跳楼！', 'self_harm', '跳楼'],
    ['他们再这样欺负人，我就跟他们同归于尽。', 'violence', '同归于尽'],
    ['这样下去我只能报复社会。', 'violence', '报复社会'],
    ['我要砍人了，谁也别拦我', 'violence', '砍人'],
  ])('finds a threat in “%s”', (text, kind, phrase) => {
    const r = detectExtremeStatements(text);
    expect(r.found).toBe(true);
    expect(r.kinds).toContain(kind);
    expect(r.phrases).toContain(phrase);
    expect(r.matches[0]!.excerpt.length).toBeGreaterThan(0);
  });

  it.each([
    '我不会自杀，只想讨个说法。',
    '我绝不会去跳楼，请依法处理。',
    '建议小区加装护栏，防止跳楼事故再次发生。',
    '社区开展消防安全宣传，讲解放火、纵火的法律后果。',
    '楼道堆物存在安全隐患，一旦放火后果严重，请检查。',
    '希望开通自杀干预热线。',
    '小区门口垃圾堆放多日无人清运，请处理。',
  ])('raises nothing for “%s”', (text) => {
    const r = detectExtremeStatements(text);
    expect(r).toEqual({ found: false, kinds: [], phrases: [], matches: [] });
  });

  it('reports both kinds and each phrase once, a longer phrase not split into shorter ones', () => {
    const r = detectExtremeStatements('我不想活了。真逼急了我就放火，跟他们同归于尽！我不想活了');
    expect(r.kinds).toEqual(['self_harm', 'violence']);
    expect(r.phrases).toEqual(['不想活了', '放火', '同归于尽']);
    expect(r.matches.filter((m) => m.phrase === '不想活了')).toHaveLength(2);
    // 不活了 sits inside 不想活了? no: but 不活了 must never double-count a hit already taken by a longer phrase
    expect(r.matches.every((m, i, all) => all.findIndex((o) => o.index === m.index) === i)).toBe(true);
  });

  it('keeps a threat next to benign words when the sentence carries a threat marker', () => {
    expect(detectExtremeStatements('这不是演练，再不解决我就去跳楼').found).toBe(true);
  });

  it('the phrase list has no duplicates', () => {
    const all = [...EXTREME_PHRASES.self_harm, ...EXTREME_PHRASES.violence];
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('everyday words that look like threats', () => {
  it.each(['我们拼命工作却拿不到工资。', '充电时手机炸了，商家不肯赔。', '老人每天喝药，医保报销太慢。'])('raise nothing: “%s”', (text) => {
    expect(detectExtremeStatements(text).found).toBe(false);
  });
});

describe('extreme statements on long hostile input', () => {
  // A guard against the quadratic scan coming back, not a benchmark: the linear pass takes a few
  // milliseconds on 10,000 characters (the public form's maximum); the old one took seconds.
  it.each([
    ['自杀', 5_000, true],
    ['不会自杀', 2_500, false],
    ['消防安全宣传防止跳楼，', 1_000, false],
  ])('“%s” × %i runs in linear time', (unit, times, found) => {
    const text = unit.repeat(times);
    const started = performance.now();
    const r = detectExtremeStatements(text);
    const ms = performance.now() - started;
    expect(r.found).toBe(found);
    expect(r.matches.length).toBeLessThanOrEqual(MAX_EXTREME_MATCHES);
    expect(ms).toBeLessThan(500);
  });

  it('caps the matches it returns but still reports every kind and phrase', () => {
    const r = detectExtremeStatements(`${'我就去跳楼！'.repeat(50)}我要砍人。`);
    expect(r.matches).toHaveLength(MAX_EXTREME_MATCHES);
    expect(r.kinds).toEqual(['self_harm', 'violence']);
    expect(r.phrases).toEqual(['跳楼', '砍人']);
  });
});

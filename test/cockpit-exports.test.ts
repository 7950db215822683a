/**
 * The cockpit's exports built from hand-made figures and read back the way a user opens them: the
 * assessment workbook (sheets, title, header, the top unit's rank and score, a percentage cell, the
 * scoring sheet) and the annual report (title, sections, a table row, the suggestions), plus the
 * suggestions written from the figures.
 */
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { DEFAULT_ASSESSMENT_WEIGHTS, assessmentExplanation, rateFrom, scoreUnits, type ScoreInput } from '../src/domain/cockpit/assessment-score.js';
import { RATE_KEYS, type AnnualReport, type Assessment, type RateKey } from '../src/domain/cockpit/types.js';
import { assessmentWorkbook } from '../src/services/assessment-workbook.js';
import { annualReportDocx, annualSuggestions } from '../src/services/annual-report.js';

const rates = (each: [number, number], over: Partial<Record<RateKey, [number, number]>> = {}): ScoreInput['rates'] =>
  Object.fromEntries(RATE_KEYS.map((k) => { const [numerator, denominator] = over[k] ?? each; return [k, { numerator, denominator }]; })) as ScoreInput['rates'];

const scope = { id: 'd1', name: '云湖区', kind: 'district' };

function assessment(): Assessment {
  const rows = scoreUnits(
    [
      { unit: { id: 's1', name: '北湖街道', kind: 'street' }, rates: rates([1, 2]), deductions: 0, received: 30, settled: 25 },
      { unit: { id: 's2', name: '南苑街道', kind: 'street' }, rates: rates([9, 10], { repeat: [1, 20], backlog_resolution: [0, 0] }), deductions: 2, received: 42, settled: 40 },
      { unit: { id: 's3', name: '东城街道', kind: 'street' }, rates: rates([2, 4]), deductions: 0, received: 12, settled: 12 },
    ],
    DEFAULT_ASSESSMENT_WEIGHTS,
  );
  return { month: '2026-03', scope, kind: 'street', weights: DEFAULT_ASSESSMENT_WEIGHTS, explanation: assessmentExplanation(DEFAULT_ASSESSMENT_WEIGHTS), rows, generatedAt: '2026-04-01T01:30:00.000Z' };
}

/** a cell's shown text: rich text and formulas flattened */
const text = (cell: ExcelJS.Cell) => cell.text;

describe('the assessment workbook', () => {
  it('opens with the ranking sheet: title, two-row header, the best unit first, rates as percentages', async () => {
    const a = assessment();
    // 南苑: every rate 0.9, repeat 1/20 → 0.95, no backlog: (0.9 × 90 + 0.95 × 5) / 95 × 100 = 90.263… → 90.26, − 2 = 88.26
    expect(a.rows[0]).toMatchObject({ rank: 1, unit: { name: '南苑街道' }, base: 90.26, score: 88.26 });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await assessmentWorkbook(a)) as never);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['考核排名', '计分说明']);

    const ws = wb.getWorksheet('考核排名')!;
    expect(ws.getCell('A1').value).toBe('云湖区街道信访工作考核排名（2026年3月）');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 2, ySplit: 3 });
    const header2 = (ws.getRow(2).values as ExcelJS.CellValue[]).slice(1);
    expect(header2.slice(0, 6)).toEqual(['排名', '单位', '得分', '基础分', '扣分', '及时受理率']);
    expect(header2).toContain('重复信访率（越低越好）');
    expect(header2).toContain('初信初访一次性化解率');
    expect(header2.slice(-2)).toEqual(['受理件数', '办结件数']);
    expect(ws.getCell(3, 6).value).toBe('比率');
    expect(ws.getCell(3, 7).value).toBe('分子/分母');
    expect(ws.getColumn(2).width).toBeGreaterThanOrEqual(16);

    const first = ws.getRow(4);
    expect(first.getCell(1).value).toBe(1);
    expect(first.getCell(2).value).toBe('南苑街道');
    expect(first.getCell(3).value).toBe(88.26);
    expect(first.getCell(4).value).toBe(90.26);
    expect(first.getCell(5).value).toBe(2);
    // 满意率 is the 5th rate: columns 6 + 2 × 4 = 14 (比率) and 15 (分子/分母)
    expect(ws.getCell(2, 14).value).toBe('满意率');
    expect(first.getCell(14).value).toBe(0.9);
    expect(first.getCell(14).numFmt).toBe('0.00%');
    expect(first.getCell(15).value).toBe('9/10');
    // 积案化解率, the last rate, has no data for 南苑
    expect(ws.getCell(2, 22).value).toBe('积案化解率');
    expect(first.getCell(22).value).toBe('—');
    expect(first.getCell(23).value).toBe('0/0');
    expect(first.getCell(24).value).toBe(42);
    expect(first.getCell(25).value).toBe(40);

    // the tie at 50: both rank 2, 北湖 (běi) before 东城 (dōng)
    expect([ws.getRow(5), ws.getRow(6)].map((r) => [r.getCell(1).value, r.getCell(2).value, r.getCell(3).value])).toEqual([
      [2, '北湖街道', 50],
      [2, '东城街道', 50],
    ]);
    expect(text(ws.getCell(8, 1))).toContain('考核月份：2026年3月');
    expect(text(ws.getCell(8, 1))).toContain('生成时间：2026-04-01 09:30');
  });

  it('explains the scoring on its second sheet: each weight and definition, then the rule in words', async () => {
    const a = assessment();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await assessmentWorkbook(a)) as never);
    const ex = wb.getWorksheet('计分说明')!;
    expect((ex.getRow(2).values as ExcelJS.CellValue[]).slice(1)).toEqual(['指标', '权重', '权重占比', '口径']);
    const satisfaction = [...Array(9).keys()].map((i) => ex.getRow(3 + i)).find((r) => r.getCell(1).value === '满意率')!;
    expect(satisfaction.getCell(2).value).toBe(20);
    expect(satisfaction.getCell(3).value).toBe(0.2);
    expect(satisfaction.getCell(3).numFmt).toBe('0.00%');
    expect(String(satisfaction.getCell(4).value)).toContain('表示满意的件');
    expect(ex.getCell(13, 1).value).toBe(a.explanation);
  });
});

function annualFigures(): Omit<AnnualReport, 'suggestions'> {
  const months = Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`);
  const received = [20, 22, 18, 25, 24, 26, 30, 28, 35, 40, 42, 60];
  return {
    year: 2026,
    scope,
    generatedAt: '2027-01-20T02:00:00.000Z',
    received: received.reduce((s, n) => s + n, 0), // 370
    byChannel: [
      { label: '网上信访', count: 200 },
      { label: '来访', count: 120 },
      { label: '来信', count: 50 },
    ],
    byCategory: [
      { name: '农村农业', count: 60 },
      { name: '城乡建设', count: 148 },
      { name: '劳动和社会保障', count: 90 },
    ],
    mostAccused: [
      { unit: { id: 'u2', name: '区住房和城乡建设局', kind: 'department' }, count: 17 },
      { unit: { id: 'u3', name: '区人力资源和社会保障局', kind: 'department' }, count: 9 },
    ],
    mostPetitioned: [{ unit: { id: 's2', name: '南苑街道', kind: 'street' }, count: 80 }],
    supervision: { dispatched: 310, chased: 44, supervised: 12 },
    rates: [
      rateFrom('timely_acceptance', 360, 365),
      rateFrom('on_time_closure', 280, 320),
      rateFrom('response', 300, 310),
      rateFrom('resolution', 270, 300),
      rateFrom('satisfaction', 285, 300),
      rateFrom('participation', 290, 320),
      rateFrom('repeat', 55, 370),
      rateFrom('first_time_resolution', 200, 230),
      rateFrom('backlog_resolution', 0, 0),
    ],
    tiers: [
      { tier: 'community', label: '社区', count: 120, share: 0.375 },
      { tier: 'grid', label: '网格', count: 80, share: 0.25 },
      { tier: 'street', label: '街道', count: 90, share: 0.28125 },
      { tier: 'district', label: '区', count: 30, share: 0.09375 },
      { tier: 'city', label: '市', count: 0, share: 0 },
    ],
    byMonth: months.map((month, i) => ({ month, received: received[i]!, settled: Math.min(received[i]!, 27) })),
  };
}

describe('annualSuggestions', () => {
  it('writes one sentence per rate off target, the largest field, the most complained unit and the trend, in that order', () => {
    const s = annualSuggestions(annualFigures());
    expect(s).toEqual([
      '按期办结率为 87.5%（280/320），低于 95% 的目标，建议强化办理期限预警和跟踪督办，对临期、超期事项及时催办，防止久拖不办。',
      '重复信访率为 14.86%（55/370），高于 10% 的目标，建议提高初信初访办理质量，对重复信访事项落实领导包案，防止小问题拖成“老信访户”。',
      '信访事项较多集中在“城乡建设”领域（148 件，占 40%），建议相关部门深入分析成因，从政策和源头上研究解决措施，减少同类问题发生。',
      '区住房和城乡建设局全年被投诉 17 件，居各单位之首，建议督促其对照群众反映的问题查找工作作风和依法履职方面的不足，认真整改。',
      // 10–12月 142 against 1–3月 60: +136.67%
      '10月至12月收到信访事项 142 件，比1月至3月的 60 件增长 136.67%，呈上升趋势，建议加强矛盾纠纷排查化解和风险预警，及早发现苗头性问题。',
      // December's 60 against a monthly average of 30.8
      '12月收到信访事项 60 件，为全年最多，明显高于月均 30.8 件，建议分析该时段集中反映的问题，提前做好同期防范。',
      // settled 20+22+18+25+24+26+27×6 = 297 < 0.9 × 370
      '全年办结信访事项 297 件，少于收到的 370 件，在办事项有所积存，建议加强统筹调度，加快办理进度。',
    ]);
    // 满意率 95%, 解决率 90%, 参评率 90.63% meet their targets; 积案化解率 has no data: no sentence about them
    expect(s.join('')).not.toMatch(/满意率|解决率|参评率|积案化解率/);
    expect(annualSuggestions(annualFigures())).toEqual(s);
  });

  it('says the targets are met when nothing stands out', () => {
    const f = annualFigures();
    const quiet: Omit<AnnualReport, 'suggestions'> = {
      ...f,
      received: 0,
      byChannel: [],
      byCategory: [],
      mostAccused: [],
      mostPetitioned: [],
      rates: f.rates.filter((r) => r.key !== 'on_time_closure' && r.key !== 'repeat'),
      byMonth: [],
      tiers: [],
    };
    expect(annualSuggestions(quiet)).toEqual([expect.stringContaining('各项主要指标均达到目标')]);
  });

  it('asks to push settlement down when more than 30% is settled at district level or above', () => {
    const f = annualFigures();
    const s = annualSuggestions({ ...f, tiers: [{ tier: 'street', label: '街道', count: 6, share: 0.6 }, { tier: 'district', label: '区', count: 4, share: 0.4 }] });
    expect(s).toContain('区级及以上化解的信访事项占 40%，建议推动力量下沉，落实“小事不出村社、大事不出街道”，把矛盾化解在基层。');
  });
});

describe('the annual report', () => {
  it('reads as the 第四十一条 report: title, seven sections, tables with the figures, the suggestions, fonts', async () => {
    const f = annualFigures();
    const r: AnnualReport = { ...f, suggestions: annualSuggestions(f) };
    const zip = await JSZip.loadAsync(await annualReportDocx(r));
    const xml = await zip.file('word/document.xml')!.async('string');
    const body = xml.replace(/<[^>]+>/g, '');
    expect(body).toContain('云湖区关于2026年度信访工作情况的报告');
    expect(body).toContain('根据《信访工作条例》第四十一条的规定');
    const sections = ['一、信访事项总体情况', '二、信访事项涉及领域', '三、被投诉较多的机关单位', '四、转送、督办情况', '五、主要指标', '六、化解层级', '七、意见和建议'];
    const at = sections.map((h) => body.indexOf(h));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((x, y) => x - y)).toEqual(at);
    expect(body).toContain('共收到信访事项 370 件，办结 297 件');

    // a table row is a <w:tr>: find the row of the most complained unit and of 按期办结率
    const rows = [...xml.matchAll(/<w:tr[ >][\s\S]*?<\/w:tr>/g)].map((m) => [...m[0].matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((t) => t[1]));
    expect(rows).toContainEqual(['1', '区住房和城乡建设局', '17']);
    expect(rows).toContainEqual(['1', '南苑街道', '80']);
    expect(rows).toContainEqual(['城乡建设', '148', '40%']);
    expect(rows).toContainEqual(['12月', '60', '27']);
    expect(rows).toContainEqual(['合计', '370', '297']);
    expect(rows).toContainEqual(['310', '44', '12']);
    expect(rows.find((x) => x[0] === '按期办结率')!.slice(0, 3)).toEqual(['按期办结率', '87.5%', '280/320']);
    expect(rows.find((x) => x[0] === '积案化解率')!.slice(1, 3)).toEqual(['无数据', '0/0']);
    expect(rows.find((x) => x[0] === '重复信访率（越低越好）')).toBeDefined();
    // tiers in order from the grid up, with the figures' labels
    expect(rows.filter((x) => ['网格', '社区', '街道', '区', '市'].includes(x[0]!)).map((x) => x[0])).toEqual(['网格', '社区', '街道', '区', '市']);
    expect(body).toContain('在网格和村（社区）化解 200 件，占 62.5%；在街道（乡镇）及以下化解 290 件，占 90.63%');

    expect(body).toContain(`（一）${r.suggestions[0]}`);
    expect(body).toContain(`（七）${r.suggestions[6]}`);
    expect(body.indexOf('（一）按期办结率')).toBeGreaterThan(body.indexOf('七、意见和建议'));
    expect(body).toContain('2027年1月20日');
    expect(xml).toContain('仿宋');
    expect(xml).toContain('黑体');
    expect(xml).toContain('方正小标宋简体');
  });
});

/**
 * The annual report on petition work (《信访工作条例》第四十一条: 各级党委和政府信访部门应当于每年
 * 1月底前向本级党委和政府、上一级信访部门报告上一年度的信访工作情况) as a Word document (docx):
 * the year's volume by channel and month, the fields, the units most complained about and most
 * petitioned, dispatch and supervision, the main rates with their definitions, the tiers of
 * settlement, and suggestions. Fonts as in ledger-report.ts (仿宋 body, 黑体 headings, 方正小标宋
 * title); portrait A4 with the margins of GB/T 9704 official documents.
 *
 * The 意见和建议 come from AnnualReport.suggestions, which annualSuggestions (domain/cockpit/
 * assessment-score.ts, re-exported here) writes from the figures alone.
 */
import {
  AlignmentType,
  Document,
  HeadingLevel,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
  ShadingType,
} from 'docx';
import { toChinaDate } from '../domain/deadlines/china-date.js';
import { monthShortZh, percentZh } from '../domain/cockpit/assessment-score.js';
import type { AnnualReport, Tier } from '../domain/cockpit/types.js';

/** annualSuggestions is pure and lives with the other cockpit rules; re-exported for the report's callers. */
export { ANNUAL_RATE_TARGETS, annualSuggestions, percentZh } from '../domain/cockpit/assessment-score.js';

const BODY_FONT = { ascii: 'FangSong', hAnsi: 'FangSong', eastAsia: '仿宋' };
const HEADING_FONT = { ascii: 'SimHei', hAnsi: 'SimHei', eastAsia: '黑体' };
const TITLE_FONT = { ascii: 'SimSun', hAnsi: 'SimSun', eastAsia: '方正小标宋简体' };

/** The report's title: 云湖区关于2026年度信访工作情况的报告. */
export function annualReportTitle(r: Pick<AnnualReport, 'scope' | 'year'>): string {
  return `${r.scope.name}关于${r.year}年度信访工作情况的报告`;
}

const TIER_ORDER: readonly Tier[] = ['grid', 'community', 'street', 'district', 'city'];

const shareOf = (count: number, total: number) => (total > 0 ? percentZh(count / total) : '—');

/** 1 → 一, 12 → 十二, 21 → 二十一 (up to 99), for the numbering of suggestions. */
function zhNumber(n: number): string {
  const digits = '〇一二三四五六七八九';
  if (n < 10) return digits[n]!;
  if (n >= 100) return String(n);
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : digits[tens]}十${ones ? digits[ones] : ''}`;
}

const p = (text: string, opts: { bold?: boolean; size?: number; align?: (typeof AlignmentType)[keyof typeof AlignmentType]; font?: typeof BODY_FONT; indent?: boolean } = {}) =>
  new Paragraph({
    alignment: opts.align,
    spacing: { after: 120, line: 360 },
    indent: opts.indent === false ? undefined : { firstLine: 640 },
    children: [new TextRun({ text, bold: opts.bold, size: opts.size ?? 32, font: opts.font ?? BODY_FONT })],
  });

const heading = (text: string) =>
  new Paragraph({
    heading: HeadingLevel.HEADING_2,
    spacing: { before: 240, after: 120 },
    indent: { firstLine: 640 },
    children: [new TextRun({ text, size: 32, font: HEADING_FONT, color: '000000' })],
  });


function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): Table {
  const cell = (text: string, header: boolean) =>
    new TableCell({
      shading: header ? { type: ShadingType.CLEAR, color: 'auto', fill: 'DDEBF7' } : undefined,
      children: [new Paragraph({ alignment: header ? AlignmentType.CENTER : undefined, children: [new TextRun({ text, bold: header, size: 21, font: BODY_FONT })] })],
    });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: headers.map((h) => cell(h, true)) }),
      ...rows.map((r) => new TableRow({ cantSplit: true, children: r.map((t) => cell(t, false)) })),
    ],
  });
}

const TIER_ZH: Record<Tier, string> = { grid: '网格', community: '村（社区）', street: '街道（乡镇）', district: '区（县）', city: '市' };

/** Given the year's figures (with their suggestions), returns the annual report as .docx bytes. */
export async function annualReportDocx(r: AnnualReport): Promise<Buffer> {
  const title = annualReportTitle(r);
  const settled = r.byMonth.reduce((s, m) => s + m.settled, 0);
  const months = [...r.byMonth].sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
  const channels = [...r.byChannel].sort((a, b) => b.count - a.count);
  const categories = [...r.byCategory].sort((a, b) => b.count - a.count);
  const tiers = [...r.tiers].sort((a, b) => TIER_ORDER.indexOf(a.tier) - TIER_ORDER.indexOf(b.tier));
  const tierTotal = tiers.reduce((s, t) => s + t.count, 0);
  const grassroots = tiers.filter((t) => t.tier === 'grid' || t.tier === 'community').reduce((s, t) => s + t.count, 0);
  const upToStreet = grassroots + tiers.filter((t) => t.tier === 'street').reduce((s, t) => s + t.count, 0);
  const s = r.supervision;
  let tableNo = 0;
  /** a table's caption, numbered in the order the tables appear (表1, 表2, …) */
  const caption = (text: string) => p(`表${++tableNo}  ${text}`, { align: AlignmentType.CENTER, size: 24, bold: true, indent: false });

  const unitTable = (rows: AnnualReport['mostAccused'], countHeader: string) =>
    table(['序号', '单位', countHeader], rows.map((x, i) => [String(i + 1), x.unit.name, String(x.count)]));

  const children: Array<Paragraph | Table> = [
    p(title, { bold: false, size: 44, align: AlignmentType.CENTER, font: TITLE_FONT, indent: false }),
    p(`（统计期间：${r.year}年1月1日至${r.year}年12月31日）`, { align: AlignmentType.CENTER, size: 28, indent: false }),
    p(`根据《信访工作条例》第四十一条的规定，现将${r.scope.name}${r.year}年度信访工作情况报告如下。`),

    heading('一、信访事项总体情况'),
    p(
      `${r.year}年，${r.scope.name}共收到信访事项 ${r.received} 件，办结 ${settled} 件。` +
        (channels.length && r.received > 0
          ? `从渠道看，${channels
              .filter((c) => c.count > 0)
              .slice(0, 3)
              .map((c) => `${c.label} ${c.count} 件（占 ${shareOf(c.count, r.received)}）`)
              .join('，')}。`
          : ''),
    ),
    ...(channels.length
      ? [caption('信访事项来源渠道'), table(['渠道', '件数', '占比'], channels.map((c) => [c.label, String(c.count), shareOf(c.count, r.received)]))]
      : []),
    ...(months.length
      ? [
          caption('各月收到和办结信访事项'),
          table(['月份', '收到', '办结'], [...months.map((m) => [monthShortZh(m.month), String(m.received), String(m.settled)]), ['合计', String(months.reduce((t, m) => t + m.received, 0)), String(settled)]]),
        ]
      : []),

    heading('二、信访事项涉及领域'),
    categories.length && r.received > 0
      ? p(
          `信访事项主要涉及${categories
            .slice(0, 3)
            .map((c) => `${c.name}（${c.count} 件，占 ${shareOf(c.count, r.received)}）`)
            .join('、')}等领域。`,
        )
      : p('本年度无信访事项分类数据。'),
    ...(categories.length ? [caption('信访事项涉及领域'), table(['领域', '件数', '占比'], categories.map((c) => [c.name, String(c.count), shareOf(c.count, r.received)]))] : []),

    heading('三、被投诉较多的机关单位'),
    r.mostAccused.length
      ? p(`全年被投诉较多的机关单位依次为：${r.mostAccused.slice(0, 5).map((x) => `${x.unit.name}（${x.count} 件）`).join('、')}。`)
      : p('本年度无投诉机关单位的信访事项。'),
    ...(r.mostAccused.length ? [caption('被投诉较多的机关单位'), unitTable(r.mostAccused, '被投诉件数')] : []),
    r.mostPetitioned.length
      ? p(`承办信访事项较多的单位依次为：${r.mostPetitioned.slice(0, 5).map((x) => `${x.unit.name}（${x.count} 件）`).join('、')}。`)
      : p('本年度无承办信访事项的单位数据。'),
    ...(r.mostPetitioned.length ? [caption('承办信访事项较多的单位'), unitTable(r.mostPetitioned, '主办件数')] : []),

    heading('四、转送、督办情况'),
    p(`全年转送、交办信访事项 ${s.dispatched} 件，催办 ${s.chased} 次，督办 ${s.supervised} 次。`),
    table(['转送、交办（件）', '催办（次）', '督办（次）'], [[String(s.dispatched), String(s.chased), String(s.supervised)]]),

    heading('五、主要指标'),
    ...(r.rates.length ? [p('各项指标的统计口径见下表，“无数据”表示该项分母为 0。'), caption('主要指标')] : []),
    r.rates.length
      ? table(
          ['指标', '数值', '分子/分母', '统计口径'],
          r.rates.map((x) => [
            `${x.label}${x.lowerIsBetter ? '（越低越好）' : ''}`,
            x.value === null ? '无数据' : percentZh(x.value),
            `${x.numerator}/${x.denominator}`,
            x.definition,
          ]),
        )
      : p('本年度无指标数据。'),

    heading('六、化解层级'),
    tierTotal > 0
      ? p(
          `全年在各层级化解信访事项 ${tierTotal} 件，其中在网格和村（社区）化解 ${grassroots} 件，占 ${shareOf(grassroots, tierTotal)}；在街道（乡镇）及以下化解 ${upToStreet} 件，占 ${shareOf(upToStreet, tierTotal)}。`,
        )
      : p('本年度无化解层级数据。'),
    ...(tiers.length
      ? [caption('化解层级'), table(['层级', '化解件数', '占比'], tiers.map((t) => [t.label || TIER_ZH[t.tier], String(t.count), t.share === null ? shareOf(t.count, tierTotal) : percentZh(t.share)]))]
      : []),

    heading('七、意见和建议'),
    ...(r.suggestions.length ? r.suggestions.map((x, i) => p(`（${zhNumber(i + 1)}）${x}`)) : [p('无。')]),

    p('', { indent: false }),
    p(r.scope.name, { align: AlignmentType.RIGHT, indent: false }),
    p(dateZh(r.generatedAt), { align: AlignmentType.RIGHT, indent: false }),
  ];

  const doc = new Document({
    creator: 'xinfang',
    title,
    styles: { default: { document: { run: { font: BODY_FONT, size: 32 } } } },
    sections: [{ properties: { page: { margin: { top: 2098, bottom: 1984, left: 1587, right: 1474 } } }, children }],
  });
  return Packer.toBuffer(doc);
}

/** An instant as a China date the way a document is dated: 2027年1月5日. */
function dateZh(iso: string): string {
  const [y, m, d] = toChinaDate(new Date(iso)).split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

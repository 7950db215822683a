/**
 * The monthly supervision report (百案攻坚月度督查报告) as a Word document (docx): title, period and
 * scope, the month's figures, the ledger's cases, the month's 催办/督办 and the close-outs (销号).
 * Body text in 仿宋 and headings in 黑体, the fonts of official documents; landscape A4 so the case
 * table fits.
 */
import {
  AlignmentType,
  Document,
  HeadingLevel,
  Packer,
  PageOrientation,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
  ShadingType,
} from 'docx';
import { monthLabelZh } from '../domain/china-month.js';
import { formatChinaDateTime, toChinaDate } from '../domain/deadlines/china-date.js';
import type { Ledger } from './ledger.js';

const BODY_FONT = { ascii: 'FangSong', hAnsi: 'FangSong', eastAsia: '仿宋' };
const HEADING_FONT = { ascii: 'SimHei', hAnsi: 'SimHei', eastAsia: '黑体' };
const TITLE_FONT = { ascii: 'SimSun', hAnsi: 'SimSun', eastAsia: '方正小标宋简体' };

const p = (text: string, opts: { bold?: boolean; size?: number; align?: (typeof AlignmentType)[keyof typeof AlignmentType]; font?: typeof BODY_FONT } = {}) =>
  new Paragraph({
    alignment: opts.align,
    spacing: { after: 120 },
    children: [new TextRun({ text, bold: opts.bold, size: opts.size ?? 28, font: opts.font ?? BODY_FONT })],
  });

const heading = (text: string) =>
  new Paragraph({ heading: HeadingLevel.HEADING_2, spacing: { before: 240, after: 120 }, children: [new TextRun({ text, size: 30, font: HEADING_FONT, color: '000000' })] });

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

const date = (iso: string | null) => (iso ? toChinaDate(new Date(iso)) : '');

/** Given a month's ledger, returns the monthly supervision report as .docx bytes. */
export async function ledgerReportDocx(ledger: Ledger): Promise<Buffer> {
  const s = ledger.summary;
  const month = monthLabelZh(ledger.month);
  const closedOut = ledger.rows.filter((r) => r.closedOut);
  const children: Array<Paragraph | Table> = [
    p(`${ledger.scopeName}百案攻坚月度督查报告`, { bold: true, size: 40, align: AlignmentType.CENTER, font: TITLE_FONT }),
    p(`（${month}）`, { align: AlignmentType.CENTER }),
    p(`统计期间：${ledger.firstDate} 至 ${ledger.lastDate}${ledger.partial ? '（本月尚未结束，数据截至报告生成时）' : ''}`),
    p(`统计范围：${ledger.scopeName}`),
    p(`生成时间：${formatChinaDateTime(new Date(ledger.generatedAt))}`),
    heading('一、总体情况'),
    p(
      `本月百案攻坚台账共列案件 ${s.total} 件，其中领导包案 ${s.owned} 件、积案 ${s.backlog} 件；本月新增包案 ${s.newAssignments} 件，销号 ${s.closedOut} 件，` +
        `月末仍在办 ${s.stillOpen} 件（其中超期 ${s.overdue} 件）。已滚动审查 ${s.reviewed} 件，进展正常 ${s.onTrack} 件、进展滞后 ${s.delayed} 件。` +
        `本月催办督办 ${ledger.supervisions.length} 次。`,
    ),
    table(
      ['台账案件', '领导包案', '积案', '本月新增', '本月销号', '仍在办', '超期', '已审查'],
      [[s.total, s.owned, s.backlog, s.newAssignments, s.closedOut, s.stillOpen, s.overdue, s.reviewed].map(String)],
    ),
    heading('二、台账案件'),
    ledger.rows.length
      ? table(
          ['序号', '案件编号', '标题', '主办单位', '包案领导', '状态', '办理期限', '超期天数', '本月进展'],
          ledger.rows.map((r, i) => [
            String(i + 1),
            r.number,
            r.title,
            r.leadUnitName ?? '',
            r.ownerLeaderName ?? '',
            r.stateLabel,
            r.dueDate ?? '',
            r.overdueDays ? String(r.overdueDays) : '',
            r.review ? `${r.review.statusLabel}：${r.review.progress}` : '未审查',
          ]),
        )
      : p('本月台账无案件。'),
    heading('三、本月催办督办'),
    ledger.supervisions.length
      ? table(
          ['案件编号', '方式', '督办对象', '事由', '下达日期', '回复期限', '回复情况'],
          ledger.supervisions.map((x) => [
            x.number,
            x.kindLabel,
            x.targetUnitName ?? '',
            x.reason,
            date(x.createdAt),
            date(x.replyDueAt),
            x.repliedAt ? `已于 ${date(x.repliedAt)} 回复` : x.escalatedAt ? '逾期未回复，已升级督办' : '未回复',
          ]),
        )
      : p('本月无催办督办事项。'),
    heading('四、本月销号案件'),
    closedOut.length
      ? table(
          ['案件编号', '标题', '主办单位', '包案领导', '销号日期', '结果'],
          closedOut.map((r) => [r.number, r.title, r.leadUnitName ?? '', r.ownerLeaderName ?? '', date(r.closedOutAt), r.stateLabel]),
        )
      : p('本月无销号案件。'),
  ];
  const doc = new Document({
    creator: 'xinfang',
    title: `${ledger.scopeName}百案攻坚月度督查报告（${month}）`,
    styles: { default: { document: { run: { font: BODY_FONT, size: 28 } } } },
    sections: [
      {
        properties: { page: { size: { orientation: PageOrientation.LANDSCAPE }, margin: { top: 1134, bottom: 1134, left: 1134, right: 1134 } } },
        children,
      },
    ],
  });
  return Packer.toBuffer(doc);
}

/**
 * Extreme statements (极端言论) in a petition's Chinese text: threats of self-harm or of violence
 * (DOMAIN.md §6: urgent, to a named person at once). Pure: the phrase list below is the one place to
 * extend, and the detector is a scan with a small window of context on each side of a hit.
 *
 * Recall over precision: a missed threat costs more than a false alarm (a false alarm is withdrawn in
 * one step), so only what clearly is not a threat is dropped:
 * - a negation right before the phrase, in the same clause ("不会自杀", "没想过跳楼", "绝不会报复社会") — but
 *   not a negation that is itself the threat ("不想活了" is a phrase of its own);
 * - prevention, safety and news wording in the same sentence ("防止跳楼事故", "消防安全宣传", "自杀干预热线");
 * - everyday words are not phrases: "拼命工作", "手机炸了", "每天喝药" are left out of the list on purpose
 *   (only 喝农药, 跟他们拼了 …); what remains ambiguous ("炸掉", "弄死") is kept: a rare false alarm is cheap.
 * A threat marker ("我就", "再不解决", "逼我" …) in the same clause as a negation, or in the same sentence as
 * benign words, keeps the hit ("不要逼我跳楼", "这不是演练，再不解决我就去跳楼").
 */

export type ExtremeKind = 'self_harm' | 'violence';

/**
 * The phrases, by kind. Each is matched literally; keep them short and unambiguous, most specific
 * first within a kind (a longer phrase wins over a shorter one it contains).
 */
export const EXTREME_PHRASES: Readonly<Record<ExtremeKind, readonly string[]>> = {
  self_harm: [
    '不想活了', '活不下去', '不活了', '寻短见', '轻生', '自杀', '跳楼', '跳河', '跳江', '跳桥', '喝农药', '喝敌敌畏', '喝百草枯',
    '服毒', '上吊', '自焚', '割腕', '卧轨', '一死了之', '死给你们看', '死在你们', '以死明志', '以死相逼', '结束自己的生命',
  ],
  violence: [
    '同归于尽', '报复社会', '杀了他', '杀了她', '杀了你', '杀他全家', '杀人', '砍人', '砍死', '捅死', '弄死', '炸掉',
    '炸药', '放火', '纵火', '烧了他', '烧死', '泼汽油', '血债血偿', '跟他们拼了', '跟你们拼了', '鱼死网破', '让他们付出代价',
  ],
};

/** Negations that, right before a phrase, undo it ("不会自杀"). Checked in the few characters before the hit. */
const NEGATIONS = ['不会', '不要', '不能', '不准', '没有', '没想', '从没', '从未', '绝不', '并非', '并不', '不是', '不可', '别', '勿', '严禁', '禁止', '防止', '预防', '杜绝', '避免'];

/** Wording around a phrase that marks prevention, safety education or reporting, not a threat. */
const BENIGN_CONTEXT = ['消防', '防火', '安全宣传', '安全教育', '安全隐患', '安全检查', '演练', '干预', '心理援助', '热线', '宣传', '事故', '新闻', '报道', '电视剧', '电影', '小说', '游戏'];

/** Conditional-threat wording: with it, the hit stands even next to benign words ("再不解决，我就去跳楼，这不是演练"). */
const THREAT_MARKERS = ['我就', '我要', '我会', '我们就', '我们要', '就去', '只能', '逼我', '再不', '不解决', '不给', '大不了'];

export interface ExtremeMatch {
  phrase: string;
  kind: ExtremeKind;
  /** index of the phrase in the text */
  index: number;
  /** the sentence it was found in (trimmed to 120 characters), for the warning's detail */
  excerpt: string;
}

export interface ExtremeStatementResult {
  /** at least one threat found */
  found: boolean;
  /** self_harm, violence or both, in that order */
  kinds: ExtremeKind[];
  /** the distinct phrases, in order of first appearance */
  phrases: string[];
  matches: ExtremeMatch[];
}

const NEGATION_WINDOW = 4;
/** At most this many matches are returned (the earliest); kinds and phrases still cover every hit. */
export const MAX_EXTREME_MATCHES = 20;
const isSentenceEnd = (c: string) => '。！？!?；;\n'.includes(c);
const isClauseEnd = (c: string) => '，,、：:。！？!?；;\n'.includes(c);

/**
 * Given a text, returns the extreme statements in it (empty when none). Linear in the text's length
 * (public input of up to 10,000 characters): sentence and clause boundaries are computed once, each
 * sentence's and clause's wording is checked once, and a hit is then decided in constant time.
 */
export function detectExtremeStatements(text: string): ExtremeStatementResult {
  const n = text.length;
  // sentFrom[i] / clauseFrom[i]: where the sentence / clause holding position i starts;
  // sentTo[i] / clauseTo[i]: the first sentence / clause end at or after i (n when none).
  const sentFrom = new Int32Array(n + 1);
  const clauseFrom = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    const c = text[i - 1]!;
    sentFrom[i] = isSentenceEnd(c) ? i : sentFrom[i - 1]!;
    clauseFrom[i] = isClauseEnd(c) ? i : clauseFrom[i - 1]!;
  }
  const sentTo = new Int32Array(n + 1);
  const clauseTo = new Int32Array(n + 1);
  sentTo[n] = n;
  clauseTo[n] = n;
  for (let i = n - 1; i >= 0; i--) {
    const c = text[i]!;
    sentTo[i] = isSentenceEnd(c) ? i : sentTo[i + 1]!;
    clauseTo[i] = isClauseEnd(c) ? i : clauseTo[i + 1]!;
  }
  const sentences = new Map<number, { benign: boolean; threat: boolean; excerpt: string }>();
  const sentenceAt = (from: number) => {
    let s = sentences.get(from);
    if (!s) {
      const body = text.slice(from, sentTo[from]!);
      const trimmed = body.trim();
      s = {
        benign: BENIGN_CONTEXT.some((w) => body.includes(w)),
        threat: THREAT_MARKERS.some((m) => body.includes(m)),
        excerpt: trimmed.length > 120 ? `${trimmed.slice(0, 119)}…` : trimmed,
      };
      sentences.set(from, s);
    }
    return s;
  };
  const clauseThreat = new Map<number, boolean>();
  const clauseHasThreat = (from: number) => {
    let t = clauseThreat.get(from);
    if (t === undefined) {
      const body = text.slice(from, clauseTo[from]!);
      t = THREAT_MARKERS.some((m) => body.includes(m));
      clauseThreat.set(from, t);
    }
    return t;
  };

  const hits: Array<{ phrase: string; kind: ExtremeKind; index: number }> = [];
  const taken = new Uint8Array(n);
  const all = (Object.entries(EXTREME_PHRASES) as Array<[ExtremeKind, readonly string[]]>)
    .flatMap(([kind, list]) => list.map((phrase) => ({ kind, phrase })))
    .sort((a, b) => b.phrase.length - a.phrase.length);
  for (const { kind, phrase } of all) {
    for (let i = text.indexOf(phrase); i >= 0; i = text.indexOf(phrase, i + 1)) {
      const end = i + phrase.length;
      if (taken.subarray(i, end).includes(1)) continue; // inside a longer phrase already found
      const sentence = sentenceAt(sentFrom[i]!);
      const cf = clauseFrom[i]!;
      // the characters right before the phrase, not crossing into the previous clause
      const before = text.slice(Math.max(cf, i - NEGATION_WINDOW), i);
      // "不会自杀" is no threat; "不要逼我跳楼" is one: the threat marker in the same clause decides
      if (NEGATIONS.some((w) => before.includes(w)) && !clauseHasThreat(cf)) continue;
      if (sentence.benign && !sentence.threat) continue;
      taken.fill(1, i, end);
      hits.push({ phrase, kind, index: i });
    }
  }
  hits.sort((a, b) => a.index - b.index);
  const matches: ExtremeMatch[] = hits.slice(0, MAX_EXTREME_MATCHES).map((h) => ({ ...h, excerpt: sentenceAt(sentFrom[h.index]!).excerpt }));
  const phrases = [...new Set(hits.map((m) => m.phrase))];
  const kinds = (['self_harm', 'violence'] as const).filter((k) => hits.some((m) => m.kind === k));
  return { found: hits.length > 0, kinds, phrases, matches };
}

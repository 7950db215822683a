/**
 * Chinese segmentation for search and matching: jieba's dictionary plus xinfang's domain words
 * (信访人, 占道经营, 拖欠工资 … in lexicon/xinfang.dict.txt), passed in as bytes so this stays pure.
 *
 * Documents are indexed in jieba's search mode (a long word also yields its parts: 拖欠工资 → 拖欠,
 * 工资, 拖欠工资); queries are cut precisely and matched as prefixes, so 占道 finds 占道经营.
 */
import { Jieba, TfIdf } from '@node-rs/jieba';
import { dict as jiebaDict, idf as jiebaIdf } from '@node-rs/jieba/dict.js';

/** A token worth indexing: letters or digits of any script (punctuation, spaces and symbols are dropped). */
const WORD = /^[\p{L}\p{N}]+$/u;
/** Function words that carry no meaning for search: matching on them returns everything. */
const STOP_WORDS = new Set(['的', '了', '是', '在', '和', '与', '及', '或', '也', '都', '就', '把', '被', '对', '从', '到', '等', '啊', '吗', '呢', '吧', '我', '我们', '你', '您', '他', '她', '它', '这', '那', '有', '没有', '一个']);
/** Words every petition uses (信访人反映……希望处理): they say nothing about which matter it is. */
const GENERIC_WORDS = new Set(['信访', '信访人', '诉求人', '来电人', '市民', '群众', '反映', '问题', '情况', '希望', '要求', '请求', '处理', '解决', '相关', '部门', '有关', '领导', '政府', '目前', '现在', '一直', '已经', '多次', '尽快', '及时', '谢谢', '您好', '你好']);
/** A searchable text is bounded: the tail of a very long letter adds little and costs index space. */
const MAX_INDEXED_CHARS = 20_000;

export interface Segmenter {
  /** Given a text, returns its words in order (precise mode), without punctuation and stop words. */
  words(text: string): string[];
  /** Given a document, returns its distinct search tokens (search mode), lower-cased, space-joined. */
  searchText(...parts: string[]): string;
  /** Given a text, returns its most telling words (TF-IDF over jieba's corpus), best first. */
  keywords(text: string, top: number): string[];
  /**
   * Given dictionary lines ("word freq tag", one a line), adds the words to the live dictionary:
   * texts cut from now on know them (~1 ms). An admin's word list (services/lexicon.ts).
   */
  addWords(lines: string): void;
  /**
   * Given the admins' whole word list as dictionary lines, makes it the list in force: only adds
   * when nothing is taken away, else rebuilds the dictionary from jieba's, the domain file and these
   * (jieba cannot unload a word; a rebuild takes ~0.35 s and blocks the process meanwhile).
   */
  replaceWords(lines: string): void;
}

/** Given extra dictionary lines ("word freq tag"), returns a segmenter over jieba's dictionary plus them. */
export function createSegmenter(extraDictionary?: Uint8Array): Segmenter {
  const build = () => {
    const j = Jieba.withDict(jiebaDict);
    if (extraDictionary?.length) j.loadDict(extraDictionary);
    return j;
  };
  let jieba = build();
  /** the admins' words in force, word → its dictionary line */
  let added = new Map<string, string>();
  const tfidf = TfIdf.withDict(jiebaIdf);
  const keep = (w: string) => WORD.test(w) && !STOP_WORDS.has(w);
  const addWords = (lines: string) => {
    const parsed = parseDictionaryLines(lines);
    if (!parsed.size) return;
    jieba.loadDict(new TextEncoder().encode([...parsed.values()].join('\n') + '\n'));
    for (const [w, line] of parsed) added.set(w, line);
  };
  return {
    words(text) {
      return jieba.cut(text, true).map((w) => w.trim().toLowerCase()).filter(keep);
    },
    searchText(...parts) {
      const text = parts.join('\n').slice(0, MAX_INDEXED_CHARS);
      const seen = new Set<string>();
      for (const raw of jieba.cutForSearch(text, true)) {
        const w = raw.trim().toLowerCase();
        if (keep(w)) seen.add(w);
      }
      return [...seen].join(' ');
    },
    keywords(text, top) {
      const out: string[] = [];
      for (const k of tfidf.extractKeywords(jieba, text.slice(0, MAX_INDEXED_CHARS), top + GENERIC_WORDS.size)) {
        const w = k.keyword.trim().toLowerCase();
        if (keep(w) && !GENERIC_WORDS.has(w) && [...w].length >= 2) out.push(w);
        if (out.length === top) break;
      }
      return out;
    },
    addWords,
    replaceWords(lines) {
      const wanted = parseDictionaryLines(lines);
      const keepsAll = [...added].every(([w, line]) => wanted.get(w) === line);
      if (!keepsAll) {
        jieba = build();
        added = new Map();
      }
      const missing = [...wanted].filter(([w, line]) => added.get(w) !== line).map(([, line]) => line);
      if (missing.length) addWords(missing.join('\n'));
    },
  };
}

/** Given dictionary text, returns its well-formed lines ("word [freq] [tag]", normalised) by word. */
function parseDictionaryLines(lines: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of lines.split(/\r?\n/)) {
    const [word, freq, tag] = raw.trim().split(/\s+/);
    if (!word || !WORD.test(word) || (freq !== undefined && !/^\d{1,9}$/.test(freq)) || (tag !== undefined && !/^[a-z]{1,4}$/.test(tag))) continue;
    out.set(word, [word, freq, tag].filter((x) => x !== undefined).join(' '));
  }
  return out;
}

/**
 * Given query words, returns a PostgreSQL tsquery string that requires every word as a prefix
 * ('占道':* & '经营':*), or null when nothing searchable is left. Words are letters and digits only
 * (see WORD), so they need no escaping inside the quotes.
 */
export function prefixTsQuery(words: readonly string[]): string | null {
  const safe = [...new Set(words.filter((w) => WORD.test(w)))];
  if (!safe.length) return null;
  return safe.map((w) => `'${w}':*`).join(' & ');
}

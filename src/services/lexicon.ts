/**
 * The admins' segmentation dictionary (DOMAIN/ARCHITECTURE: jieba plus a domain dictionary "that
 * admins can extend"): words in lexicon_words, on top of jieba's dictionary and
 * lexicon/xinfang.dict.txt. Loaded into the process's segmenter at boot; an added word is loaded at
 * once (~1 ms); a removed word rebuilds the segmenter's dictionary in place (~0.35 s, since jieba
 * cannot unload a word), so both take effect in this process without a restart. Other app instances
 * over the same PostgreSQL load the list when they start.
 *
 * A new word changes how texts are cut from then on: cases registered afterwards are indexed with
 * it; older cases keep their tokens until the index is rebuilt (services/search-reindex.ts).
 */
import { asc, eq } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import { lexiconWords, users } from '../store/schema.js';
import { writeAudit } from './audit-log.js';
import type { AppContext, StaffActor } from './context.js';

/** Parts of speech an admin may give a word (jieba's tag set, the ones a petition uses). */
export const LEXICON_TAGS = ['n', 'nz', 'ns', 'nt', 'nr', 'v', 'vn', 'a', 'l', 'i'] as const;
export type LexiconTag = (typeof LEXICON_TAGS)[number];
/** Letters and digits of any script, 1–20 of them: what the segmenter keeps as a word. */
export const LEXICON_WORD = /^[\p{L}\p{N}]{1,20}$/u;
/** The domain file's usual weight: high enough for jieba to prefer the word over its parts. */
export const DEFAULT_FREQ = 2000;
export const MAX_FREQ = 10_000_000;

export const LEXICON_NOTE =
  '新增的词立即用于此后的分词：之后登记的案件按新词建立检索词和关键词；已有案件需“重建检索索引”后才按新词检索。删除的词在本服务实例中立即不再使用（重建词典约 0.35 秒）；同一数据库上的其他服务实例在重启后生效。';

export interface LexiconWordView {
  word: string;
  freq: number;
  tag: string;
  createdAt: string;
  createdBy: { id: string; name: string | null } | null;
}

/** Given a context, loads every admin word into its segmenter (at boot); returns how many. */
export async function loadLexicon(ctx: Pick<AppContext, 'db' | 'segmenter' | 'logger'>): Promise<number> {
  const rows = await ctx.db.select({ word: lexiconWords.word, freq: lexiconWords.freq, tag: lexiconWords.tag }).from(lexiconWords);
  ctx.segmenter.replaceWords(rows.map(dictionaryLine).join('\n'));
  if (rows.length) ctx.logger.info({ words: rows.length }, '已加载管理员维护的分词词典 (admin lexicon loaded)');
  return rows.length;
}

/** Returns the admins' words, alphabetically, with who added them. */
export async function listLexiconWords(ctx: AppContext): Promise<{ items: LexiconWordView[]; tags: readonly string[]; note: string }> {
  const rows = await ctx.db
    .select({ word: lexiconWords.word, freq: lexiconWords.freq, tag: lexiconWords.tag, createdAt: lexiconWords.createdAt, createdBy: lexiconWords.createdBy, name: users.displayName })
    .from(lexiconWords)
    .leftJoin(users, eq(users.id, lexiconWords.createdBy))
    .orderBy(asc(lexiconWords.word));
  return {
    items: rows.map((r) => ({ word: r.word, freq: r.freq, tag: r.tag, createdAt: r.createdAt.toISOString(), createdBy: r.createdBy ? { id: r.createdBy, name: r.name ?? null } : null })),
    tags: LEXICON_TAGS,
    note: LEXICON_NOTE,
  };
}

export interface NewLexiconWord {
  word: string;
  freq?: number;
  tag?: LexiconTag;
}

/** Given a word, stores it (or its new weight and tag; audited) and loads it into the segmenter; returns it. */
export async function addLexiconWord(ctx: AppContext, actor: StaffActor, input: NewLexiconWord): Promise<{ word: LexiconWordView; note: string }> {
  const word = input.word.trim();
  if (!LEXICON_WORD.test(word)) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'word', message: '词须为 1–20 个汉字、字母或数字' }] });
  const freq = input.freq ?? DEFAULT_FREQ;
  if (!Number.isInteger(freq) || freq < 1 || freq > MAX_FREQ) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'freq', message: `词频须为 1 至 ${MAX_FREQ} 的整数` }] });
  const tag = input.tag ?? 'n';
  if (!LEXICON_TAGS.includes(tag)) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'tag', message: '词性不在允许的范围内' }] });
  const now = ctx.now();
  const row = await ctx.db.transaction(async (tx) => {
    const [stored] = await tx
      .insert(lexiconWords)
      .values({ word, freq, tag, createdAt: now, createdBy: actor.userId })
      .onConflictDoUpdate({ target: lexiconWords.word, set: { freq, tag } })
      .returning();
    await writeAudit(ctx, { actorId: actor.userId, action: 'lexicon.word_added', targetType: 'lexicon_word', targetId: word, data: { word, freq, tag } }, tx);
    return stored!;
  });
  // After the commit: a rolled-back word never reaches the segmenter.
  ctx.segmenter.addWords(dictionaryLine(row));
  return { word: { word: row.word, freq: row.freq, tag: row.tag, createdAt: row.createdAt.toISOString(), createdBy: row.createdBy ? { id: row.createdBy, name: row.createdBy === actor.userId ? actor.displayName : null } : null }, note: LEXICON_NOTE };
}

/** Given a stored word, removes it (audited) and rebuilds the segmenter's dictionary without it. */
export async function removeLexiconWord(ctx: AppContext, actor: StaffActor, word: string): Promise<{ removed: string; note: string }> {
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx.delete(lexiconWords).where(eq(lexiconWords.word, word)).returning();
    if (!row) throw new AppError('LEXICON_WORD_NOT_FOUND', { word });
    await writeAudit(ctx, { actorId: actor.userId, action: 'lexicon.word_removed', targetType: 'lexicon_word', targetId: word, data: { word, freq: row.freq, tag: row.tag } }, tx);
  });
  await loadLexicon(ctx);
  return { removed: word, note: LEXICON_NOTE };
}

/** Given a sentence, returns how the segmenter cuts it now: words (as queries are cut), search tokens, keywords. */
export function cutSentence(ctx: Pick<AppContext, 'segmenter'>, text: string): { words: string[]; searchTokens: string[]; keywords: string[] } {
  const searchText = ctx.segmenter.searchText(text);
  return { words: ctx.segmenter.words(text), searchTokens: searchText ? searchText.split(' ') : [], keywords: ctx.segmenter.keywords(text, 8) };
}

/** Given a stored word, returns its dictionary line "word freq tag". */
function dictionaryLine(r: { word: string; freq: number; tag: string }): string {
  return `${r.word} ${r.freq} ${r.tag}`;
}

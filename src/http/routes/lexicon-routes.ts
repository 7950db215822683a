/**
 * The admins' segmentation dictionary: list, add, remove words, try how a sentence is cut, and
 * rebuild the cases' search index with the dictionary as it is now. Admins only; the effects and
 * their limits are in services/lexicon.ts and services/search-reindex.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../services/context.js';
import { LEXICON_TAGS, LEXICON_WORD, MAX_FREQ, addLexiconWord, cutSentence, listLexiconWords, removeLexiconWord } from '../../services/lexicon.js';
import { reindexStatus, startSearchReindex } from '../../services/search-reindex.js';
import { actorOf } from '../auth-plugin.js';
import { text } from '../schemas.js';

const word = z.string().trim().regex(LEXICON_WORD, '词须为 1–20 个汉字、字母或数字（不含空格和标点）');

const AddBody = z.strictObject({
  word: word.describe('新词，1–20 个汉字、字母或数字'),
  freq: z.number().int().min(1).max(MAX_FREQ).optional().describe('词频（越大越倾向于整体切出），默认 2000'),
  tag: z.enum(LEXICON_TAGS).optional().describe('词性：n 名词、nz 专名、ns 地名、nt 机构名、nr 人名、v 动词、vn 名动词、a 形容词、l 习用语、i 成语；默认 n'),
});

export const lexiconRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const admin = { auth: 'staff', roles: ['admin'] } as const;
  const tags = ['admin'];

  app.get('/api/admin/lexicon', {
    config: admin,
    schema: { tags, summary: '管理员扩充的分词词典（在结巴词典和内置信访词典之上），附生效说明' },
  }, async () => listLexiconWords(ctx));

  app.post('/api/admin/lexicon', {
    config: admin,
    schema: { tags, summary: '新增一个词（已有则更新词频和词性；记入审计日志），立即用于此后的分词', body: AddBody },
  }, async (req, reply) => {
    reply.status(201);
    return addLexiconWord(ctx, actorOf(req), req.body);
  });

  app.delete('/api/admin/lexicon/:word', {
    config: admin,
    schema: { tags, summary: '删除一个词（记入审计日志）；本实例立即重建词典，其他实例重启后生效', params: z.object({ word: z.string().max(64) }) },
  }, async (req) => removeLexiconWord(ctx, actorOf(req), req.params.word));

  app.post('/api/admin/lexicon/cut', {
    config: admin,
    schema: { tags, summary: '试分词：按当前词典切分一句话（检索词、检索用的细分词、关键词）', body: z.strictObject({ text: text(1, 500) }) },
  }, async (req) => cutSentence(ctx, req.body.text));

  app.get('/api/admin/lexicon/reindex', {
    config: admin,
    schema: { tags, summary: '重建检索索引的进度（本服务实例）' },
  }, async () => reindexStatus(ctx));

  app.post('/api/admin/lexicon/reindex', {
    config: admin,
    schema: { tags, summary: '重建检索索引：按当前词典重新切分所有案件的检索词和关键词（后台分批进行；已在进行时返回其进度）' },
  }, async (req, reply) => {
    reply.status(202);
    return startSearchReindex(ctx, actorOf(req));
  });
};

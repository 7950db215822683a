/**
 * Category questions: the admin's editor (list with the inherited ones, create, change, remove or
 * deactivate) and the public read every form uses to ask them — without login, since the citizen's
 * portal needs it, and cacheable for a minute.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { QUESTION_CODE, QUESTION_DATATYPES } from '../../domain/categories/answers.js';
import { MAX_OPTION_NAME, MAX_QUESTION_HINT, MAX_QUESTION_LABEL, MAX_QUESTION_OPTIONS, OPTION_KEY } from '../../domain/categories/question-rules.js';
import type { AppContext } from '../../services/context.js';
import { createQuestion, listAskedQuestions, listQuestionsForAdmin, removeQuestion, updateQuestion } from '../../services/category-question-admin.js';
import { actorOf } from '../auth-plugin.js';
import { text } from '../schemas.js';

const categoryCode = z.string().regex(/^(\d{2}){1,3}$/, '分类编码为 2、4 或 6 位数字');
const questionCode = z.string().regex(QUESTION_CODE, '问题编码以小写字母开头，只含小写字母、数字和下划线，最长 40 位');
const CodeParam = z.object({ code: categoryCode });
const QuestionParam = z.object({ code: categoryCode, qcode: questionCode });
const Option = z.strictObject({
  key: text(1, 40).regex(OPTION_KEY, '选项值只能包含字母、数字、点、下划线和连字符'),
  name: text(1, MAX_OPTION_NAME),
});
const options = z.array(Option).max(MAX_QUESTION_OPTIONS);
const label = text(1, MAX_QUESTION_LABEL);
const hint = text(0, MAX_QUESTION_HINT).nullish();
const sort = z.number().int().min(0).max(100_000);

export const categoryQuestionRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const admin = { auth: 'staff', roles: ['admin'] } as const;
  const publicLimit = { rateLimit: { max: ctx.config.PUBLIC_RATE_LIMIT_PER_MINUTE, timeWindow: '1 minute' } };

  app.get('/api/categories/:code/questions', {
    config: publicLimit,
    schema: { tags: ['categories'], summary: '该分类（含上级分类）在用的补充问题，按提问顺序（无需登录）', params: CodeParam },
  }, async (req, reply) => {
    const out = await listAskedQuestions(ctx, req.params.code);
    reply.header('cache-control', 'public, max-age=60');
    return out;
  });

  app.get('/api/admin/categories/:code/questions', {
    config: admin,
    schema: { tags: ['admin'], summary: '分类的补充问题：本分类的（含已停用）与继承自上级分类的', params: CodeParam },
  }, async (req) => listQuestionsForAdmin(ctx, req.params.code));

  app.post('/api/admin/categories/:code/questions', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '新增补充问题（编码与类型创建后不可改；编码在上下级分类间不得重复）',
      params: CodeParam,
      body: z.strictObject({
        code: questionCode,
        datatype: z.enum(QUESTION_DATATYPES),
        label,
        hint,
        required: z.boolean().optional(),
        sort: sort.optional(),
        options: options.optional(),
      }),
    },
  }, async (req, reply) => {
    reply.status(201);
    return createQuestion(ctx, actorOf(req), req.params.code, req.body);
  });

  app.patch('/api/admin/categories/:code/questions/:qcode', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '修改补充问题的文字、说明、必答、排序、选项或启停（已被选用的选项不能删除）',
      params: QuestionParam,
      body: z.strictObject({ label: label.optional(), hint, required: z.boolean().optional(), sort: sort.optional(), options: options.optional(), active: z.boolean().optional() }),
    },
  }, async (req) => updateQuestion(ctx, actorOf(req), req.params.code, req.params.qcode, req.body));

  app.delete('/api/admin/categories/:code/questions/:qcode', {
    config: admin,
    schema: { tags: ['admin'], summary: '删除补充问题；已有案件回答过的改为停用', params: QuestionParam },
  }, async (req) => removeQuestion(ctx, actorOf(req), req.params.code, req.params.qcode));
};

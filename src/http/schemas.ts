/**
 * Zod schemas shared by routes: the shapes of case input and commands. Strings refuse NUL and
 * other control characters (PostgreSQL text cannot hold NUL; nothing good comes of the rest).
 */
import { z } from 'zod';
import { CHANNELS, NATURES, TYPES_12345, URGENCIES } from '../domain/case-fields.js';
import { LEGAL_CHANNELS, REPLY_OPINIONS, type CommandType } from '../domain/lifecycle/types.js';
import { MAX_STRING_ANSWER, MAX_TEXT_ANSWER, QUESTION_CODE } from '../domain/categories/answers.js';

// Field-level messages in details.fields speak Chinese too (zod's own zh-CN locale).
z.config(z.locales.zhCN());

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/**
 * A UTF-16 surrogate without its partner (JSON can carry one as an escaped `\ud800`): it has no
 * UTF-8 form, so the driver would silently store U+FFFD in a text column, and jsonb refuses it
 * outright (a 500). In `u` mode a class of surrogates matches only unpaired ones.
 */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** Given a string, returns whether it is free of control characters and unpaired surrogates. */
export const isCleanText = (s: string) => !CONTROL.test(s) && !LONE_SURROGATE.test(s);
/** Given length bounds, returns a trimmed text schema that refuses control characters and broken UTF-16. */
export const text = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((s) => !CONTROL.test(s), { message: '含有不允许的控制字符' })
    .refine((s) => !LONE_SURROGATE.test(s), { message: '含有无法识别的字符' });

export const uuid = z.string().uuid();

export const PetitionerSchema = z.strictObject({
  name: text(1, 50),
  phone: text(3, 30).nullish(),
  idNumber: text(15, 25).nullish(),
  address: text(1, 200).nullish(),
  representative: z.boolean().optional(),
});

export const LocationSchema = z.strictObject({
  address: text(1, 200).nullish(),
  lat: z.number().min(-90).max(90).nullish(),
  lng: z.number().min(-180).max(180).nullish(),
});

/**
 * Answers to the category's questions, by question code: a string, a number, or the chosen keys of a
 * multi-value list. Each is checked against its question by the intake (domain/categories/answers.ts).
 */
export const AnswersSchema = z
  .record(z.string().regex(QUESTION_CODE, '问题编码不正确'), z.union([text(0, MAX_TEXT_ANSWER), z.number().finite(), z.array(text(0, MAX_STRING_ANSWER)).max(50)]))
  .refine((a) => Object.keys(a).length <= 100, { message: '回答过多' });

const caseBody = {
  title: text(2, 100),
  content: text(5, 10_000),
  category: text(2, 12).nullish(),
  gridId: uuid.nullish(),
  location: LocationSchema.nullish(),
  answers: AnswersSchema.optional(),
};

/** POST /api/public/cases: what a citizen sends without an account. */
export const PublicCaseSchema = z.strictObject({
  ...caseBody,
  channel: z.enum(['online', 'qr']).default('online'),
  nature: z.enum(NATURES).default('appeal'),
  type12345: z.enum(TYPES_12345).nullish(),
  petitioner: PetitionerSchema,
  confidential: z.boolean().optional(),
});

/** POST /api/cases: staff intake (phone, letter, visit, reception day, grid report, 12345 transfer). */
export const StaffCaseSchema = z.strictObject({
  ...caseBody,
  channel: z.enum(CHANNELS),
  nature: z.enum(NATURES),
  type12345: z.enum(TYPES_12345).nullish(),
  urgency: z.enum(URGENCIES).optional(),
  petitioners: z.array(PetitionerSchema).min(1).max(500),
  confidential: z.boolean().optional(),
  accusedUnitIds: z.array(uuid).max(10).optional(),
  ownerLeaderId: uuid.nullish(),
  receivedAt: z.iso.datetime({ offset: true }).optional(),
  returnedFromHigherLevel: z.boolean().optional(),
  acceptNow: z.boolean().optional(),
  /** 繁简分流: an inquiry or simple matter answered at the window or on the line, in the same step. */
  answerNow: text(1, 5000).optional(),
}).refine((b) => !(b.acceptNow && b.answerNow), { path: ['answerNow'], message: '当场答复与立即受理只能选一项' });

/** POST /api/intake/hints: what the registrar has typed so far (all optional; half-typed numbers find nothing). */
export const IntakeHintsSchema = z.strictObject({
  petitioners: z.array(z.strictObject({ idNumber: text(0, 64).nullish(), phone: text(0, 40).nullish() })).max(500).default([]),
  title: text(0, 100).nullish(),
  content: text(0, 10_000).nullish(),
});

const reason = text(1, 2000);
/** The body of POST /api/cases/:id/commands: one lifecycle command (domain/lifecycle/types.ts). */
export const CommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('accept'), note: text(0, 2000).optional() }),
  z.strictObject({ type: z.literal('refuse'), reason, legalChannel: z.enum(LEGAL_CHANNELS) }),
  z.strictObject({ type: z.literal('answer_on_spot'), answer: text(1, 5000) }),
  z.strictObject({ type: z.literal('dispatch'), leadUnitId: uuid, assistUnitIds: z.array(uuid).max(20).default([]), instructions: text(0, 2000).optional() }),
  z.strictObject({ type: z.literal('sign') }),
  z.strictObject({ type: z.literal('object'), reason }),
  z.strictObject({ type: z.literal('redispatch'), leadUnitId: uuid, assistUnitIds: z.array(uuid).max(20).default([]), reason }),
  z.strictObject({ type: z.literal('reject_objection'), reason }),
  z.strictObject({ type: z.literal('escalate'), toUnitId: uuid, reason }),
  z.strictObject({ type: z.literal('start_hearing'), place: text(0, 200).optional(), note: text(0, 2000).optional() }),
  z.strictObject({ type: z.literal('end_hearing'), conclusion: text(1, 5000) }),
  z.strictObject({ type: z.literal('record_mediation'), mediator: text(1, 100), outcome: z.enum(['agreement', 'no_agreement']), agreement: text(0, 5000).optional() }),
  z.strictObject({ type: z.literal('refer_joint_meeting'), attendees: z.array(text(1, 100)).min(1).max(100), decisions: text(1, 5000), leadUnitId: uuid, assistUnitIds: z.array(uuid).max(20).default([]) }),
  z.strictObject({ type: z.literal('note'), text: text(1, 5000) }),
  z.strictObject({ type: z.literal('contact_log'), method: z.enum(['phone', 'visit', 'sms', 'letter', 'other']), summary: text(1, 5000), reached: z.boolean() }),
  z.strictObject({ type: z.literal('request_extension'), days: z.number().int().min(1).max(365), reason }),
  z.strictObject({ type: z.literal('approve_extension'), days: z.number().int().min(1).max(365), note: text(0, 2000).optional() }),
  z.strictObject({ type: z.literal('reject_extension'), reason }),
  z.strictObject({ type: z.literal('reply'), opinion: z.enum(REPLY_OPINIONS), text: text(1, 20_000) }),
  z.strictObject({ type: z.literal('return_visit'), contacted: z.boolean(), solved: z.boolean(), satisfied: z.boolean(), method: z.enum(['phone', 'visit', 'sms', 'online']), note: text(0, 2000).optional() }),
  z.strictObject({ type: z.literal('close'), summary: text(0, 5000).optional() }),
  z.strictObject({ type: z.literal('rework'), reason }),
  z.strictObject({ type: z.literal('request_review'), reason }),
  z.strictObject({ type: z.literal('review_opinion'), opinion: z.enum(REPLY_OPINIONS), text: text(1, 20_000) }),
  z.strictObject({ type: z.literal('request_re_review'), reason }),
  z.strictObject({ type: z.literal('re_review_opinion'), opinion: z.enum(REPLY_OPINIONS), text: text(1, 20_000) }),
  z.strictObject({ type: z.literal('finalize'), reason }),
  z.strictObject({ type: z.literal('merge'), intoCaseId: uuid, reason: text(0, 2000).optional() }),
  z.strictObject({ type: z.literal('split'), parts: z.array(z.strictObject({ title: text(2, 100), content: text(5, 10_000) })).min(2).max(10) }),
  z.strictObject({ type: z.literal('withdraw'), reason }),
  z.strictObject({ type: z.literal('take_ownership'), note: text(0, 2000).optional() }),
  z.strictObject({ type: z.literal('chase'), reason, replyDueAt: z.iso.datetime({ offset: true }) }),
  z.strictObject({ type: z.literal('supervise'), reason, replyDueAt: z.iso.datetime({ offset: true }), listed: z.boolean().optional() }),
  z.strictObject({ type: z.literal('supervision_reply'), supervisionId: uuid, text: text(1, 5000) }),
]);

/** Commands a petitioner may send from the public portal. */
export const PublicCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('rate'), satisfied: z.boolean(), solved: z.boolean(), comment: text(0, 1000).optional() }),
  z.strictObject({ type: z.literal('request_review'), reason }),
  z.strictObject({ type: z.literal('request_re_review'), reason }),
  z.strictObject({ type: z.literal('withdraw'), reason }),
]);

/** Every domain command has an HTTP shape (staff or public): this fails to compile when one is added without it. */
export const EVERY_COMMAND_HAS_A_SCHEMA: [Exclude<CommandType, z.infer<typeof CommandSchema>['type'] | z.infer<typeof PublicCommandSchema>['type']>] extends [never] ? true : never = true;

export const ErrorSchema = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() });

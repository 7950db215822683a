/**
 * The one schema (drizzle). Migrations in src/store/migrations are generated from it with
 * `npm run db:generate` and never edited after they land.
 *
 * Every case-side table carries `region` and has it first in its primary key and every unique
 * constraint, so the tables can be distributed by region on Citus when one server is outgrown
 * (ARCHITECTURE.md, scale-out). Org, users and categories are small reference tables.
 */
import { sql } from 'drizzle-orm';
import { OPEN_STATES } from '../domain/lifecycle/transitions.js';
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const orgUnits = pgTable(
  'org_units',
  {
    id: uuid('id').primaryKey(),
    parentId: uuid('parent_id'),
    kind: text('kind').notNull(), // city | district | street | community | grid | micro_grid | department
    level: text('level'), // for departments: city | district
    name: text('name').notNull(),
    code: text('code').notNull(),
    /** Materialised path of ids, '/<root>/…/<self>/', so a subtree is one prefix match. */
    path: text('path').notNull(),
    depth: integer('depth').notNull(),
    region: text('region').notNull(),
    active: boolean('active').notNull().default(true),
    lat: doublePrecision('lat'),
    lng: doublePrecision('lng'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('org_units_code_uq').on(t.code),
    index('org_units_parent_idx').on(t.parentId),
    index('org_units_path_idx').using('btree', sql`${t.path} text_pattern_ops`),
  ],
);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    passwordHash: text('password_hash').notNull(),
    roles: text('roles').array().notNull(),
    unitId: uuid('unit_id').notNull(),
    scopeUnitId: uuid('scope_unit_id').notNull(),
    active: boolean('active').notNull().default(true),
    failedLogins: integer('failed_logins').notNull().default(0),
    lockedUntil: ts('locked_until'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_username_uq').on(t.username), index('users_unit_idx').on(t.unitId)],
);

export const sessions = pgTable(
  'sessions',
  {
    /** sha256 of the bearer token: a leaked table does not yield usable sessions. */
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const categories = pgTable(
  'categories',
  {
    code: text('code').primaryKey(),
    parentCode: text('parent_code'),
    name: text('name').notNull(),
    level: integer('level').notNull(),
    sort: integer('sort').notNull().default(0),
    active: boolean('active').notNull().default(true),
  },
  (t) => [index('categories_parent_idx').on(t.parentCode)],
);

/**
 * Category-specific questions (e.g. 路灯损坏: 灯杆编号): asked when a case of the category, or of a
 * subcategory, is submitted; Open311 publishes them as a service definition's attributes.
 */
export const categoryQuestions = pgTable(
  'category_questions',
  {
    categoryCode: text('category_code').notNull(),
    code: text('code').notNull(),
    sort: integer('sort').notNull().default(0),
    /** string | number | datetime | text | singlevaluelist | multivaluelist (the GeoReport v2 datatypes) */
    datatype: text('datatype').notNull(),
    required: boolean('required').notNull().default(false),
    /** the question as asked */
    label: text('label').notNull(),
    /** how to answer it (格式说明) */
    hint: text('hint'),
    /** for the list types: the choices, [{ key, name }] */
    options: jsonb('options').notNull().default(sql`'[]'::jsonb`),
    active: boolean('active').notNull().default(true),
  },
  (t) => [primaryKey({ columns: [t.categoryCode, t.code] })],
);

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const caseCounters = pgTable(
  'case_counters',
  {
    region: text('region').notNull(),
    year: integer('year').notNull(),
    last: integer('last').notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.year] })],
);

/** "The case is open", spelled out with constants so that a partial index's predicate and a query's condition match. */
export const OPEN_STATE_SQL = sql.raw(`state in (${OPEN_STATES.map((st) => `'${st}'`).join(', ')})`);

export const cases = pgTable(
  'cases',
  {
    region: text('region').notNull(),
    id: uuid('id').notNull(),
    number: text('number').notNull(),
    /** HMAC of the query code: the code itself is shown once, to the petitioner. */
    queryCodeHash: text('query_code_hash').notNull(),
    channel: text('channel').notNull(),
    nature: text('nature').notNull(),
    type12345: text('type_12345'),
    categoryCode: text('category_code'),
    title: text('title').notNull(),
    content: text('content').notNull(),
    /** Title and content cut into search tokens by jieba (domain/text/segment.ts), for full-text search. */
    searchText: text('search_text').notNull().default(''),
    urgency: text('urgency').notNull(),
    state: text('state').notNull(),
    ruleSetId: text('rule_set_id').notNull(),
    /** The unit where the case arose or was received (grid for QR/grid reports, reception unit otherwise). */
    ownerUnitId: uuid('owner_unit_id').notNull(),
    gridUnitId: uuid('grid_unit_id'),
    leadUnitId: uuid('lead_unit_id'),
    assistUnitIds: uuid('assist_unit_ids').array().notNull().default(sql`'{}'::uuid[]`),
    ownerLeaderId: uuid('owner_leader_id'),
    /** Paths of owner, lead and assisting units: the scope filter matches a prefix of any of them. */
    unitPaths: text('unit_paths').array().notNull(),
    /** Accusations (Art. 30): users inside these subtrees never see the case, whatever their scope. */
    accusedUnitPaths: text('accused_unit_paths').array().notNull().default(sql`'{}'::text[]`),
    addressEnc: text('address_enc'),
    addressMask: text('address_mask'),
    lat: doublePrecision('lat'),
    lng: doublePrecision('lng'),
    flags: text('flags').array().notNull().default(sql`'{}'::text[]`),
    confidential: boolean('confidential').notNull().default(false),
    petitionerCount: integer('petitioner_count').notNull(),
    /** The domain snapshot: clocks, extension, hearing, last visit (see domain/lifecycle/types.ts). */
    snapshot: jsonb('snapshot').notNull(),
    /** The earliest due date among running clocks: queues sort and filter on it. */
    nextDueAt: ts('next_due_at'),
    nextDueClock: text('next_due_clock'),
    parentCaseId: uuid('parent_case_id'),
    mergedIntoId: uuid('merged_into_id'),
    replyOpinion: text('reply_opinion'),
    replyText: text('reply_text'),
    repliedAt: ts('replied_at'),
    receivedAt: ts('received_at').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
    closedAt: ts('closed_at'),
    createdBy: uuid('created_by'),
    eventCount: integer('event_count').notNull().default(0),
    headHash: text('head_hash'),
    /** The text's most telling words (TF-IDF, best first): hot issues group cases by them. */
    keywords: text('keywords').array().notNull().default(sql`'{}'::text[]`),
    /** 同一事项: the first case about the same matter from anyone (near-identical text); null while alone. */
    matterId: uuid('matter_id'),
    /** 重复信访: the same person's earlier open case about the same matter, offered for merging. */
    repeatOfId: uuid('repeat_of_id'),
    /** Where a bulk-imported case came from (e.g. '12345', a legacy system's name) and its number there. */
    externalSource: text('external_source'),
    externalRef: text('external_ref'),
    /** Answers to the category's questions (category_questions), by question code. */
    answers: jsonb('answers').notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [
    primaryKey({ columns: [t.region, t.id] }),
    uniqueIndex('cases_number_uq').on(t.region, t.number),
    index('cases_matter_idx').on(t.region, t.matterId),
    index('cases_state_due_idx').on(t.region, t.state, t.nextDueAt),
    index('cases_lead_idx').on(t.region, t.leadUnitId, t.state),
    index('cases_owner_idx').on(t.region, t.ownerUnitId),
    index('cases_received_idx').on(t.region, t.receivedAt),
    /** the warning rules' cluster count: a grid's cases in a window */
    index('cases_grid_received_idx').on(t.region, t.gridUnitId, t.receivedAt),
    /** routing's fallback: where a first-level category was dispatched lately */
    index('cases_root_category_idx')
      .on(t.region, sql`left(${t.categoryCode}, 2)`, t.receivedAt)
      .where(sql`${t.leadUnitId} is not null`),
    index('cases_search_idx').using('gin', sql`to_tsvector('simple', ${t.searchText})`),
    /** the cockpit's drill-down: cases registered, led or assisted in a unit's subtree (its paths, exactly) */
    index('cases_unit_paths_idx').using('gin', t.unitPaths).with({ fastupdate: false }),
    /** … and its open ones first, without reading the settled ones (about nine in ten) */
    index('cases_open_unit_paths_idx').using('gin', t.unitPaths).with({ fastupdate: false }).where(OPEN_STATE_SQL),
    /** a transfer imported twice is refused by its number in the source system */
    uniqueIndex('cases_external_uq').on(t.region, t.externalSource, t.externalRef),
  ],
);

export const casePetitioners = pgTable(
  'case_petitioners',
  {
    region: text('region').notNull(),
    caseId: uuid('case_id').notNull(),
    seq: integer('seq').notNull(),
    nameEnc: text('name_enc').notNull(),
    nameMask: text('name_mask').notNull(),
    idNumberEnc: text('id_number_enc'),
    idNumberMask: text('id_number_mask'),
    idNumberBidx: text('id_number_bidx'),
    phoneEnc: text('phone_enc'),
    phoneMask: text('phone_mask'),
    phoneBidx: text('phone_bidx'),
    addressEnc: text('address_enc'),
    addressMask: text('address_mask'),
    representative: boolean('representative').notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.region, t.caseId, t.seq] }),
    index('case_petitioners_id_bidx').on(t.region, t.idNumberBidx),
    index('case_petitioners_phone_bidx').on(t.region, t.phoneBidx),
  ],
);

export const caseEvents = pgTable(
  'case_events',
  {
    region: text('region').notNull(),
    caseId: uuid('case_id').notNull(),
    seq: integer('seq').notNull(),
    /** A global, ever-growing cursor for readers of the event stream (outbox, rollups). */
    gseq: bigint('gseq', { mode: 'number' }).generatedAlwaysAsIdentity(),
    type: text('type').notNull(),
    actorId: uuid('actor_id'),
    actorRole: text('actor_role'),
    at: ts('at').notNull(),
    data: jsonb('data').notNull(),
    prevHash: text('prev_hash'),
    hash: text('hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.caseId, t.seq] }), index('case_events_gseq_idx').on(t.gseq)],
);

export const attachments = pgTable(
  'attachments',
  {
    region: text('region').notNull(),
    id: uuid('id').notNull(),
    caseId: uuid('case_id').notNull(),
    filename: text('filename').notNull(),
    mime: text('mime').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    storageKey: text('storage_key').notNull(),
    uploadedBy: uuid('uploaded_by'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.id] }), index('attachments_case_idx').on(t.region, t.caseId)],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    region: text('region').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    caseId: uuid('case_id').notNull(),
    response: jsonb('response').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.key] })],
);

/** Periodic seals over case heads (incremental: the cases changed since the previous seal). */
export const auditSeals = pgTable('audit_seals', {
  id: integer('id').primaryKey(),
  sealedAt: ts('sealed_at').notNull(),
  prevHash: text('prev_hash'),
  hash: text('hash').notNull(),
  caseCount: integer('case_count').notNull(),
  /** the highest event gseq covered, so the next seal takes only newer changes */
  uptoGseq: bigint('upto_gseq', { mode: 'number' }).notNull(),
  /** the audit log's head when sealed, so a removed tail of the log shows too */
  auditLogId: bigint('audit_log_id', { mode: 'number' }),
  auditLogHash: text('audit_log_hash'),
});

export const auditSealHeads = pgTable(
  'audit_seal_heads',
  {
    region: text('region').notNull(),
    caseId: uuid('case_id').notNull(),
    sealId: integer('seal_id').notNull(),
    count: integer('count').notNull(),
    headHash: text('head_hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.caseId, t.sealId] })],
);

/** Audit of what is not a case event: logins, admin changes (a hash chain of its own). */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey(),
    at: ts('at').notNull(),
    actorId: uuid('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    data: jsonb('data').notNull(),
    prevHash: text('prev_hash'),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_log_at_idx').on(t.at)],
);

// ─── Deadlines that act (timers, notifications, supervision, leader cases, reception, spot checks) ───

/**
 * Work the sweeper must do at a moment: a yellow reminder before a deadline, the red overdue
 * notice at it, an unanswered supervision's escalation. Written in the same transaction as the
 * case change that makes them due (so none is lost), claimed with FOR UPDATE SKIP LOCKED (so none
 * fires twice with many app instances) and marked fired in the transaction that acts on it.
 */
export const timers = pgTable(
  'timers',
  {
    region: text('region').notNull(),
    id: uuid('id').notNull(),
    caseId: uuid('case_id').notNull(),
    /** remind | overdue | supervision_due */
    kind: text('kind').notNull(),
    /** what the timer is about: a clock name, or a supervision id */
    ref: text('ref').notNull(),
    dueAt: ts('due_at').notNull(),
    fireAt: ts('fire_at').notNull(),
    firedAt: ts('fired_at'),
    /** sent | stale (the deadline moved or the clock stopped before it fired) */
    outcome: text('outcome'),
  },
  (t) => [
    primaryKey({ columns: [t.region, t.id] }),
    uniqueIndex('timers_subject_uq').on(t.region, t.caseId, t.kind, t.ref, t.dueAt),
    index('timers_due_idx').on(t.fireAt).where(sql`fired_at is null`),
  ],
);

/** The in-app inbox: one row per recipient and message; the dedupe key makes a second send a no-op. */
export const notifications = pgTable(
  'notifications',
  {
    region: text('region').notNull(),
    id: uuid('id').notNull(),
    userId: uuid('user_id').notNull(),
    unitId: uuid('unit_id'),
    caseId: uuid('case_id'),
    /** reminder | overdue | overdue_copy | chase | supervision | supervision_escalated | leader_push | … */
    kind: text('kind').notNull(),
    /** info | yellow | red */
    level: text('level').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    createdAt: ts('created_at').notNull(),
    readAt: ts('read_at'),
  },
  (t) => [
    primaryKey({ columns: [t.region, t.id] }),
    uniqueIndex('notifications_dedupe_uq').on(t.region, t.userId, t.dedupeKey),
    index('notifications_inbox_idx').on(t.region, t.userId, t.createdAt),
  ],
);

/** Where a unit's or a user's notifications also go: a DingTalk or WeCom robot, e-mail, SMS. */
export const notificationChannels = pgTable(
  'notification_channels',
  {
    id: uuid('id').primaryKey(),
    unitId: uuid('unit_id'),
    userId: uuid('user_id'),
    /** dingtalk | wecom | email | sms */
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    /** robot webhook URL, e-mail address or mobile number (encrypted: it may be personal data) */
    targetEnc: text('target_enc').notNull(),
    targetMask: text('target_mask').notNull(),
    /** a robot's signing secret, encrypted */
    secretEnc: text('secret_enc'),
    /** notification kinds to forward; empty = all */
    kinds: text('kinds').array().notNull().default(sql`'{}'::text[]`),
    /** the lowest level forwarded: info | yellow | red */
    minLevel: text('min_level').notNull().default('info'),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: ts('created_at').notNull(),
    createdBy: uuid('created_by'),
  },
  (t) => [index('notification_channels_unit_idx').on(t.unitId), index('notification_channels_user_idx').on(t.userId)],
);

/**
 * Deliveries to external channels, written with the notification and sent after commit by the
 * outbox worker (never inside a transaction), retried with back-off until sent or given up.
 */
export const outbox = pgTable(
  'outbox',
  {
    region: text('region').notNull(),
    id: uuid('id').notNull(),
    channelId: uuid('channel_id').notNull(),
    notificationId: uuid('notification_id'),
    payload: jsonb('payload').notNull(),
    /** pending | sent | failed (gave up) */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    /** while a worker sends it: others skip it until this passes (a crashed worker's claim expires) */
    leaseUntil: ts('lease_until'),
    lastError: text('last_error'),
    createdAt: ts('created_at').notNull(),
    sentAt: ts('sent_at'),
  },
  (t) => [
    primaryKey({ columns: [t.region, t.id] }),
    uniqueIndex('outbox_delivery_uq').on(t.region, t.notificationId, t.channelId),
    index('outbox_due_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
  ],
);

/** 催办 / 督办 / 挂牌督办: a target unit, a reason, a reply deadline; the reply and any escalation. */
export const supervisions = pgTable(
  'supervisions',
  {
    region: text('region').notNull(),
    id: uuid('id').notNull(),
    caseId: uuid('case_id').notNull(),
    /** chase (催办) | supervise (督办) | listed (挂牌督办) */
    kind: text('kind').notNull(),
    targetUnitId: uuid('target_unit_id').notNull(),
    reason: text('reason').notNull(),
    replyDueAt: ts('reply_due_at').notNull(),
    createdAt: ts('created_at').notNull(),
    createdBy: uuid('created_by').notNull(),
    repliedAt: ts('replied_at'),
    replyText: text('reply_text'),
    repliedBy: uuid('replied_by'),
    escalatedAt: ts('escalated_at'),
    /** the unit the escalation went to (the target's parent) */
    escalatedToUnitId: uuid('escalated_to_unit_id'),
  },
  (t) => [
    primaryKey({ columns: [t.region, t.id] }),
    index('supervisions_case_idx').on(t.region, t.caseId),
    index('supervisions_unit_idx').on(t.region, t.targetUnitId, t.createdAt),
  ],
);

/** The monthly 百案攻坚 ledger's rolling review: one line per owned or backlog case per month. */
export const ledgerReviews = pgTable(
  'ledger_reviews',
  {
    region: text('region').notNull(),
    /** 'YYYY-MM' in China time */
    month: text('month').notNull(),
    caseId: uuid('case_id').notNull(),
    leaderId: uuid('leader_id'),
    /** on_track | delayed | closed_out (销号) */
    status: text('status').notNull(),
    progress: text('progress').notNull(),
    reviewedAt: ts('reviewed_at').notNull(),
    reviewedBy: uuid('reviewed_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.month, t.caseId] })],
);

/** 接访轮流表: a leader receives petitioners on a date at a place, up to a capacity. */
export const receptionSlots = pgTable(
  'reception_slots',
  {
    region: text('region').notNull(),
    id: uuid('id').notNull(),
    leaderId: uuid('leader_id').notNull(),
    /** the leader's post (区委副书记) and remit (分管领域), as published */
    post: text('post').notNull(),
    remit: text('remit').notNull(),
    /** 'YYYY-MM-DD' (China date), and 'HH:MM' times */
    date: text('date').notNull(),
    startTime: text('start_time').notNull(),
    endTime: text('end_time').notNull(),
    place: text('place').notNull(),
    room: text('room'),
    /** how many groups may book online (1–500), also once cancelled */
    capacity: integer('capacity').notNull(),
    /** online bookings holding a place: taken, not cancelled (walk-ins take none) */
    booked: integer('booked').notNull().default(0),
    /** draft | published (citizens see and book it) | cancelled */
    status: text('status').notNull(),
    /** why the bureau called it off (the citizens who booked see it), and when */
    cancelReason: text('cancel_reason'),
    cancelledAt: ts('cancelled_at'),
    createdAt: ts('created_at').notNull(),
    createdBy: uuid('created_by').notNull(),
    /** when the bureau last changed the entry (created, edited, published, cancelled); bookings do not touch it */
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.id] }), index('reception_slots_date_idx').on(t.region, t.date)],
);

/** 约访: a citizen's booking of a slot, or a walk-in registered on the day, and the case it became. */
export const receptionBookings = pgTable(
  'reception_bookings',
  {
    region: text('region').notNull(),
    id: uuid('id').notNull(),
    slotId: uuid('slot_id').notNull(),
    /** booked (约访, online) | walk_in (现场来访: registered by staff on the day, no number, no code) */
    kind: text('kind').notNull(),
    /** the booking number the citizen keeps, `YF` + 8 random digits, unique in the region; null for a walk-in */
    number: text('number'),
    /**
     * The number a booking made before migration 0003 was handed out with, when another booking had
     * drawn the same one (the old numbers were not unique) and this one was renumbered: the citizen's
     * number + code still find it.
     */
    formerNumber: text('former_number'),
    nameEnc: text('name_enc').notNull(),
    nameMask: text('name_mask').notNull(),
    /** the phone (a booking always has one; a walk-in may not) */
    phoneEnc: text('phone_enc'),
    phoneMask: text('phone_mask'),
    phoneBidx: text('phone_bidx'),
    idNumberEnc: text('id_number_enc'),
    idNumberBidx: text('id_number_bidx'),
    matter: text('matter').notNull(),
    peopleCount: integer('people_count').notNull().default(1),
    /** booked | cancelled | received | no_show (a walk-in waits as booked too) */
    status: text('status').notNull(),
    /** HMAC of the number and the booking code the citizen keeps to look up or cancel; null for a walk-in */
    codeHash: text('code_hash'),
    /** the batch (批次) and room assigned on the reception day */
    batchNo: integer('batch_no'),
    room: text('room'),
    /** who cancelled: citizen | bureau (the slot was called off, with the slot's reason) */
    cancelledBy: text('cancelled_by'),
    cancelReason: text('cancel_reason'),
    caseId: uuid('case_id'),
    /** the staff user who received the visit and registered its case */
    receivedBy: uuid('received_by'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.region, t.id] }),
    index('reception_bookings_slot_idx').on(t.region, t.slotId),
    uniqueIndex('reception_bookings_number_uq').on(t.region, t.number),
    index('reception_bookings_former_number_idx').on(t.region, t.formerNumber).where(sql`former_number is not null`),
    /** one booking per phone and slot (a walk-in with a phone counts too; one without is left out) */
    uniqueIndex('reception_bookings_person_uq').on(t.region, t.slotId, t.phoneBidx).where(sql`phone_bidx is not null`),
  ],
);

/** 抽查: a closed case sampled by a supervisor, its return visit, and the verdict. */
export const spotChecks = pgTable(
  'spot_checks',
  {
    region: text('region').notNull(),
    id: uuid('id').notNull(),
    caseId: uuid('case_id').notNull(),
    /** the unit answerable for the closure (the lead unit when closed) */
    unitId: uuid('unit_id').notNull(),
    /** the sampling round, 'YYYY-MM' */
    round: text('round').notNull(),
    sampledAt: ts('sampled_at').notNull(),
    sampledBy: uuid('sampled_by').notNull(),
    /** pending | ok | sloppy (草率办结) */
    verdict: text('verdict').notNull(),
    visit: jsonb('visit'),
    note: text('note'),
    checkedAt: ts('checked_at'),
    checkedBy: uuid('checked_by'),
  },
  (t) => [
    primaryKey({ columns: [t.region, t.id] }),
    uniqueIndex('spot_checks_case_uq').on(t.region, t.caseId),
    index('spot_checks_round_idx').on(t.region, t.round),
  ],
);

/** Points a unit loses in the assessment (考核), with where they came from. */
export const unitDeductions = pgTable(
  'unit_deductions',
  {
    region: text('region').notNull(),
    id: uuid('id').notNull(),
    unitId: uuid('unit_id').notNull(),
    month: text('month').notNull(),
    points: doublePrecision('points').notNull(),
    reason: text('reason').notNull(),
    /** spot_check | manual */
    source: text('source').notNull(),
    sourceId: uuid('source_id'),
    createdAt: ts('created_at').notNull(),
    createdBy: uuid('created_by').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.region, t.id] }),
    index('unit_deductions_month_idx').on(t.region, t.month, t.unitId),
    uniqueIndex('unit_deductions_source_uq').on(t.region, t.source, t.sourceId),
  ],
);

/**
 * A case text's MinHash signature and its LSH band keys (domain/intelligence/minhash.ts): the
 * duplicate check finds candidates by any shared band through the GIN index, then compares
 * signatures; the text itself is never re-read.
 */
export const caseFingerprints = pgTable(
  'case_fingerprints',
  {
    region: text('region').notNull(),
    caseId: uuid('case_id').notNull(),
    /** one 32-bit key per LSH band (a chance collision only adds a candidate the signature check drops) */
    bands: integer('bands').array().notNull(),
    /** the MinHash signature (unsigned 32-bit values stored as signed int4) */
    signature: integer('signature').array().notNull(),
    /** how many shingles the text had: containment is estimated from it and the Jaccard estimate */
    shingles: integer('shingles').notNull(),
    receivedAt: ts('received_at').notNull(),
  },
  // fastupdate off: a probe reads 42 band keys, and a pending list of recent entries would be scanned for each
  // (measured at 1 M cases: p95 15 ms with a clean index, 27 ms with ~500 pending entries).
  (t) => [primaryKey({ columns: [t.region, t.caseId] }), index('case_fingerprints_bands_idx').using('gin', t.bands).with({ fastupdate: false })],
);

/** Routing models (category and lead unit from the text): the bundled one and each `xinfang train`. */
export const routingModels = pgTable(
  'routing_models',
  {
    region: text('region').notNull(),
    id: uuid('id').notNull(),
    /** bundled (built from the public data shipped with xinfang) | trained (this deployment's closed cases) */
    source: text('source').notNull(),
    /** the serialised model (domain/intelligence/text-classifier.ts) */
    model: text('model').notNull(),
    /** held-out figures measured when it was trained: macro-F1, accuracy, sizes */
    metrics: jsonb('metrics').notNull(),
    active: boolean('active').notNull().default(false),
    createdAt: ts('created_at').notNull(),
    createdBy: uuid('created_by'),
  },
  (t) => [primaryKey({ columns: [t.region, t.id] }), index('routing_models_active_idx').on(t.region, t.active)],
);

/** Words admins add to the segmenter's dictionary (on top of jieba's and lexicon/xinfang.dict.txt). */
export const lexiconWords = pgTable('lexicon_words', {
  word: text('word').primaryKey(),
  freq: integer('freq').notNull(),
  tag: text('tag').notNull().default('n'),
  createdAt: ts('created_at').notNull(),
  createdBy: uuid('created_by'),
});

/** 预警: raised → dispatched → fed back → assessed → withdrawn, every step a warning event. */
export const warnings = pgTable(
  'warnings',
  {
    region: text('region').notNull(),
    id: uuid('id').notNull(),
    number: text('number').notNull(),
    /** cluster | repeat_petitioner | escalation | collective | extreme_statement | deadline_risk | external */
    kind: text('kind').notNull(),
    /** urgent | high | normal */
    level: text('level').notNull(),
    /** raised | dispatched | fed_back | assessed | withdrawn */
    state: text('state').notNull(),
    title: text('title').notNull(),
    detail: text('detail').notNull(),
    /** what raised it: a rule's key (cluster:<unit>:<matter>…) or import:<source>:<external id>; raised once */
    sourceKey: text('source_key').notNull(),
    /** paths of the units concerned: scope filters on them as on cases */
    unitPaths: text('unit_paths').array().notNull(),
    caseIds: uuid('case_ids').array().notNull().default(sql`'{}'::uuid[]`),
    /** the named person who must act (urgent warnings reach him at once) */
    assigneeId: uuid('assignee_id'),
    dispatchedUnitId: uuid('dispatched_unit_id'),
    dueAt: ts('due_at'),
    data: jsonb('data').notNull().default(sql`'{}'::jsonb`),
    raisedAt: ts('raised_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
    closedAt: ts('closed_at'),
    eventCount: integer('event_count').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.region, t.id] }),
    uniqueIndex('warnings_source_uq').on(t.region, t.sourceKey),
    uniqueIndex('warnings_number_uq').on(t.region, t.number),
    index('warnings_state_idx').on(t.region, t.state, t.raisedAt),
  ],
);

export const warningEvents = pgTable(
  'warning_events',
  {
    region: text('region').notNull(),
    warningId: uuid('warning_id').notNull(),
    seq: integer('seq').notNull(),
    /** warning.raised | warning.dispatched | warning.fed_back | warning.assessed | warning.withdrawn | warning.note */
    type: text('type').notNull(),
    actorId: uuid('actor_id'),
    at: ts('at').notNull(),
    data: jsonb('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.warningId, t.seq] })],
);

/** 每月一题: the hot issue chosen as a month's topic, with the cases it stood for when chosen. */
export const monthlyTopics = pgTable(
  'monthly_topics',
  {
    region: text('region').notNull(),
    id: uuid('id').notNull(),
    /** YYYY-MM */
    month: text('month').notNull(),
    title: text('title').notNull(),
    keywords: text('keywords').array().notNull(),
    caseIds: uuid('case_ids').array().notNull(),
    unitPaths: text('unit_paths').array().notNull(),
    note: text('note'),
    chosenBy: uuid('chosen_by').notNull(),
    chosenAt: ts('chosen_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.id] }), uniqueIndex('monthly_topics_uq').on(t.region, t.month, t.title)],
);

/**
 * The cockpit's rollups (驾驶舱), kept from the event stream: every append of case events queues
 * the case here in the same transaction; the rollup worker (jobs/rollup-worker.ts) takes queued
 * cases, recomputes their facts from their events (domain/cockpit/case-facts.ts) and moves the
 * counters by the difference. Deleting the queue row and moving the counters commit together, so
 * no change is counted twice or lost.
 */
export const rollupQueue = pgTable(
  'rollup_queue',
  {
    region: text('region').notNull(),
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity(),
    caseId: uuid('case_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.id] }), index('rollup_queue_id_idx').on(t.id)],
);

/** What one case adds to the counters now: the worker subtracts it before adding the new facts. */
export const caseFacts = pgTable(
  'case_facts',
  {
    region: text('region').notNull(),
    caseId: uuid('case_id').notNull(),
    /** the units counting its receipt metrics (case-facts.ts caseScopes), or all of its metrics when handling_scopes is null */
    scopes: uuid('scopes').array().notNull(),
    /** the units counting its handling metrics (case-facts.ts caseScopes; `scopes` then holds the receipt side); null: folded before the two sides, all counted for `scopes` */
    handlingScopes: uuid('handling_scopes').array(),
    /** 'day|metric|dim|value' (day '' for a stock such as "open now"), see domain/cockpit/case-facts.ts */
    items: text('items').array().notNull(),
    /** the case's event count the facts were computed from */
    eventCount: integer('event_count').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.caseId] })],
);

/**
 * The case_facts of accusations only (about 1 % of cases), with their accused paths: the cockpit takes
 * them off the figures of a reader inside an accused unit (services/cockpit.ts hiddenAccusations) from
 * this small table, which stays in memory, instead of fetching scattered rows of cases and case_facts.
 * The worker writes it with case_facts, in the same transaction.
 */
export const accusationFacts = pgTable(
  'accusation_facts',
  {
    region: text('region').notNull(),
    caseId: uuid('case_id').notNull(),
    accusedUnitPaths: text('accused_unit_paths').array().notNull(),
    scopes: uuid('scopes').array().notNull(),
    handlingScopes: uuid('handling_scopes').array(),
    items: text('items').array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.caseId] }), index('accusation_facts_accused_idx').using('gin', t.accusedUnitPaths)],
);

/** Daily counters per unit (its whole subtree): metric + dimension (channel, tier, category, word…). */
export const cockpitDaily = pgTable(
  'cockpit_daily',
  {
    region: text('region').notNull(),
    unitId: uuid('unit_id').notNull(),
    /** China date, YYYY-MM-DD */
    day: text('day').notNull(),
    metric: text('metric').notNull(),
    dim: text('dim').notNull(),
    value: bigint('value', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.unitId, t.metric, t.day, t.dim] })],
);

/** Current counts per unit (open now, overdue now by the unit answerable). */
export const cockpitStock = pgTable(
  'cockpit_stock',
  {
    region: text('region').notNull(),
    unitId: uuid('unit_id').notNull(),
    metric: text('metric').notNull(),
    dim: text('dim').notNull(),
    value: bigint('value', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.region, t.unitId, t.metric, t.dim] })],
);

/** 一图一指数: the outline of an org unit on the map (GeoJSON Polygon or MultiPolygon, WGS-84 lng/lat). */
export const orgUnitShapes = pgTable('org_unit_shapes', {
  unitId: uuid('unit_id').primaryKey(),
  geometry: jsonb('geometry').notNull(),
  /** import (an admin's GeoJSON) | union (the outline of its children) | generated (the demo district) */
  source: text('source').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

/**
 * Keys for other systems (Open311 GeoReport v2 clients): only a hash of the key is kept, the key is
 * shown once when an admin issues it. A key with an acting user (a staff account of the intake unit)
 * registers and accepts its requests in that user's name; without one, they wait for acceptance as
 * public submissions do. Revoked keys stay for the audit trail.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    /** the key's first characters, shown in lists so an admin can tell keys apart */
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    actingUserId: uuid('acting_user_id'),
    /** the issuing admin's scope: admins manage only keys issued within their own scope */
    scopePath: text('scope_path').notNull(),
    ratePerMinute: integer('rate_per_minute').notNull().default(60),
    createdBy: uuid('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    revokedAt: ts('revoked_at'),
    revokedBy: uuid('revoked_by'),
    lastUsedAt: ts('last_used_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_uq').on(t.keyHash)],
);

/** Open311 tokens: a request that waits for acceptance is answered with a token, looked up later for its id. */
export const open311Tokens = pgTable(
  'open311_tokens',
  {
    region: text('region').notNull(),
    token: text('token').notNull(),
    caseId: uuid('case_id').notNull(),
    apiKeyId: uuid('api_key_id').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.region, t.token] }),
    /** one token per case and key: a retried submission finds its token instead of making another */
    uniqueIndex('open311_tokens_case_key_uq').on(t.region, t.caseId, t.apiKeyId),
    /** GET requests: what one key submitted, newest first */
    index('open311_tokens_key_idx').on(t.region, t.apiKeyId, t.createdAt),
  ],
);

/**
 * Signed webhooks to other government systems: which case events (all when empty) of cases within
 * which unit's subtree go to which URL. The HMAC secret is stored encrypted.
 */
export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    url: text('url').notNull(),
    secretEnc: text('secret_enc').notNull(),
    eventTypes: text('event_types').array().notNull().default(sql`'{}'::text[]`),
    scopeUnitId: uuid('scope_unit_id').notNull(),
    /** the scope unit's path, copied so matching an event is one prefix test */
    scopePath: text('scope_path').notNull(),
    active: boolean('active').notNull().default(true),
    createdBy: uuid('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
);

/**
 * One case event to one subscription: queued in the transaction that appended the event, sent after
 * commit by the webhook worker, retried with back-off until delivered or given up.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    region: text('region').notNull(),
    id: uuid('id').notNull().default(sql`gen_random_uuid()`),
    subscriptionId: uuid('subscription_id').notNull(),
    caseId: uuid('case_id').notNull(),
    eventSeq: integer('event_seq').notNull(),
    eventType: text('event_type').notNull(),
    /** pending | sent | failed (gave up) */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    leaseUntil: ts('lease_until'),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: ts('created_at').notNull(),
    sentAt: ts('sent_at'),
  },
  (t) => [
    primaryKey({ columns: [t.region, t.id] }),
    uniqueIndex('webhook_deliveries_event_uq').on(t.region, t.subscriptionId, t.caseId, t.eventSeq),
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index('webhook_deliveries_subscription_idx').on(t.subscriptionId, t.createdAt),
  ],
);

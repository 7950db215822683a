/**
 * The one schema (drizzle). Migrations in src/store/migrations are generated from it with
 * `npm run db:generate` and never edited after they land.
 *
 * Every case-side table carries `region` and has it first in its primary key and every unique
 * constraint, so the tables can be distributed by region on Citus when one server is outgrown
 * (ARCHITECTURE.md, scale-out). Org, users and categories are small reference tables.
 */
import { sql } from 'drizzle-orm';
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
  },
  (t) => [
    primaryKey({ columns: [t.region, t.id] }),
    uniqueIndex('cases_number_uq').on(t.region, t.number),
    index('cases_state_due_idx').on(t.region, t.state, t.nextDueAt),
    index('cases_lead_idx').on(t.region, t.leadUnitId, t.state),
    index('cases_owner_idx').on(t.region, t.ownerUnitId),
    index('cases_received_idx').on(t.region, t.receivedAt),
    index('cases_search_idx').using('gin', sql`to_tsvector('simple', ${t.searchText})`),
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

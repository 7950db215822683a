/**
 * How each table would be placed on a Citus cluster (docs/SCALING.md), kept beside the schema so a
 * new table has to be placed on purpose: test/schema-distribution.test.ts fails for a table missing
 * here and for a distributed table whose keys would not shard by region.
 *
 * - distributed: sharded by `region`; `region` leads the primary key and every unique index, so every
 *   constraint is checked on one shard and a region's rows are co-located for joins.
 * - reference: small tables (the org tree, users, categories, configuration) copied to every node, so
 *   any shard joins them locally; writes to them are rare and cost a commit on every node.
 * - coordinator: tables that hold one chain across the deployment (the audit log and its seals are
 *   one hash chain each); they stay on the coordinator, written by appends only.
 */
export type Placement = 'distributed' | 'reference' | 'coordinator';

export const TABLE_PLACEMENT: Readonly<Record<string, Placement>> = {
  // the case and everything hanging off it
  cases: 'distributed',
  case_petitioners: 'distributed',
  case_events: 'distributed',
  case_counters: 'distributed',
  case_fingerprints: 'distributed',
  attachments: 'distributed',
  idempotency_keys: 'distributed',
  timers: 'distributed',
  supervisions: 'distributed',
  notifications: 'distributed',
  outbox: 'distributed',
  ledger_reviews: 'distributed',
  reception_slots: 'distributed',
  reception_bookings: 'distributed',
  spot_checks: 'distributed',
  unit_deductions: 'distributed',
  routing_models: 'distributed',
  warnings: 'distributed',
  warning_events: 'distributed',
  monthly_topics: 'distributed',
  rollup_queue: 'distributed',
  case_facts: 'distributed',
  accusation_facts: 'distributed',
  cockpit_daily: 'distributed',
  cockpit_stock: 'distributed',
  audit_seal_heads: 'distributed',
  open311_tokens: 'distributed',
  webhook_deliveries: 'distributed',
  // small, read everywhere
  org_units: 'reference',
  org_unit_shapes: 'reference',
  users: 'reference',
  sessions: 'reference',
  categories: 'reference',
  category_questions: 'reference',
  settings: 'reference',
  lexicon_words: 'reference',
  notification_channels: 'reference',
  api_keys: 'reference',
  webhook_subscriptions: 'reference',
  // one chain each
  audit_log: 'coordinator',
  audit_seals: 'coordinator',
};

/**
 * Configuration from environment variables, validated once at boot with defaults that start a
 * working embedded deployment on a fresh machine.
 */
import path from 'node:path';
import { z } from 'zod';

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
  DATA_DIR: z.string().min(1).default('./data'),
  /** 32-byte master key (hex or base64) for personal data; generated into DATA_DIR on first run when absent. */
  MASTER_KEY: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  REGION: z.string().regex(/^[A-Z]{2,8}$/).default('YH'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  UPLOAD_MAX_BYTES: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  SEAL_INTERVAL_SECONDS: z.coerce.number().int().positive().default(300),
  /** How often the deadline sweeper looks for due reminders, overdue notices and supervision escalations. */
  SWEEP_INTERVAL_SECONDS: z.coerce.number().int().positive().default(30),
  /** How many cases `serve --seed` writes into an empty database for the demo district. */
  DEMO_CASES: z.coerce.number().int().min(0).max(200_000).default(5_000),
  DEFAULT_RULE_SET: z.string().default('reg2022'),
  /** A case list counts its matches up to this many (beyond it the total reads "10000+"): an exact count of a district-wide search costs seconds at a million cases. */
  LIST_COUNT_CAP: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** A word search with at most this many matches puts the best first; with more, the newest first, and its total reads "1000+" (ranking or counting every match of a common word costs seconds). */
  SEARCH_RANK_CAP: z.coerce.number().int().min(0).max(100_000).default(1_000),
  PUBLIC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(120),
  /** Online booking of a leader's reception (约访) closes this many days before the reception date … */
  RECEPTION_BOOKING_CUTOFF_DAYS: z.coerce.number().int().min(0).max(60).default(1),
  /** … at this China time (default: 17:00 the day before; 0 and 00:00 = until the day begins). */
  RECEPTION_BOOKING_CUTOFF_TIME: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).default('17:00'),
  // Notifications (src/services/notifications): SMTP for e-mail channels, an HTTP gateway for SMS, the outbox worker.
  SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(25),
  /** true: TLS from the first byte (port 465); false: plain, upgraded by STARTTLS when the server offers it */
  SMTP_SECURE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  SMTP_USER: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  SMTP_PASSWORD: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  SMTP_FROM: z.string().min(3).default('信访平台 <noreply@xinfang.local>'),
  SMS_GATEWAY_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
  SMS_GATEWAY_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  NOTIFY_TIMEOUT_SECONDS: z.coerce.number().positive().max(120).default(10),
  OUTBOX_POLL_SECONDS: z.coerce.number().positive().default(5),
  /** how often the cockpit's rollups fold in new events: a closed case shows within this many seconds */
  ROLLUP_POLL_SECONDS: z.coerce.number().positive().max(600).default(2),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  // Signed webhooks to other government systems (src/jobs/webhook-worker.ts).
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().positive().max(120).default(10),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  WEBHOOK_POLL_SECONDS: z.coerce.number().positive().default(5),
  WEBHOOK_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  /** true: plain http to any host (a government intranet without TLS); false: http only to loopback, https elsewhere */
  WEBHOOK_ALLOW_HTTP: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /**
   * Hosts and networks webhooks may reach although private, loopback, link-local or otherwise
   * special (a government intranet): comma-separated host names (`oa.gov.local`, `*.zw.local`),
   * addresses or CIDRs (`10.20.0.0/16`). Empty (the default): only public addresses.
   */
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean))
    .refine((xs) => xs.every((x) => /^(\*\.)?[a-z0-9]([a-z0-9.-]{0,252})$/.test(x) || /^[0-9a-f:.]+(\/\d{1,3})?$/.test(x)), {
      message: 'WEBHOOK_ALLOWED_HOSTS: comma-separated host names, addresses or CIDRs',
    }),
  /** deliveries kept for the admin's history: sent ones this many days, given-up ones longer */
  WEBHOOK_RETAIN_SENT_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  WEBHOOK_RETAIN_FAILED_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /**
   * Most rows one case import may hold on PostgreSQL. The import runs in one transaction and the upload
   * waits for it: at ~40–250 ms a row (quiet to busy two-core machine), 2,000 rows take 1.5–8 minutes.
   */
  IMPORT_MAX_ROWS: z.coerce.number().int().min(1).max(50_000).default(2_000),
  /** … and on PGlite, which runs in the server's own thread: nothing else is served while an import writes. */
  IMPORT_MAX_ROWS_PGLITE: z.coerce.number().int().min(1).max(50_000).default(500),
});

export type Config = z.infer<typeof ConfigSchema> & { dataDir: string; uploadDir: string };

/** Given an environment, returns the validated config or throws with every bad variable named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`配置错误 (invalid configuration):\n${lines}`);
  }
  const dataDir = path.resolve(parsed.data.DATA_DIR);
  return { ...parsed.data, dataDir, uploadDir: path.join(dataDir, 'uploads') };
}

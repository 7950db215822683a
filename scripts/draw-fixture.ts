/**
 * Draws fixtures/messages-sample.jsonl from the 2020 泰迪杯 problem C data in ../shared/data, so that
 * tests and demo data work on a fresh clone without ../shared (data/README.md asks for that).
 *
 *   npx tsx scripts/draw-fixture.ts [--data <dir>] [--out <file>]
 *
 * The selection is deterministic (no randomness, only file order), so re-running it on the same
 * source files reproduces the committed fixture byte for byte.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One normalised fixture row; `src` names the source file. */
export interface FixtureRow {
  src: 'messages_train' | 'replies';
  title: string | null;
  body: string;
  category: string | null;
  reply: string | null;
}

// Every 8th message of each class gives ≈ 320 rows (2,580 / 8) with the classes in their source
// proportions; every 28th reply gives ≈ 100 rows.
const MESSAGE_STEP = 8;
const REPLY_STEP = 28;
// Long texts add bulk without adding value to a fixture; 1,500 keeps the longest replies readable.
const MAX_CHARS = 1500;

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Given a text, returns it cut to at most `max` UTF-16 units without splitting a character, marked with … when cut. */
export function trimText(text: string, max = MAX_CHARS): string {
  if (text.length <= max) return text;
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return out + '…';
}

function readJsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/** Given the parsed source rows, returns the fixture rows: every k-th message per class, then every k-th reply. */
export function drawFixture(messages: Record<string, unknown>[], replies: Record<string, unknown>[]): FixtureRow[] {
  const byClass = new Map<string, Record<string, unknown>[]>();
  for (const m of messages) {
    const category = str(m.category) ?? '';
    const list = byClass.get(category) ?? [];
    list.push(m);
    byClass.set(category, list);
  }
  const rows: FixtureRow[] = [];
  // Classes in order of first appearance keeps the output stable across runs.
  for (const list of byClass.values()) {
    list.forEach((m, i) => {
      const body = str(m.body);
      if (i % MESSAGE_STEP !== 0 || body === null) return;
      rows.push({ src: 'messages_train', title: str(m.title), body: trimText(body), category: str(m.category), reply: null });
    });
  }
  replies.forEach((r, i) => {
    const body = str(r.body);
    if (i % REPLY_STEP !== 0 || body === null) return;
    const reply = str(r.reply);
    rows.push({ src: 'replies', title: str(r.title), body: trimText(body), category: null, reply: reply === null ? null : trimText(reply) });
  });
  return rows;
}

function main(argv: string[]): void {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const dataDir = resolve(arg('--data') ?? process.env.XINFANG_SHARED_DATA ?? resolve(projectRoot, '../shared/data'));
  const out = resolve(arg('--out') ?? resolve(projectRoot, 'fixtures/messages-sample.jsonl'));
  const messagesFile = resolve(dataDir, 'messages_train.jsonl');
  const repliesFile = resolve(dataDir, 'replies.jsonl');
  if (!existsSync(messagesFile) || !existsSync(repliesFile)) {
    // A fresh clone has no ../shared: the committed fixture is what the project uses then.
    console.log(`draw-fixture: no source data in ${dataDir}; keeping the committed ${out}`);
    return;
  }
  const rows = drawFixture(readJsonl(messagesFile), readJsonl(repliesFile));
  writeFileSync(out, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.category ?? `(${r.src})`, (counts.get(r.category ?? `(${r.src})`) ?? 0) + 1);
  console.log(`draw-fixture: wrote ${rows.length} rows to ${out}`);
  for (const [k, n] of counts) console.log(`  ${k}: ${n}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));

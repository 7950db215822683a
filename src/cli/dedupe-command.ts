/**
 * `xinfang dedupe`: reads messages as JSONL `{id, user, title, body, time}` on stdin, writes
 * `{id, duplicateOf, group}` per message in input order (domain/intelligence/dedupe.ts says what they mean).
 * A line that is not such a message is skipped with its line number and the reason on stderr; the others are
 * still answered, and the exit code is 1 so a script notices (0 when every line was good).
 */
import type { Readable, Writable } from 'node:stream';
import { Command } from 'commander';
import { z } from 'zod';
import { dedupeMessages, parseMessageTime, type DedupeMessage } from '../domain/intelligence/dedupe.js';
import { idJson, jsonlLines, quietOnClosedPipe } from './jsonl.js';

const messageSchema = z.object({
  // Ids and users as the caller wrote them: strings, or numbers echoed back as numbers.
  id: z.union([z.string().min(1), z.number()]),
  user: z.union([z.string(), z.number()]).nullish(),
  title: z.string().nullish(),
  body: z.string().nullish(),
  time: z.string(),
});

export interface DedupeRunResult {
  answered: number;
  rejected: number;
}

/** Given JSONL input and output streams, writes one answer line per good message and returns the counts. */
export async function runDedupe(input: Readable, output: Writable, errors: Writable): Promise<DedupeRunResult> {
  const messages: DedupeMessage[] = [];
  const ids = new Set<string>();
  // Each id as JSON text exactly as it came (big numeric ids keep their digits), keyed by that text.
  const asJson = (key: string | null) => (key === null ? 'null' : key);
  let lineNo = 0;
  let rejected = 0;
  const reject = (why: string) => {
    rejected++;
    errors.write(`第 ${lineNo} 行已跳过：${why} (line ${lineNo} skipped)\n`);
  };
  for await (const { lineNo: n, text: line } of jsonlLines(input)) {
    lineNo = n;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      reject('不是合法的 JSON');
      continue;
    }
    const parsed = messageSchema.safeParse(json);
    if (!parsed.success) {
      reject(parsed.error.issues.map((i) => `${i.path.join('.') || '(整行)'}: ${i.message}`).join('; '));
      continue;
    }
    const m = parsed.data;
    const time = parseMessageTime(m.time);
    if (time === null) {
      reject(`time「${m.time}」不是时间（应为 YYYY-MM-DD HH:MM:SS 或 ISO 8601）`);
      continue;
    }
    const id = idJson(line, m.id)!;
    if (ids.has(id)) {
      reject(`id「${String(m.id)}」与前面的行重复`);
      continue;
    }
    ids.add(id);
    // A blank user is nobody: anonymous messages are never one person's repeats.
    const user = m.user == null || String(m.user).trim() === '' ? null : String(m.user).trim();
    messages.push({ id, user, title: m.title ?? '', body: m.body ?? '', time });
  }
  const results = dedupeMessages(messages);
  for (let i = 0; i < results.length; i += 1000) {
    const chunk = results.slice(i, i + 1000).map((r) => `{"id":${asJson(r.id)},"duplicateOf":${asJson(r.duplicateOf)},"group":${asJson(r.group)}}\n`).join('');
    if (!output.write(chunk)) await new Promise<void>((resolve) => output.once('drain', () => resolve()));
  }
  return { answered: results.length, rejected };
}

/** Given the commander program, registers `dedupe` on stdin/stdout. */
export function registerDedupeCommand(program: Command): Command {
  return program
    .command('dedupe')
    .description('重复信访与近似重复检测：从标准输入读 JSONL {id,user,title,body,time}，向标准输出写 {id,duplicateOf,group}')
    .action(async () => {
      quietOnClosedPipe(process.stdout);
      const { rejected } = await runDedupe(process.stdin, process.stdout, process.stderr);
      process.exitCode = rejected === 0 ? 0 : 1;
    });
}

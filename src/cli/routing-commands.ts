/**
 * `xinfang classify` and `xinfang train`.
 *
 * classify: JSONL `{id, title, body}` on stdin → `{id, category, unit, confidence}` on stdout, one
 * line per input line in order (category = the model's first-level class name; unit = the lead unit's
 * name when the deployment's database can say it, else null). The model is the deployment's active
 * one when its database is reachable and has trained, else the bundled one (`--model` names a file).
 * A bad line gets `{id, error}` in its place and a note on stderr; the exit code is then 1.
 *
 * train: from the deployment's settled cases (default), or `--from-jsonl FILE --out FILE` to build a
 * model file from labelled messages (how models/routing-base.json.gz is made).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Readable, Writable } from 'node:stream';
import { Command } from 'commander';
import pino from 'pino';
import { z } from 'zod';
import { loadConfig } from '../config.js';
import { loadRouter, routingText } from '../domain/intelligence/routing-model.js';
import { openDatabase, type Database } from '../store/database.js';
import { buildContext } from '../services/app-context.js';
import { loadLexicon } from '../services/lexicon.js';
import { sharedSegmenter } from '../services/segmenter.js';
import { bundledRoutingModel, featuresFor, parseRoutingModel, suggestRouting, type RoutingContext } from '../services/routing.js';
import { trainFromDeployment, trainFromJsonl } from '../services/routing-training.js';
import { idJson, jsonlLines, quietOnClosedPipe } from './jsonl.js';

const Line = z.object({
  id: z.union([z.string(), z.number()]).nullish(),
  title: z.string().nullish(),
  body: z.string().nullish(),
});

type Classify = (title: string | null, body: string) => Promise<{ category: string; unit: string | null; confidence: number }>;

/** Given JSONL input and a classifier, writes one answer per input line; returns how many lines were bad. */
export async function runClassify(input: Readable, output: Writable, errors: Writable, classify: Classify): Promise<{ answered: number; rejected: number }> {
  let lineNo = 0;
  let answered = 0;
  let rejected = 0;
  let buffer = '';
  const flush = async () => {
    if (buffer && !output.write(buffer)) await new Promise<void>((r) => output.once('drain', () => r()));
    buffer = '';
  };
  for await (const { lineNo: n, text: line } of jsonlLines(input)) {
    lineNo = n;
    let parsed: z.infer<typeof Line> | null = null;
    let id: unknown = null;
    try {
      const json: unknown = JSON.parse(line);
      id = (json as { id?: unknown } | null)?.id ?? null;
      const r = Line.safeParse(json);
      if (r.success && (r.data.title?.trim() || r.data.body?.trim())) parsed = r.data;
    } catch {
      /* reported below */
    }
    if (!parsed) {
      rejected++;
      errors.write(`第 ${lineNo} 行无法分类：需要 JSON {id, title, body} 且标题或正文不为空 (line ${lineNo} skipped)\n`);
      buffer += `{"id":${idJson(line, id) ?? 'null'},"error":"INVALID_LINE"}\n`;
    } else {
      const r = await classify(parsed.title ?? null, parsed.body ?? '');
      const rest = JSON.stringify({ category: r.category, unit: r.unit, confidence: Math.round(r.confidence * 1000) / 1000 });
      buffer += `{"id":${idJson(line, parsed.id) ?? 'null'},${rest.slice(1)}\n`;
      answered++;
    }
    if (buffer.length > 64_000) await flush();
  }
  await flush();
  return { answered, rejected };
}

/** Opens the deployment's database without the server's boot work, or returns null when it cannot. */
async function tryOpenDeployment(errors: Writable): Promise<{ ctx: RoutingContext; database: Database } | null> {
  const config = loadConfig();
  const pgliteDir = path.join(config.dataDir, 'pglite');
  if (!config.DATABASE_URL && !fs.existsSync(pgliteDir)) return null;
  try {
    const database = await openDatabase({ databaseUrl: config.DATABASE_URL, pgliteDir, lockFile: path.join(config.dataDir, 'xinfang.lock') });
    const segmenter = sharedSegmenter();
    await loadLexicon({ db: database.db, segmenter, logger: pino({ level: 'warn' }) });
    return { ctx: { db: database.db, config, segmenter }, database };
  } catch (err) {
    errors.write(`未能打开部署数据库，使用随附模型 (could not open the deployment database: ${err instanceof Error ? err.message : String(err)}; using the bundled model)\n`);
    return null;
  }
}

export function registerRoutingCommands(program: Command): void {
  program
    .command('classify')
    .description('智能分类：从标准输入读 JSONL {id,title,body}，向标准输出写 {id,category,unit,confidence}')
    .option('--model <file>', '使用指定的模型文件（.json 或 .json.gz），不读部署数据库')
    .action(async (o: { model?: string }) => {
      quietOnClosedPipe(process.stdout);
      const segmenter = sharedSegmenter();
      let classify: Classify;
      let close = async () => {};
      const deployment = o.model ? null : await tryOpenDeployment(process.stderr);
      if (deployment) {
        const { ctx, database } = deployment;
        close = () => database.close();
        classify = async (title, body) => {
          const s = await suggestRouting(ctx, { title, content: body });
          return { category: s.categoryLabel, unit: s.unit?.name ?? null, confidence: s.categoryConfidence };
        };
      } else {
        const router = loadRouter(o.model ? parseRoutingModel(readModelFile(o.model)) : bundledRoutingModel());
        classify = async (title, body) => {
          const s = router.suggest(featuresFor(segmenter, { title, content: body, words: segmenter.words(routingText({ title, body })) }));
          return { category: s.category.label, unit: null, confidence: s.category.confidence };
        };
      }
      try {
        const { rejected } = await runClassify(process.stdin, process.stdout, process.stderr, classify);
        process.exitCode = rejected ? 1 : 0;
      } finally {
        await close();
      }
    });

  program
    .command('train')
    .description('训练智能分派模型：默认用本部署已办结的案件（训练后即启用）；或 --from-jsonl 文件 --out 文件 生成模型文件')
    .option('--from-jsonl <file>', '从带标注的 JSONL {title, body, category, unit?} 训练')
    .option('--out <file>', '模型写入此文件（.json.gz 则压缩）')
    .option('--hold-out <share>', '留出不参与训练、只用于评估的比例', '0.2')
    .action(async (o: { fromJsonl?: string; out?: string; holdOut: string }) => {
      if (o.fromJsonl) {
        if (!o.out) throw new Error('--from-jsonl 需要 --out');
        const share = Number(o.holdOut);
        if (!(share >= 0 && share < 1)) throw new Error('--hold-out 应在 0 与 1 之间');
        const model = await trainFromJsonl(sharedSegmenter(), o.fromJsonl, { holdOut: share, now: new Date() });
        const json = JSON.stringify(model);
        fs.writeFileSync(o.out, o.out.endsWith('.gz') ? zlib.gzipSync(json, { level: 9 }) : json);
        process.stdout.write(JSON.stringify({ out: o.out, metrics: model.metrics }) + '\n');
        return;
      }
      const ctx = await buildContext({ ...loadConfig(), LOG_LEVEL: 'warn' });
      try {
        const r = await trainFromDeployment(ctx);
        process.stdout.write(JSON.stringify(r) + '\n');
      } finally {
        await ctx.database.close();
      }
    });
}

function readModelFile(file: string): string {
  const bytes = fs.readFileSync(file);
  return (file.endsWith('.gz') ? zlib.gunzipSync(bytes) : bytes).toString('utf8');
}

/**
 * `npm run bench:dedupe [-- --seed 2]`: how well `xinfang dedupe` finds planted near-duplicates among real
 * citizen messages, and how fast.
 *
 * The data (../shared/data/hot_messages.jsonl, 4,326 messages; absent → say so and exit 0):
 * - originals: 1,000 messages drawn (seeded) from the "clean" ones — those with no other message sharing
 *   ≥ 30 % of its character 3-grams (exact count, inverted index). The data holds real repeats and
 *   campaigns (伊景园滨河苑 车位 by dozens of users, one user's template letters); an original from those
 *   would make its natural twins count as false positives. The 1,055 messages left out stay in as
 *   distractors, so they still test precision against the planted ones;
 * - 6 variants per original: sentences reordered; 10–20 % of words (jieba, the project's segmenter) replaced
 *   by random words of the corpus, title too; body cut to 50–80 %; and each pairing of two of those;
 *   half the variants (seeded coin) by the original's user, half by a new user; each 1 h–90 d after it;
 * - all 4,326 messages, then everything shuffled (input order ≠ time order).
 * Truth: a family is an original and its variants. duplicateOf is right when it names an earlier family
 * member of the same user; group pairs are right when both are of one family. Pairs between two
 * distractors are unlabelled (real repeats among them are counted and shown, not scored).
 *
 * `--write-fixture <path>` writes the small labelled set the tests use (test/fixtures/dedupe-sample.jsonl).
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dedupeMessages, parseMessageTime, type DedupeMessage } from '../src/domain/intelligence/dedupe.js';
import { fingerprint, normaliseForFingerprint } from '../src/domain/intelligence/minhash.js';
import { sharedSegmenter } from '../src/services/segmenter.js';
import { mulberry32 } from '../src/domain/demo/prng.js';

const DATA = fileURLToPath(new URL('../../shared/data/hot_messages.jsonl', import.meta.url));

interface Source {
  id: string;
  user: string;
  title: string;
  time: string;
  body: string;
}

export interface Planted extends Source {
  /** the original's id for an original and its variants; null for a distractor */
  family: string | null;
  kind: string;
}

const KINDS = ['reorder', 'replace', 'truncate', 'reorder+replace', 'replace+truncate', 'reorder+truncate'] as const;


function shuffle<T>(a: T[], r: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function reorder(text: string, r: () => number): string {
  let parts = text.match(/[^。！？!?；;]+[。！？!?；;]*/g) ?? [text];
  if (parts.length < 2) parts = text.match(/[^，,]+[，,]*/g) ?? [text];
  if (parts.length < 2) return text;
  for (let attempt = 0; attempt < 5; attempt++) {
    const s = shuffle([...parts], r).join('');
    if (s !== text) return s;
  }
  return [...parts.slice(1), parts[0]!].join('');
}

function replaceWords(text: string, words: string[], vocab: string[], share: number, r: () => number): string {
  let out = '';
  let cursor = 0;
  for (const w of words) {
    const at = text.indexOf(w, cursor);
    if (at < 0) continue;
    out += text.slice(cursor, at) + (r() < share ? vocab[Math.floor(r() * vocab.length)]! : w);
    cursor = at + w.length;
  }
  return out + text.slice(cursor);
}

function truncate(text: string, share: number): string {
  const cps = Array.from(text);
  return cps.slice(0, Math.max(1, Math.round(cps.length * share))).join('');
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export function loadSources(): Source[] | null {
  if (!fs.existsSync(DATA)) return null;
  return fs
    .readFileSync(DATA, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Source);
}

/** Given the messages, returns the indices of those sharing no ≥ 30 % of their 3-grams with any other. */
function cleanIndices(msgs: Source[]): number[] {
  const sets = msgs.map((m) => {
    const t = Array.from(normaliseForFingerprint(`${m.title}\n${m.body}`));
    const s = new Set<string>();
    for (let i = 0; i + 3 <= t.length; i++) s.add(t[i]! + t[i + 1]! + t[i + 2]!);
    return s;
  });
  const postings = new Map<string, number[]>();
  sets.forEach((s, i) => {
    for (const g of s) {
      const p = postings.get(g);
      if (p) p.push(i);
      else postings.set(g, [i]);
    }
  });
  const clean: number[] = [];
  for (let i = 0; i < msgs.length; i++) {
    const counts = new Map<number, number>();
    for (const g of sets[i]!) for (const j of postings.get(g)!) if (j !== i) counts.set(j, (counts.get(j) ?? 0) + 1);
    let dirty = false;
    for (const [j, c] of counts) {
      if (c >= 3 && c / Math.max(1, Math.min(sets[i]!.size, sets[j]!.size)) >= 0.3) {
        dirty = true;
        break;
      }
    }
    if (!dirty) clean.push(i);
  }
  return clean;
}

/** Given the real messages, returns them plus planted variants of `originals` clean ones, shuffled. */
export function plant(msgs: Source[], opts: { seed: number; originals: number; distractors?: number; maxChars?: number }): Planted[] {
  const r = mulberry32(opts.seed);
  const seg = sharedSegmenter();
  const vocab = [...new Set(msgs.flatMap((m) => seg.words(m.body)))].sort();
  const clean = shuffle(cleanIndices(msgs), r).filter((i) => opts.maxChars === undefined || msgs[i]!.body.length <= opts.maxChars);
  const originals = new Set(clean.slice(0, opts.originals));
  // the fixture keeps only clean distractors, so its expectations are exact
  const distractors = opts.distractors === undefined ? msgs.map((_, i) => i).filter((i) => !originals.has(i)) : clean.slice(opts.originals, opts.originals + opts.distractors);
  const out: Planted[] = [];
  for (const i of distractors) out.push({ ...msgs[i]!, family: null, kind: 'distractor' });
  let newUser = 0;
  for (const i of clean.slice(0, opts.originals)) {
    const o = msgs[i]!;
    out.push({ ...o, family: o.id, kind: 'original' });
    const t0 = parseMessageTime(o.time)!;
    KINDS.forEach((kind, k) => {
      let { title, body } = o;
      for (const step of kind.split('+')) {
        if (step === 'reorder') body = reorder(body, r);
        if (step === 'replace') {
          const share = 0.1 + 0.1 * r();
          title = replaceWords(title, seg.words(title), vocab, share, r);
          body = replaceWords(body, seg.words(body), vocab, share, r);
        }
        if (step === 'truncate') body = truncate(body, 0.5 + 0.3 * r());
      }
      const user = r() < 0.5 ? o.user : `P${opts.seed}-${++newUser}`;
      const time = formatTime(t0 + 3_600_000 + Math.floor(r() * 89 * 86_400_000));
      out.push({ id: `${o.id}-v${k + 1}`, user, title, body, time, family: o.id, kind });
    });
  }
  return shuffle(out, r);
}

export interface Scores {
  dupPrecision: number;
  dupRecall: number;
  groupPrecision: number;
  groupRecall: number;
  byKind: Record<string, { pairRecall: number; dupRecall: number }>;
  naturalGroups: number;
  naturalRepeats: number;
}

/** Given the labelled messages and the detector's answer, returns precision and recall (see the header). */
export function score(rows: Planted[], result: Array<{ id: string; duplicateOf: string | null; group: string }>): Scores {
  const byId = new Map(rows.map((m, i) => [m.id, { m, i, t: parseMessageTime(m.time)! }]));
  const earlier = (a: string, b: string) => {
    const x = byId.get(a)!;
    const y = byId.get(b)!;
    return x.t < y.t || (x.t === y.t && x.i < y.i);
  };
  const families = new Map<string, Planted[]>();
  for (const m of rows) if (m.family) families.set(m.family, [...(families.get(m.family) ?? []), m]);
  let dupCorrect = 0;
  let dupPredicted = 0;
  let dupExpected = 0;
  const kindTotals: Record<string, { pairs: number; pairHits: number; dups: number; dupHits: number }> = {};
  const groupOf = new Map(result.map((x) => [x.id, x.group]));
  let naturalRepeats = 0;
  for (const x of result) {
    const m = byId.get(x.id)!.m;
    if (!m.family) {
      if (x.duplicateOf !== null && !byId.get(x.duplicateOf)!.m.family) naturalRepeats++;
      else if (x.duplicateOf !== null) dupPredicted++; // a distractor called a repeat of a planted message
      continue;
    }
    const k = (kindTotals[m.kind] ??= { pairs: 0, pairHits: 0, dups: 0, dupHits: 0 });
    const fam = families.get(m.family)!;
    const truth = new Set(fam.filter((o) => o.id !== m.id && o.user === m.user && earlier(o.id, m.id)).map((o) => o.id));
    if (truth.size > 0) {
      dupExpected++;
      k.dups++;
    }
    if (x.duplicateOf !== null) {
      dupPredicted++;
      if (truth.has(x.duplicateOf)) {
        dupCorrect++;
        k.dupHits++;
      }
    }
    if (m.kind !== 'original') {
      k.pairs++;
      if (groupOf.get(m.id) === groupOf.get(m.family)) k.pairHits++;
    }
  }
  // group pairs touching a planted message
  const groups = new Map<string, Planted[]>();
  for (const x of result) groups.set(x.group, [...(groups.get(x.group) ?? []), byId.get(x.id)!.m]);
  const pairs = (n: number) => (n * (n - 1)) / 2;
  let truePairs = 0;
  let predictedPairs = 0;
  let naturalGroups = 0;
  for (const members of groups.values()) {
    const perFamily = new Map<string, number>();
    let loose = 0;
    for (const m of members) {
      if (m.family) perFamily.set(m.family, (perFamily.get(m.family) ?? 0) + 1);
      else loose++;
    }
    if (loose > 1 && perFamily.size === 0) naturalGroups++;
    predictedPairs += pairs(members.length) - pairs(loose);
    for (const c of perFamily.values()) truePairs += pairs(c);
  }
  let expectedPairs = 0;
  for (const fam of families.values()) expectedPairs += pairs(fam.length);
  const byKind: Scores['byKind'] = {};
  for (const [kind, t] of Object.entries(kindTotals)) byKind[kind] = { pairRecall: t.pairs ? t.pairHits / t.pairs : NaN, dupRecall: t.dups ? t.dupHits / t.dups : NaN };
  return {
    dupPrecision: dupPredicted ? dupCorrect / dupPredicted : 1,
    dupRecall: dupExpected ? dupCorrect / dupExpected : 1,
    groupPrecision: predictedPairs ? truePairs / predictedPairs : 1,
    groupRecall: expectedPairs ? truePairs / expectedPairs : 1,
    byKind,
    naturalGroups,
    naturalRepeats,
  };
}

export function toDedupeInput(rows: Planted[]): DedupeMessage[] {
  return rows.map((m) => ({ id: m.id, user: m.user, title: m.title, body: m.body, time: parseMessageTime(m.time)! }));
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const sources = loadSources();
  if (!sources) {
    process.stdout.write(`${DATA} not found: nothing to measure (the benchmark needs the shared data set).\n`);
    return;
  }
  const seed = Number(arg('--seed') ?? 1);
  const fixture = arg('--write-fixture');
  if (fixture) {
    const rows = plant(sources, { seed, originals: 40, distractors: 200, maxChars: 300 });
    const lines = rows.map((m) => JSON.stringify({ id: m.id, user: m.user, title: m.title, body: m.body, time: m.time, family: m.family, kind: m.kind }));
    fs.writeFileSync(fixture, lines.join('\n') + '\n');
    process.stdout.write(`wrote ${rows.length} rows to ${fixture}\n`);
    return;
  }
  const originals = Number(arg('--originals') ?? 1000);
  const rows = plant(sources, { seed, originals });
  const input = toDedupeInput(rows);
  const t0 = performance.now();
  const result = dedupeMessages(input);
  const ms = performance.now() - t0;
  const s = score(rows, result);

  // fingerprint cost, alone
  const texts = sources.map((m) => `${m.title}\n${m.body}`);
  for (const t of texts.slice(0, 500)) fingerprint(t); // warm up
  let t1 = performance.now();
  for (const t of texts) fingerprint(t);
  const usPerText = ((performance.now() - t1) * 1000) / texts.length;
  const avgChars = texts.reduce((a, t) => a + t.length, 0) / texts.length;
  const long = texts.filter((t) => t.length >= 480 && t.length <= 520);
  t1 = performance.now();
  for (let rep = 0; rep < 10; rep++) for (const t of long) fingerprint(t);
  const us500 = ((performance.now() - t1) * 1000) / (10 * long.length);

  // throughput at 50k: the real messages plus variants of random ones (a realistic share of repeats)
  const scale = Number(arg('--scale') ?? 50_000);
  const r = mulberry32(seed + 1000);
  const big: DedupeMessage[] = toDedupeInput(sources.map((m) => ({ ...m, family: null, kind: 'distractor' })));
  const seg = sharedSegmenter();
  const vocab = [...new Set(sources.slice(0, 500).flatMap((m) => seg.words(m.body)))].sort();
  while (big.length < scale) {
    const o = sources[Math.floor(r() * sources.length)]!;
    const body = r() < 0.5 ? replaceWords(o.body, seg.words(o.body), vocab, 0.15, r) : truncate(reorder(o.body, r), 0.5 + 0.5 * r());
    big.push({ id: `s${big.length}`, user: `U${Math.floor(r() * 20_000)}`, title: o.title, body, time: parseMessageTime(o.time)! + Math.floor(r() * 1e10) });
  }
  const t2 = performance.now();
  const bigResult = dedupeMessages(big);
  const bigMs = performance.now() - t2;

  const pct = (x: number) => (x * 100).toFixed(1) + ' %';
  const out = [
    `## dedupe on planted near-duplicates (seed ${seed})`,
    '',
    `${rows.length.toLocaleString('en')} messages: ${originals} originals × 6 variants + ${(rows.length - originals * 7).toLocaleString('en')} distractors`,
    '',
    '| measure | precision | recall |',
    '|---|---|---|',
    `| duplicateOf (same user, earlier) | ${pct(s.dupPrecision)} | ${pct(s.dupRecall)} |`,
    `| group pairs (anyone) | ${pct(s.groupPrecision)} | ${pct(s.groupRecall)} |`,
    '',
    '| variant | original and variant grouped | duplicateOf found |',
    '|---|---|---|',
    ...Object.entries(s.byKind).map(([k, v]) => `| ${k} | ${Number.isNaN(v.pairRecall) ? '–' : pct(v.pairRecall)} | ${Number.isNaN(v.dupRecall) ? '–' : pct(v.dupRecall)} |`),
    '',
    `Real repeats among the distractors (unlabelled, not scored): ${s.naturalGroups} groups, ${s.naturalRepeats} duplicateOf links.`,
    '',
    '| speed | |',
    '|---|---|',
    `| fingerprint, hot_messages (avg ${avgChars.toFixed(0)} chars) | ${usPerText.toFixed(0)} µs/text |`,
    `| fingerprint, 480–520 chars (${long.length} texts) | ${us500.toFixed(0)} µs/text |`,
    `| dedupe ${rows.length.toLocaleString('en')} planted | ${(ms / 1000).toFixed(2)} s (${Math.round((rows.length / ms) * 1000).toLocaleString('en')} msg/s) |`,
    `| dedupe ${big.length.toLocaleString('en')} (real + variants) | ${(bigMs / 1000).toFixed(2)} s (${Math.round((big.length / bigMs) * 1000).toLocaleString('en')} msg/s); ${new Set(bigResult.map((x) => x.group)).size.toLocaleString('en')} groups |`,
    '',
  ];
  process.stdout.write(out.join('\n'));
  if (process.argv.includes('--show-natural')) {
    const groups = new Map<string, string[]>();
    result.forEach((x, i) => {
      if (!rows[i]!.family) groups.set(x.group, [...(groups.get(x.group) ?? []), x.id]);
    });
    const byId = new Map(rows.map((m) => [m.id, m]));
    for (const ids of [...groups.values()].filter((g) => g.length > 1).slice(0, Number(arg('--show-natural') ?? 20))) {
      process.stdout.write(`\n--- ${ids.length} messages\n`);
      for (const id of ids.slice(0, 4)) process.stdout.write(`${id} ${byId.get(id)!.user} ${byId.get(id)!.title} | ${byId.get(id)!.body.slice(0, 80)}\n`);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) main();

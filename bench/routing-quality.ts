/**
 * Category routing quality on the public 7-class data (../shared/data/messages_train.jsonl):
 * trains on the training share of the split (src/domain/intelligence/routing-split.ts: SHA-1 of
 * the body < 0.2 → held out), never on the held-out share, and reports macro-F1 on the held-out
 * share, plus 5-fold cross-validation by the same hash, and classification throughput on one core.
 *
 *   npx tsx bench/routing-quality.ts [path/to/messages_train.jsonl] [--folds]
 */
import fs from 'node:fs';
import crypto from 'node:crypto';
import { classifierFeatures, loadTextClassifier, scoreClassification, trainTextClassifier } from '../src/domain/intelligence/text-classifier.js';
import { isHeldOut } from '../src/domain/intelligence/routing-split.js';
import { sharedSegmenter } from '../src/services/segmenter.js';

const file = process.argv.find((a, i) => i > 1 && !a.startsWith('--')) ?? new URL('../../shared/data/messages_train.jsonl', import.meta.url).pathname;
if (!fs.existsSync(file)) {
  console.log(`no data at ${file}: nothing to measure`);
  process.exit(0);
}
const seg = sharedSegmenter();
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { title: string | null; body: string; category: string });
const t0 = performance.now();
const items = rows.map((r) => {
  const text = `${r.title ?? ''}\n${r.body}`;
  return { body: r.body, text, label: r.category, features: classifierFeatures({ words: seg.words(text), text }) };
});
const featMs = performance.now() - t0;

const train = items.filter((i) => !isHeldOut(i.body));
const test = items.filter((i) => isHeldOut(i.body));
const t1 = performance.now();
const model = trainTextClassifier(train);
const trainMs = performance.now() - t1;
const clf = loadTextClassifier(model);
const result = scoreClassification(test.map((i) => ({ truth: i.label, predicted: clf.classify(i.features).label })));

// Throughput end to end (segmentation + features + classification), one core, over all texts.
const t2 = performance.now();
let n = 0;
while (performance.now() - t2 < 3000) {
  for (const r of items) {
    clf.classify(classifierFeatures({ words: seg.words(r.text), text: r.text }));
    n++;
  }
}
const perSec = n / ((performance.now() - t2) / 1000);

console.log(`data: ${file} (${rows.length} messages; ${train.length} train / ${test.length} held out)`);
console.log(`held-out macro-F1 ${result.macroF1.toFixed(4)}, accuracy ${result.accuracy.toFixed(4)} (temperature ${model.temperature}, features ${Buffer.from(model.vocabulary, "base64").length / 4}, trained in ${(trainMs / 1000).toFixed(1)} s)`);
console.log('| class | precision | recall | F1 | support |\n|---|---|---|---|---|');
for (const l of result.perLabel) console.log(`| ${l.label} | ${l.precision.toFixed(3)} | ${l.recall.toFixed(3)} | ${l.f1.toFixed(3)} | ${l.support} |`);
console.log(`classification incl. segmentation: ${Math.round(perSec)} texts/s on one core (mean ${Math.round(items.reduce((a, i) => a + i.text.length, 0) / items.length)} chars; features of all texts once: ${featMs.toFixed(0)} ms)`);

if (process.argv.includes('--folds')) {
  const fold = (body: string) => Math.floor((crypto.createHash('sha1').update(body).digest().readUInt32BE(0) / 2 ** 32) * 5);
  const f1s: number[] = [];
  for (let f = 0; f < 5; f++) {
    const c = loadTextClassifier(trainTextClassifier(items.filter((i) => fold(i.body) !== f)));
    f1s.push(scoreClassification(items.filter((i) => fold(i.body) === f).map((i) => ({ truth: i.label, predicted: c.classify(i.features).label }))).macroF1);
  }
  console.log(`5-fold macro-F1: ${f1s.map((x) => x.toFixed(4)).join(' ')} mean ${(f1s.reduce((a, b) => a + b) / 5).toFixed(4)}`);
}

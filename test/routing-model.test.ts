/**
 * The bundled routing model (models/routing-base.json.gz, trained on the public data's training
 * share only) on the held-out messages of the project's own fixture (fixtures/messages-sample.jsonl:
 * rows from messages_train whose body hash puts them in the held-out share) — known answers the
 * model never saw. A broken feature extraction, segmenter or model file shows here at once.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadRouter, routingText } from '../src/domain/intelligence/routing-model.js';
import { isHeldOut } from '../src/domain/intelligence/routing-split.js';
import { scoreClassification } from '../src/domain/intelligence/text-classifier.js';
import { bundledRoutingModel, featuresFor } from '../src/services/routing.js';
import { sharedSegmenter } from '../src/services/segmenter.js';

const rows = fs
  .readFileSync(new URL('../fixtures/messages-sample.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { src: string; title: string | null; body: string; category: string | null })
  .filter((r) => r.src === 'messages_train' && r.category && isHeldOut(r.body));

describe('bundled routing model', () => {
  it('routes held-out public messages it never trained on (macro-F1 over the 7 classes)', () => {
    expect(rows.length).toBeGreaterThanOrEqual(70);
    const router = loadRouter(bundledRoutingModel());
    const seg = sharedSegmenter();
    const pairs = rows.map((r) => ({
      truth: r.category!,
      predicted: router.suggest(featuresFor(seg, { title: r.title, content: r.body, words: seg.words(routingText({ title: r.title, body: r.body })) })).category.label,
    }));
    const score = scoreClassification(pairs);
    expect(score.perLabel).toHaveLength(7);
    expect(score.macroF1).toBeGreaterThanOrEqual(0.85);
  });

  it('says where its figures come from: trained on the training share only', () => {
    const m = bundledRoutingModel();
    expect(m.source).toBe('bundled');
    expect(m.unit).toBeNull();
    expect(m.metrics.category?.macroF1).toBeGreaterThanOrEqual(0.88);
    expect(m.metrics.category!.trainedOn + m.metrics.category!.heldOut).toBe(2580);
  });
});

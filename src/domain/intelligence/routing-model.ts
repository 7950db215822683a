/**
 * The routing model: two text classifiers over one feature extraction — the category (first-level
 * class name) and, once a deployment has trained on its own closed cases, the lead unit (unit id).
 * Pure: the caller cuts the words; the database and files are the services' business.
 */
import {
  classifierFeatures,
  loadTextClassifier,
  trainTextClassifier,
  scoreClassification,
  type TextClassifier,
  type TextClassifierModel,
} from './text-classifier.js';

export interface RoutingModel {
  format: 'xinfang-routing';
  version: 1;
  /** bundled (the public data shipped with xinfang) | trained (this deployment's cases) */
  source: 'bundled' | 'trained';
  builtAt: string;
  category: TextClassifierModel;
  /** lead unit ids; absent until a deployment trains on its own cases */
  unit: TextClassifierModel | null;
  /** held-out figures measured when it was built */
  metrics: RoutingMetrics;
}

export interface HeadMetrics {
  macroF1: number;
  accuracy: number;
  trainedOn: number;
  heldOut: number;
  labels: number;
}

export interface RoutingMetrics {
  category: HeadMetrics | null;
  unit: HeadMetrics | null;
  /** how the held-out share was chosen */
  split: string;
}

export interface RoutingText {
  title: string | null;
  body: string;
  /** where it arose: the ids of its unit and every unit above (routing to a unit depends on place as much as on words) */
  places?: readonly string[];
}

export interface RoutingExample extends RoutingText {
  category?: string | null;
  unit?: string | null;
  /** a deployment's own case counts more than a public message */
  weight?: number;
}

export interface RoutingSuggestion {
  category: { label: string; confidence: number; ranked: Array<{ label: string; confidence: number }> };
  unit: { label: string; confidence: number; ranked: Array<{ label: string; confidence: number }> } | null;
}

export interface Router {
  readonly model: RoutingModel;
  suggest(features: Int32Array): RoutingSuggestion;
}

/** Given a text and its words (cut by the caller's segmenter), returns the routing features. */
export function routingFeatures(text: RoutingText, words: readonly string[]): Int32Array {
  return classifierFeatures({ words, text: routingText(text), extra: (text.places ?? []).map((id) => `place:${id}`) });
}

/** The text a message is classified on: its title (when it has one) and body. */
export function routingText(t: Pick<RoutingText, 'title' | 'body'>): string {
  return `${t.title ?? ''}\n${t.body}`;
}

/** Given a model (parsed JSON), returns a router; throws when it is not a routing model. */
export function loadRouter(model: RoutingModel): Router {
  if (model?.format !== 'xinfang-routing' || model.version !== 1) throw new Error('not a xinfang routing model');
  const category = loadTextClassifier(model.category);
  const unit: TextClassifier | null = model.unit ? loadTextClassifier(model.unit) : null;
  return {
    model,
    suggest(features) {
      const c = category.classify(features);
      const u = unit?.classify(features) ?? null;
      return {
        category: { label: c.label, confidence: c.confidence, ranked: c.ranked.slice(0, 3) },
        unit: u ? { label: u.label, confidence: u.confidence, ranked: u.ranked.slice(0, 3) } : null,
      };
    },
  };
}

export interface BuildOptions {
  source: RoutingModel['source'];
  /** decides which examples are held out for the figures (and never trained on when `holdOutOnly`) */
  isHeldOut: (e: RoutingExample, index: number) => boolean;
  /**
   * true: the model is trained on the training share only, so the figures describe the very model
   * shipped; false: the figures come from a model trained on the training share, then the model
   * is trained again on everything.
   */
  holdOutOnly: boolean;
  /** a head needs at least this many labelled examples (and two labels) to be trained */
  minExamples?: number;
  /** a category head to keep when the examples are too few to train one */
  fallbackCategory?: TextClassifierModel | null;
  now: Date;
  split: string;
}

/** Given labelled examples with their features, returns a routing model and its held-out figures. */
export function buildRoutingModel(examples: ReadonlyArray<RoutingExample & { features: Int32Array }>, opts: BuildOptions): RoutingModel {
  const min = opts.minExamples ?? 50;
  const held = examples.map((e, i) => opts.isHeldOut(e, i));
  const head = (pick: (e: RoutingExample) => string | null | undefined) => {
    const labelled = examples.map((e, i) => ({ features: e.features, label: pick(e), weight: e.weight, held: held[i]! })).filter((e): e is typeof e & { label: string } => !!e.label);
    if (labelled.length < min || new Set(labelled.map((e) => e.label)).size < 2) return null;
    const train = labelled.filter((e) => !e.held);
    const test = labelled.filter((e) => e.held);
    const measured = trainTextClassifier(train);
    const clf = loadTextClassifier(measured);
    const score = scoreClassification(test.map((e) => ({ truth: e.label, predicted: clf.classify(e.features).label })));
    const model = opts.holdOutOnly ? measured : trainTextClassifier(labelled);
    const metrics: HeadMetrics = {
      macroF1: round(score.macroF1),
      accuracy: round(score.accuracy),
      trainedOn: opts.holdOutOnly ? train.length : labelled.length,
      heldOut: test.length,
      labels: model.labels.length,
    };
    return { model, metrics };
  };
  const category = head((e) => e.category);
  const unit = head((e) => e.unit);
  const categoryModel = category?.model ?? opts.fallbackCategory;
  if (!categoryModel) throw new Error(`too few categorised examples to train routing (need ${min})`);
  return {
    format: 'xinfang-routing',
    version: 1,
    source: opts.source,
    builtAt: opts.now.toISOString(),
    category: categoryModel,
    unit: unit?.model ?? null,
    metrics: { category: category?.metrics ?? null, unit: unit?.metrics ?? null, split: opts.split },
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

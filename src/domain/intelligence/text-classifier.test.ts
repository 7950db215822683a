import { describe, expect, it } from 'vitest';
import { classifierFeatures, loadTextClassifier, scoreClassification, trainTextClassifier, type TextClassifierModel } from './text-classifier.js';

// A toy corpus with known answers: three matters whose words do not overlap.
const MATTERS: Record<string, string[]> = {
  wages: ['拖欠 工资 老板 工地 讨薪', '工资 拖欠 半年 农民工', '公司 不发 工资 讨薪 无门', '欠薪 工资 包工头 跑路'],
  noise: ['夜间 施工 噪音 扰民 睡觉', '广场舞 噪音 太大 扰民', '酒吧 噪音 深夜 扰民 投诉', '工厂 机器 噪音 扰民'],
  school: ['学校 收费 学生 家长 补课', '幼儿园 学位 孩子 入学', '老师 体罚 学生 学校', '学生 午餐 学校 食堂 家长'],
};
const examples = Object.entries(MATTERS).flatMap(([label, texts]) =>
  texts.flatMap((t, i) => [0, 1, 2].map((r) => ({ label, features: feats(`${t} 第${i}${r}次`) }))),
);

function feats(text: string) {
  return classifierFeatures({ words: text.split(' '), text });
}

describe('text classifier', () => {
  it('learns the matters of a small corpus and names them on new texts', () => {
    const clf = loadTextClassifier(trainTextClassifier(examples, { minDf: 1 }));
    expect(clf.classify(feats('包工头 拖欠 工资 不给')).label).toBe('wages');
    expect(clf.classify(feats('楼下 酒吧 噪音 扰民')).label).toBe('noise');
    expect(clf.classify(feats('孩子 在 学校 被 老师 体罚')).label).toBe('school');
  });

  it('gives confidences that sum to one, best first', () => {
    const clf = loadTextClassifier(trainTextClassifier(examples, { minDf: 1 }));
    const c = clf.classify(feats('工资 拖欠'));
    expect(c.ranked.map((r) => r.label)[0]).toBe(c.label);
    expect(c.ranked.reduce((a, r) => a + r.confidence, 0)).toBeCloseTo(1, 6);
    expect(c.ranked.every((r, i) => i === 0 || r.confidence <= c.ranked[i - 1]!.confidence)).toBe(true);
  });

  it('trains the same model twice from the same data, and survives JSON', () => {
    const a = trainTextClassifier(examples, { minDf: 1 });
    const b = trainTextClassifier(examples, { minDf: 1 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const back = loadTextClassifier(JSON.parse(JSON.stringify(a)) as TextClassifierModel);
    expect(back.classify(feats('广场舞 噪音')).label).toBe('noise');
  });

  it('a text with no known feature still gets an answer, and a broken model is refused', () => {
    const model = trainTextClassifier(examples, { minDf: 1 });
    expect(loadTextClassifier(model).classify(feats('完全 无关 的 内容')).confidence).toBeGreaterThan(0);
    expect(() => loadTextClassifier({ ...model, weights: model.weights.slice(0, 8) })).toThrow();
    expect(() => loadTextClassifier({ format: 'other' } as unknown as TextClassifierModel)).toThrow();
  });

  it('features cover words, word pairs and character pairs, and ignore punctuation', () => {
    const f = classifierFeatures({ words: ['拖欠', '工资'], text: '拖欠，工资！' });
    // two words, one word bigram, three character bigrams (拖欠 欠工 工资)
    expect(f.length).toBe(6);
    expect(new Set(f).size).toBe(6);
    expect(classifierFeatures({ words: ['拖欠', '工资'], text: '拖欠工资' })).toEqual(f);
  });

  it('scores macro-F1 as the mean of the per-label F1', () => {
    const s = scoreClassification([
      { truth: 'a', predicted: 'a' },
      { truth: 'a', predicted: 'b' },
      { truth: 'b', predicted: 'b' },
      { truth: 'b', predicted: 'b' },
    ]);
    // a: P 1, R 0.5 → F1 2/3; b: P 2/3, R 1 → F1 0.8
    expect(s.macroF1).toBeCloseTo((2 / 3 + 0.8) / 2, 10);
    expect(s.accuracy).toBe(0.75);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The data files the demo and the tests ship with: they must be present and well-formed on a fresh clone.
const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

interface CategoryNode {
  code: string;
  name: string;
  children?: CategoryNode[];
}

const FIRST_LEVEL = [
  '城乡建设', '劳动和社会保障', '教育文体', '卫生健康', '交通运输', '商贸旅游', '生态环境', '农村农业',
  '政法', '民政', '党务政务', '经济管理', '纪检监察', '自然资源', '科技与信息产业',
];
const PUBLISHER_LABELS = ['城乡建设', '劳动和社会保障', '教育文体', '商贸旅游', '卫生计生', '环境保护', '交通运输'];

describe('statute/categories.json', () => {
  const doc = JSON.parse(read('statute/categories.json')) as { version: string; source: string; categories: CategoryNode[] };

  it('carries a version, a source and the 15 first-level classes of DOMAIN.md §2, in order', () => {
    expect(doc.version).toBe('2026.1');
    expect(doc.source.length).toBeGreaterThan(10);
    expect(doc.categories.map((c) => c.name)).toEqual(FIRST_LEVEL);
    expect(doc.categories.map((c) => c.code)).toEqual(FIRST_LEVEL.map((_, i) => String(i + 1).padStart(2, '0')));
  });

  it('has 3–8 second-level classes per class and 2–5 leaves per second-level class, with nested codes', () => {
    const codes: string[] = [];
    for (const c1 of doc.categories) {
      codes.push(c1.code);
      expect(c1.children!.length).toBeGreaterThanOrEqual(3);
      expect(c1.children!.length).toBeLessThanOrEqual(8);
      expect(new Set(c1.children!.map((c) => c.name)).size).toBe(c1.children!.length);
      for (const c2 of c1.children!) {
        codes.push(c2.code);
        expect(c2.code).toMatch(new RegExp(`^${c1.code}\\d{2}$`));
        expect(c2.children!.length).toBeGreaterThanOrEqual(2);
        expect(c2.children!.length).toBeLessThanOrEqual(5);
        expect(new Set(c2.children!.map((c) => c.name)).size).toBe(c2.children!.length);
        for (const c3 of c2.children!) {
          codes.push(c3.code);
          expect(c3.code).toMatch(new RegExp(`^${c2.code}\\d{2}$`));
          expect(c3.name.length).toBeGreaterThan(0);
          expect(c3.children ?? []).toHaveLength(0);
        }
      }
    }
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('names the leaves the reports talk about', () => {
    const names = JSON.stringify(doc);
    for (const n of ['物业服务质量', '物业收费', '维修基金', '住房保障', '拆迁安置', '占道经营', '违章搭建', '拖欠工资']) expect(names).toContain(n);
  });
});

describe('statute/category-aliases.json', () => {
  const doc = JSON.parse(read('statute/category-aliases.json')) as { aliases: Record<string, string> };
  const tree = JSON.parse(read('statute/categories.json')) as { categories: CategoryNode[] };
  const codeOf = new Map(tree.categories.map((c) => [c.name, c.code]));

  it('maps the 7 publisher labels to first-level codes, the renamed ones to their new classes', () => {
    expect(Object.keys(doc.aliases).sort()).toEqual([...PUBLISHER_LABELS].sort());
    for (const label of PUBLISHER_LABELS) expect([...codeOf.values()]).toContain(doc.aliases[label]);
    expect(doc.aliases['卫生计生']).toBe(codeOf.get('卫生健康'));
    expect(doc.aliases['环境保护']).toBe(codeOf.get('生态环境'));
    expect(doc.aliases['城乡建设']).toBe(codeOf.get('城乡建设'));
  });
});

describe('fixtures/messages-sample.jsonl', () => {
  const rows = read('fixtures/messages-sample.jsonl')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('is present with at least 300 normalised rows, bodies within 1,500 characters', () => {
    expect(rows.length).toBeGreaterThanOrEqual(300);
    for (const r of rows) {
      expect(Object.keys(r)).toEqual(['src', 'title', 'body', 'category', 'reply']);
      expect(['messages_train', 'replies']).toContain(r.src);
      expect(typeof r.body).toBe('string');
      expect((r.body as string).length).toBeGreaterThan(0);
      expect((r.body as string).length).toBeLessThanOrEqual(1500);
      for (const k of ['title', 'category', 'reply']) expect(r[k] === null || typeof r[k] === 'string').toBe(true);
    }
  });

  it('samples every publisher class and about 100 official replies', () => {
    const messages = rows.filter((r) => r.src === 'messages_train');
    expect(messages.length).toBeGreaterThanOrEqual(300);
    expect(new Set(messages.map((r) => r.category))).toEqual(new Set(PUBLISHER_LABELS));
    const replies = rows.filter((r) => r.src === 'replies');
    expect(replies.length).toBeGreaterThanOrEqual(90);
    for (const r of replies) {
      expect(typeof r.reply).toBe('string');
      expect(r.category).toBeNull();
    }
  });
});

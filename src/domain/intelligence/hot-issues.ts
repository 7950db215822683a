/**
 * 热点 (hot issues, DOMAIN.md §8): similar cases of a sliding window grouped, labelled and ranked by
 * volume and growth, as candidates for the month's topic (每月一题). Pure: the cases of the current
 * and the previous window come in, ranked groups go out; no clock, no database.
 *
 * Similar = sharing at least `minShared` (2) of their top `topKeywords` (5) TF-IDF keywords, or the
 * same matter (matterId). Groups are the connected components (union-find). Pairs of cases are never
 * compared: each case emits its keyword combinations of size `minShared` (5 keywords → 10 pairs) as
 * keys of an inverted index, and joins the first case that emitted the same key — linear in cases.
 * The previous window's cases are grouped together with the current ones, so a group knows how many
 * cases it had then (its growth) under the same identity.
 *
 * Ranking (documented for the page): growth = (volume − previous) / max(previous, 1);
 * score = volume × (1 + min(max(growth, −1), 1)). Growth counts at most as a doubling, so a new
 * group of 5 (score 10) does not outrank a steady one of 12 (score 12) merely by being new, and a
 * shrinking group sinks. Ties: volume, then the key. A group needs `minCases` (3) current cases.
 */

export interface HotIssueCase {
  id: string;
  /** the text's keywords, best first (cases.keywords) */
  keywords: readonly string[];
  categoryCode: string | null;
  /** where the case arose, at the level asked for (community or street path); null when above it */
  placePath: string | null;
  receivedAt: Date;
  /** 同一事项: cases about the same matter join whatever their words */
  matterId?: string | null;
}

export interface HotIssueOptions {
  /** how many top keywords of each case are compared (default 5) */
  topKeywords?: number;
  /** how many of them two cases must share to be similar (default 2) */
  minShared?: number;
  /** the fewest current-window cases that make a group (default 3) */
  minCases?: number;
  /** how many keywords label a group (default 5) */
  labelKeywords?: number;
  /** how many groups to return (default 50) */
  limit?: number;
}

export interface HotIssueGroup {
  /** a stable name for the group while its earliest current case stays in it: that case's id */
  key: string;
  /** the group's most common keywords, most common first (each held by two cases at least) */
  keywords: string[];
  /** the most common category among the current cases (null when none has one) */
  categoryCode: string | null;
  /** cases in the current window */
  volume: number;
  /** cases of the same group in the previous window */
  previous: number;
  /** (volume − previous) / max(previous, 1) */
  growth: number;
  score: number;
  /** current cases per place, most first (null: arose above the level) */
  places: Array<{ placePath: string | null; count: number }>;
  /** current cases, newest first */
  caseIds: string[];
}

export const HOT_ISSUE_DEFAULTS = { topKeywords: 5, minShared: 2, minCases: 3, labelKeywords: 5, limit: 50 } as const;

/** Given a group's current and previous counts, returns its growth and score (the formula above). */
export function hotIssueScore(volume: number, previous: number): { growth: number; score: number } {
  const growth = (volume - previous) / Math.max(previous, 1);
  return { growth, score: volume * (1 + Math.min(Math.max(growth, -1), 1)) };
}

/** Given the current and the previous window's cases, returns the groups of similar cases, ranked. */
export function rankHotIssues(current: readonly HotIssueCase[], previous: readonly HotIssueCase[], opts: HotIssueOptions = {}): HotIssueGroup[] {
  const o = { ...HOT_ISSUE_DEFAULTS, ...opts };
  // One deterministic order for everything (input order must not matter): oldest first, then id.
  const all = [...current.map((c) => ({ c, now: true })), ...previous.map((c) => ({ c, now: false }))].sort(
    (a, b) => a.c.receivedAt.getTime() - b.c.receivedAt.getTime() || cmp(a.c.id, b.c.id) || Number(b.now) - Number(a.now),
  );
  const parent = Int32Array.from(all, (_, i) => i);
  const size = new Int32Array(all.length).fill(1);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  // union by size keeps the trees shallow; which root wins does not change the components
  const union = (a: number, b: number) => {
    let ra = find(a);
    let rb = find(b);
    if (ra === rb) return;
    if (size[ra]! < size[rb]!) [ra, rb] = [rb, ra];
    parent[rb] = ra;
    size[ra] = size[ra]! + size[rb]!;
  };

  // Keys are numbers, not joined strings: words and matters get small ids, a pair of word ids is
  // one number (measured: 100 k cases, 1 M pair keys — 1.2 s with string keys, ~0.1 s with these).
  const firstByKey = new Map<number | string, number>();
  const join = (key: number | string, i: number) => {
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, i);
    else union(first, i);
  };
  const wordIds = new Map<string, number>();
  const wordId = (w: string) => {
    let id = wordIds.get(w);
    if (id === undefined) wordIds.set(w, (id = wordIds.size));
    return id;
  };
  const matterIds = new Map<string, number>();
  const PAIR = 2 ** 24; // word ids stay below it: at most 5 words × 2 × 50 k cases
  const tops = all.map(({ c }) => topWords(c.keywords, o.topKeywords));
  all.forEach(({ c }, i) => {
    if (c.matterId) {
      let m = matterIds.get(c.matterId);
      if (m === undefined) matterIds.set(c.matterId, (m = matterIds.size));
      join(-1 - m, i);
    }
    const ids = tops[i]!.map(wordId).sort((a, b) => a - b);
    if (o.minShared === 2) {
      // the usual case, without the general combinations' arrays
      for (let a = 0; a < ids.length; a++) for (let b = a + 1; b < ids.length; b++) join(ids[a]! * PAIR + ids[b]!, i);
    } else for (const combo of combinations(ids, o.minShared)) join(combo.join(','), i);
  });

  const members = new Map<number, number[]>();
  all.forEach((_, i) => {
    const r = find(i);
    const list = members.get(r);
    if (list) list.push(i);
    else members.set(r, [i]);
  });

  const groups: HotIssueGroup[] = [];
  for (const idx of members.values()) {
    const now = idx.filter((i) => all[i]!.now);
    if (now.length < o.minCases) continue;
    const volume = now.length;
    const prev = idx.length - volume;
    const { growth, score } = hotIssueScore(volume, prev);
    groups.push({
      key: all[now[0]!]!.c.id,
      keywords: labelWords(now.map((i) => tops[i]!), o.labelKeywords),
      categoryCode: mostCommon(now.map((i) => all[i]!.c.categoryCode)),
      volume,
      previous: prev,
      growth,
      score,
      places: countPlaces(now.map((i) => all[i]!.c.placePath)),
      caseIds: [...now].reverse().map((i) => all[i]!.c.id),
    });
  }
  groups.sort((a, b) => b.score - a.score || b.volume - a.volume || cmp(a.key, b.key));
  return groups.slice(0, o.limit);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Given a case's keywords, returns its first `n` distinct ones, trimmed and lower-cased. */
function topWords(keywords: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (const k of keywords) {
    const w = k.trim().toLowerCase();
    if (w && !out.includes(w)) out.push(w);
    if (out.length === n) break;
  }
  return out;
}

/** Given sorted items and a size, returns every combination of that size, in order. */
function combinations<T>(items: readonly T[], size: number): T[][] {
  if (size <= 0 || size > items.length) return [];
  const out: T[][] = [];
  const pick: T[] = [];
  const walk = (from: number) => {
    if (pick.length === size) {
      out.push([...pick]);
      return;
    }
    for (let i = from; i <= items.length - (size - pick.length); i++) {
      pick.push(items[i]!);
      walk(i + 1);
      pick.pop();
    }
  };
  walk(0);
  return out;
}

/**
 * Given the top keywords of a group's cases, returns the label: the words held by most cases (two at
 * least), ties broken by how high they rank in their cases, then alphabetically.
 */
function labelWords(lists: readonly string[][], n: number): string[] {
  const count = new Map<string, number>();
  const weight = new Map<string, number>();
  for (const list of lists) {
    list.forEach((w, rank) => {
      count.set(w, (count.get(w) ?? 0) + 1);
      weight.set(w, (weight.get(w) ?? 0) + (list.length - rank));
    });
  }
  return [...count]
    .filter(([, c]) => c >= 2)
    .sort(([a, ca], [b, cb]) => cb - ca || weight.get(b)! - weight.get(a)! || cmp(a, b))
    .slice(0, n)
    .map(([w]) => w);
}

/** Given values, returns the most frequent non-null one (ties: the smallest), or null. */
function mostCommon(values: ReadonlyArray<string | null>): string | null {
  const count = new Map<string, number>();
  for (const v of values) if (v) count.set(v, (count.get(v) ?? 0) + 1);
  let best: string | null = null;
  for (const [v, c] of count) if (best === null || c > count.get(best)! || (c === count.get(best)! && v < best)) best = v;
  return best;
}

/** Given the places of a group's cases, returns the count per place, most first (null place last on ties). */
function countPlaces(paths: ReadonlyArray<string | null>): Array<{ placePath: string | null; count: number }> {
  const count = new Map<string | null, number>();
  for (const p of paths) count.set(p, (count.get(p) ?? 0) + 1);
  return [...count]
    .map(([placePath, c]) => ({ placePath, count: c }))
    .sort((a, b) => b.count - a.count || (a.placePath === null ? 1 : b.placePath === null ? -1 : cmp(a.placePath, b.placePath)));
}

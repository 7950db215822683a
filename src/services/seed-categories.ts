/**
 * Loading the shipped category tree (statute/categories.json) into an empty deployment; admins
 * edit it from there.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { categories } from '../store/schema.js';
import type { AppContext } from './context.js';

interface Node {
  code: string;
  name: string;
  children?: Node[];
}
const NodeSchema: z.ZodType<Node> = z.lazy(() => z.object({ code: z.string().regex(/^\d{2,6}$/), name: z.string().min(1), children: z.array(NodeSchema).optional() }));
const FileSchema = z.object({ version: z.string(), categories: z.array(NodeSchema).min(1) });

export const CATEGORIES_FILE = fileURLToPath(new URL('../../statute/categories.json', import.meta.url));

/** Given the categories file, returns its rows flattened with parent codes and levels. */
export function readCategoryFile(file = CATEGORIES_FILE) {
  const parsed = FileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  const rows: (typeof categories.$inferInsert)[] = [];
  const walk = (n: Node, parent: string | null, level: number, sort: number) => {
    rows.push({ code: n.code, parentCode: parent, name: n.name, level, sort, active: true });
    n.children?.forEach((c, i) => walk(c, n.code, level + 1, i));
  };
  parsed.categories.forEach((c, i) => walk(c, null, 1, i));
  return rows;
}

/** Given a context, inserts the shipped categories that are not there yet; returns how many were added. */
export async function seedCategories(ctx: AppContext): Promise<number> {
  const rows = readCategoryFile();
  const inserted = await ctx.db.insert(categories).values(rows).onConflictDoNothing().returning({ code: categories.code });
  return inserted.length;
}

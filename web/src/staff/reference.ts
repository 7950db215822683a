/**
 * Reference data the workbench reads once per sign-in and shares between pages: the server's
 * vocabularies (/api/meta), the active org units (/api/units) and the category tree.
 */
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { CategoryNode, Meta, Unit } from './types';

const cache = new Map<string, Promise<unknown>>();

function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  let p = cache.get(key) as Promise<T> | undefined;
  if (!p) {
    p = load();
    cache.set(key, p);
    p.catch(() => cache.delete(key)); // a failed load is retried next time
  }
  return p;
}

/** Forgets everything loaded (at sign-out: the next user may see other units). */
export function clearReferenceCache(): void {
  cache.clear();
}

export const loadMeta = () => cached('meta', () => api.get<Meta>('/api/meta'));
export const loadUnits = () => cached('units', async () => (await api.get<{ items: Unit[] }>('/api/units')).items);
export const loadCategories = () => cached('categories', async () => (await api.get<{ categories: CategoryNode[] }>('/api/categories')).categories);

/** Given a loader, returns its value once loaded (undefined before, or after a failure). */
function useLoaded<T>(load: () => Promise<T>): T | undefined {
  const [value, setValue] = useState<T>();
  useEffect(() => {
    let live = true;
    load().then(
      (v) => live && setValue(v),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [load]);
  return value;
}

export const useMeta = () => useLoaded(loadMeta);
export const useUnits = () => useLoaded(loadUnits);
export const useCategories = () => useLoaded(loadCategories);

/** Given the category tree, returns code → "一级 / 二级 / 三级" names. */
export function categoryNames(tree: CategoryNode[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (nodes: CategoryNode[], prefix: string) => {
    for (const n of nodes) {
      const name = prefix ? `${prefix} / ${n.name}` : n.name;
      out.set(n.code, name);
      walk(n.children, name);
    }
  };
  walk(tree ?? [], '');
  return out;
}

/** Given the meta, returns command → zh-CN label (the transition table's labels). */
export function commandLabels(meta: Meta | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of meta?.transitions ?? []) out[t.command] ??= t.label;
  return out;
}

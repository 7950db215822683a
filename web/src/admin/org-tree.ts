/**
 * The org tree as the admin pages draw it: the server's flat list (tree order, parents first)
 * nested, searched, and named by its ancestors.
 */
import type { AdminUnit, UnitKind } from './admin-api';

/**
 * Which kind may sit under which — the administrative ladder of src/services/org-units.ts
 * (ALLOWED_PARENT), turned around so a form offers only kinds the server will accept. The server
 * still checks every create and move.
 */
export const CHILD_KINDS: Record<UnitKind, UnitKind[]> = {
  city: ['district', 'department'],
  district: ['street', 'department'],
  street: ['community'],
  community: ['grid'],
  grid: ['micro_grid'],
  micro_grid: [],
  department: ['department'],
};

/** Given a kind, returns the kinds its parent may have. */
export const parentKindsOf = (kind: UnitKind): UnitKind[] => (Object.keys(CHILD_KINDS) as UnitKind[]).filter((p) => CHILD_KINDS[p].includes(kind));

export const GRID_KINDS: readonly UnitKind[] = ['grid', 'micro_grid'];

export interface UnitNode {
  unit: AdminUnit;
  children: UnitNode[];
}

/** Given units in any order, returns them nested; a unit whose parent is not in the list is a root. */
export function nestUnits(units: readonly AdminUnit[]): UnitNode[] {
  const nodes = new Map(units.map((u) => [u.id, { unit: u, children: [] as UnitNode[] }]));
  const roots: UnitNode[] = [];
  for (const u of units) {
    const node = nodes.get(u.id)!;
    const parent = u.parentId ? nodes.get(u.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

/**
 * Given nested units and a predicate, returns the tree cut to the units that match and their
 * ancestors (a match keeps its whole subtree), and the ids of the ancestors to expand.
 */
export function filterTree(roots: UnitNode[], match: (u: AdminUnit) => boolean): { roots: UnitNode[]; expand: string[] } {
  const expand: string[] = [];
  const walk = (nodes: UnitNode[]): UnitNode[] =>
    nodes.flatMap((n) => {
      if (match(n.unit)) return [n];
      const kids = walk(n.children);
      if (kids.length === 0) return [];
      expand.push(n.unit.id);
      return [{ unit: n.unit, children: kids }];
    });
  return { roots: walk(roots), expand };
}

/** Given the units by id and one unit, returns the names from the top of the tree down to it. */
export function namesAlongPath(byId: ReadonlyMap<string, AdminUnit>, unit: AdminUnit): string[] {
  return unit.path
    .split('/')
    .filter(Boolean)
    .map((id) => byId.get(id)?.name)
    .filter((n): n is string => !!n);
}

/** Given the units by id and a unit, returns its nearest ancestor (or itself) of a kind. */
export function ancestorOfKind(byId: ReadonlyMap<string, AdminUnit>, unit: AdminUnit, kind: UnitKind): AdminUnit | undefined {
  const ids = unit.path.split('/').filter(Boolean).reverse();
  for (const id of ids) {
    const u = byId.get(id);
    if (u?.kind === kind) return u;
  }
  return undefined;
}

/** A TreeSelect node. */
export interface UnitOption {
  value: string;
  title: string;
  disabled?: boolean;
  children?: UnitOption[];
}

/** Given nested units, returns TreeSelect options; `selectable` decides which may be picked (the rest stay as structure). */
export function unitOptions(roots: UnitNode[], selectable: (u: AdminUnit) => boolean = (u) => u.active): UnitOption[] {
  const walk = (nodes: UnitNode[]): UnitOption[] =>
    nodes.map((n) => {
      const children = walk(n.children);
      return { value: n.unit.id, title: `${n.unit.name}`, disabled: !selectable(n.unit), ...(children.length ? { children } : {}) };
    });
  return walk(roots);
}

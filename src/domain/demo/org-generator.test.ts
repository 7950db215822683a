import { describe, expect, it } from 'vitest';
import { STAFF_ROLES } from '../lifecycle/types.js';
import { DEMO_ACCOUNTS, DEMO_DEPARTMENTS, DEMO_ORG_COUNTS, DEMO_PASSWORD, generateDemoOrg, type DemoUnit } from './org-generator.js';

const SEEDS = [1, 2, 42, 2026, 123456789];
const byKind = (units: DemoUnit[], kind: DemoUnit['kind']) => units.filter((u) => u.kind === kind);

describe('generateDemoOrg', () => {
  it.each(SEEDS)('builds a district the size of the reports: 16 村社, 74 网格, 920 微网格 (seed %i)', (seed) => {
    const { units } = generateDemoOrg(seed);
    expect(byKind(units, 'city')).toHaveLength(1);
    expect(byKind(units, 'district')).toHaveLength(1);
    expect(byKind(units, 'street').length).toBeGreaterThanOrEqual(4);
    expect(byKind(units, 'street').length).toBeLessThanOrEqual(6);
    expect(byKind(units, 'community')).toHaveLength(DEMO_ORG_COUNTS.communities);
    expect(byKind(units, 'grid')).toHaveLength(DEMO_ORG_COUNTS.grids);
    expect(byKind(units, 'micro_grid')).toHaveLength(DEMO_ORG_COUNTS.microGrids);
    expect(byKind(units, 'community')).toHaveLength(16);
    expect(byKind(units, 'grid')).toHaveLength(74);
    expect(byKind(units, 'micro_grid')).toHaveLength(920);
  });

  it('has about 20 departments, city level and district level, each with its level set', () => {
    const depts = byKind(generateDemoOrg(1).units, 'department');
    expect(depts.length).toBeGreaterThanOrEqual(18);
    expect(depts.length).toBeLessThanOrEqual(24);
    expect(depts.filter((d) => d.level === 'city').length).toBeGreaterThanOrEqual(6);
    expect(depts.filter((d) => d.level === 'district').length).toBeGreaterThanOrEqual(10);
    for (const d of depts) expect(d.parentKey).toBe(d.level);
    expect(depts.map((d) => d.key)).toEqual(DEMO_DEPARTMENTS.map((d) => d.key));
    expect(depts.map((d) => d.name)).toEqual(expect.arrayContaining(['云湖区信访局', '云湖区教育局', '临江市信访局', '临江市公安局云湖区分局']));
    for (const u of generateDemoOrg(1).units) expect(u.level === null).toBe(u.kind !== 'department');
  });

  it.each(SEEDS)('gives every unit a unique key and a unique code (seed %i)', (seed) => {
    const { units } = generateDemoOrg(seed);
    expect(new Set(units.map((u) => u.key)).size).toBe(units.length);
    expect(new Set(units.map((u) => u.code)).size).toBe(units.length);
    for (const u of units) expect(u.code).toMatch(/^\d{12,18}$/);
  });

  it.each(SEEDS)('lists every parent before its children, with the tier the tree demands (seed %i)', (seed) => {
    const { units } = generateDemoOrg(seed);
    const seen = new Map<string, DemoUnit>();
    const parentKind: Record<DemoUnit['kind'], DemoUnit['kind'][]> = {
      city: [],
      district: ['city'],
      street: ['district'],
      community: ['street'],
      grid: ['community'],
      micro_grid: ['grid'],
      department: ['city', 'district'],
    };
    for (const u of units) {
      if (u.parentKey === null) expect(u.kind).toBe('city');
      else {
        const parent = seen.get(u.parentKey);
        expect(parent, `${u.key} → ${u.parentKey}`).toBeDefined();
        expect(parentKind[u.kind]).toContain(parent?.kind);
      }
      seen.set(u.key, u);
    }
  });

  it('leaves no street, community or grid empty', () => {
    for (const seed of SEEDS) {
      const { units } = generateDemoOrg(seed);
      const children = new Map<string, number>();
      for (const u of units) if (u.parentKey) children.set(u.parentKey, (children.get(u.parentKey) ?? 0) + 1);
      for (const u of units.filter((x) => x.kind === 'street' || x.kind === 'community' || x.kind === 'grid')) {
        expect(children.get(u.key) ?? 0, u.key).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('uses stable key shapes and Chinese names by tier', () => {
    const { units } = generateDemoOrg(5);
    const shape: Partial<Record<DemoUnit['kind'], RegExp>> = {
      street: /^street-\d{2}$/,
      community: /^community-\d{2}-\d{2}$/,
      grid: /^grid-\d{2}-\d{2}-\d{2}$/,
      micro_grid: /^micro-\d{2}-\d{2}-\d{2}-\d{2,}$/,
      department: /^dept-(city|district)-[a-z]+$/,
    };
    for (const u of units) {
      const re = shape[u.kind];
      if (re) expect(u.key).toMatch(re);
    }
    expect(units.find((u) => u.key === 'city')?.name).toBe('临江市');
    expect(units.find((u) => u.key === 'district')?.name).toBe('云湖区');
    for (const s of byKind(units, 'street')) expect(s.name).toMatch(/(街道|镇)$/);
    for (const c of byKind(units, 'community')) expect(c.name).toMatch(/(社区|村)$/);
    for (const g of byKind(units, 'grid')) expect(g.name).toMatch(/第\d+网格$/);
    for (const m of byKind(units, 'micro_grid')) expect(m.name).toMatch(/^第\d+微网格$/);
    // A child's key extends its parent's numbering, so keys alone say where a unit sits.
    for (const u of units.filter((x) => x.kind === 'grid' || x.kind === 'micro_grid')) {
      expect(u.key.split('-').slice(1, -1).join('-')).toBe(u.parentKey?.split('-').slice(1).join('-'));
    }
    expect(new Set(byKind(units, 'community').map((c) => c.name)).size).toBe(16);
  });

  it('places communities, grids and micro-grids around 30.4N 120.0E', () => {
    const { units } = generateDemoOrg(9);
    for (const u of units.filter((x) => ['street', 'community', 'grid', 'micro_grid'].includes(x.kind))) {
      expect(u.lat).toBeGreaterThan(30.25);
      expect(u.lat).toBeLessThan(30.6);
      expect(u.lng).toBeGreaterThan(119.8);
      expect(u.lng).toBeLessThan(120.2);
    }
  });

  it('is a function of the seed: same seed, same output; different seed, different output', () => {
    expect(generateDemoOrg(77)).toEqual(generateDemoOrg(77));
    expect(JSON.stringify(generateDemoOrg(77))).toBe(JSON.stringify(generateDemoOrg(77)));
    expect(generateDemoOrg(78)).not.toEqual(generateDemoOrg(77));
  });
});

describe('demo staff', () => {
  it.each(SEEDS)('has about 50 users with unique ASCII usernames, known roles and units that exist (seed %i)', (seed) => {
    const { units, staff } = generateDemoOrg(seed);
    const unit = new Map(units.map((u) => [u.key, u]));
    expect(staff.length).toBeGreaterThanOrEqual(44);
    expect(staff.length).toBeLessThanOrEqual(60);
    expect(new Set(staff.map((s) => s.username)).size).toBe(staff.length);
    for (const s of staff) {
      expect(s.username).toMatch(/^[a-z0-9.]+$/);
      expect(s.name).toMatch(/^[\u4e00-\u9fff]{2,3}$/);
      expect(s.roles.length).toBeGreaterThan(0);
      for (const r of s.roles) expect(STAFF_ROLES).toContain(r);
      expect(unit.has(s.unitKey), s.unitKey).toBe(true);
      // The scope is the user's own unit or one above it: nobody is scoped to a subtree he is not in.
      const ancestors: string[] = [];
      for (let k: string | null = s.unitKey; k !== null; k = unit.get(k)?.parentKey ?? null) ancestors.push(k);
      expect(ancestors, s.username).toContain(s.scopeUnitKey);
    }
  });

  it('staffs the petition bureau and the district as the brief says', () => {
    const { staff } = generateDemoOrg(3);
    const at = (role: string, unitKey: string, scope: string) =>
      staff.filter((s) => s.roles.includes(role as never) && s.unitKey === unitKey && s.scopeUnitKey === scope);
    expect(staff.filter((s) => s.roles.includes('admin'))).toHaveLength(1);
    expect(at('registrar', 'dept-district-petition', 'district')).toHaveLength(2);
    expect(at('dispatcher', 'dept-district-petition', 'district')).toHaveLength(2);
    expect(at('supervisor', 'dept-district-petition', 'district')).toHaveLength(1);
    const leaders = staff.filter((s) => s.roles.includes('leader'));
    expect(leaders).toHaveLength(2);
    expect(leaders.map((l) => l.scopeUnitKey)).toEqual(expect.arrayContaining(['district', 'street-01']));
    const units = generateDemoOrg(3).units;
    for (const street of byKind(units, 'street')) {
      expect(staff.some((s) => s.unitKey === street.key && s.roles.includes('unit_head'))).toBe(true);
      expect(staff.some((s) => s.unitKey === street.key && s.roles.includes('handler'))).toBe(true);
    }
    expect(staff.filter((s) => s.unitKey.startsWith('grid-') && s.roles.includes('handler')).length).toBeGreaterThanOrEqual(2);
    expect(staff.filter((s) => s.unitKey.startsWith('community-')).length).toBeGreaterThanOrEqual(4);
    expect(staff.filter((s) => s.unitKey.startsWith('dept-') && s.roles.includes('unit_head')).length).toBeGreaterThanOrEqual(10);
  });

  it('contains every documented demo account, with its role and unit, for any seed', () => {
    expect(DEMO_PASSWORD).toBe('Xinfang@2026');
    for (const seed of [...SEEDS, 0, 99, 4242]) {
      const { staff } = generateDemoOrg(seed);
      for (const a of DEMO_ACCOUNTS) {
        const s = staff.find((x) => x.username === a.username);
        expect(s, `${a.username} (seed ${seed})`).toBeDefined();
        expect(s?.roles).toContain(a.role);
        expect(s?.unitKey).toBe(a.unitKey);
      }
    }
    expect(new Set(DEMO_ACCOUNTS.map((a) => a.role))).toEqual(new Set(STAFF_ROLES));
  });
});

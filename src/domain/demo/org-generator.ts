/**
 * The demo org tree and staff: a fictional city 临江市 with one district 云湖区 (case numbers "YH"), sized
 * like the district in the reports (../shared/seeds: "16个村社、74个网格、920个微网格"), plus the city and
 * district departments cases are routed to. Pure and deterministic: the same seed gives the same tree.
 *
 * Keys are stable strings the seeder maps to database ids; their shape is part of the contract
 * (case-plan.ts reads a grid's community and street from its key):
 *   city · district · street-SS · community-SS-CC · grid-SS-CC-GG · micro-SS-CC-GG-MM · dept-<level>-<name>
 */
import type { StaffRole } from '../lifecycle/types.js';
import { fictionalName } from './person-names.js';
import { createRng, type Rng } from './prng.js';

export type DemoUnitKind = 'city' | 'district' | 'street' | 'community' | 'grid' | 'micro_grid' | 'department';

export interface DemoUnit {
  /** Stable across seeds for the same position in the tree, e.g. 'grid-03-02-01'. */
  key: string;
  parentKey: string | null;
  kind: DemoUnitKind;
  /** Departments only: the government level they belong to. */
  level: 'city' | 'district' | null;
  name: string;
  /** Unique; region-code-like (see regionCode below). */
  code: string;
  lat?: number;
  lng?: number;
}

export interface DemoStaff {
  /** ASCII login name, e.g. 'registrar', 'handler.grid010101', 'head.edu'. */
  username: string;
  name: string;
  roles: StaffRole[];
  unitKey: string;
  /** The org subtree whose cases the user sees. */
  scopeUnitKey: string;
}

export interface DemoOrg {
  units: DemoUnit[];
  staff: DemoStaff[];
}

/** The fictional place names and the case number prefix of the demo deployment. */
export const DEMO_REGION = { city: '临江市', district: '云湖区', casePrefix: 'YH' } as const;

/** The sizes the reports give for one district's grid system; generateDemoOrg always produces them. */
export const DEMO_ORG_COUNTS = { communities: 16, grids: 74, microGrids: 920 } as const;

/** The one documented password of every demo account (README, startup banner); never for production. */
export const DEMO_PASSWORD = 'Xinfang@2026';

export interface DemoDepartmentSpec {
  key: string;
  level: 'city' | 'district';
  name: string;
  /** Short ASCII tag for usernames (head.<short>, handler.<short>). */
  short: string;
  /** Category code prefixes the department leads on; the longest matching prefix wins in routing. */
  remit: string[];
}

// Real district practice: some "district" bodies are branches of city bureaus (公安分局, 生态环境分局,
// 规划和自然资源分局); they sit in the district tree because that is where cases are handled.
/** The departments of the demo, city level first; fixed, not seed-dependent. */
export const DEMO_DEPARTMENTS: readonly DemoDepartmentSpec[] = [
  { key: 'dept-city-petition', level: 'city', name: '临江市信访局', short: 'city.petition', remit: [] },
  { key: 'dept-city-housing', level: 'city', name: '临江市住房和城乡建设局', short: 'city.housing', remit: ['01'] },
  { key: 'dept-city-hrss', level: 'city', name: '临江市人力资源和社会保障局', short: 'city.hrss', remit: ['02'] },
  { key: 'dept-city-education', level: 'city', name: '临江市教育局', short: 'city.edu', remit: ['03'] },
  { key: 'dept-city-health', level: 'city', name: '临江市卫生健康委员会', short: 'city.health', remit: ['04'] },
  { key: 'dept-city-police', level: 'city', name: '临江市公安局', short: 'city.police', remit: ['0901'] },
  { key: 'dept-city-market', level: 'city', name: '临江市市场监督管理局', short: 'city.market', remit: ['06'] },
  { key: 'dept-city-ecology', level: 'city', name: '临江市生态环境局', short: 'city.eco', remit: ['07'] },
  { key: 'dept-district-petition', level: 'district', name: '云湖区信访局', short: 'petition', remit: ['1104'] },
  { key: 'dept-district-education', level: 'district', name: '云湖区教育局', short: 'edu', remit: ['03'] },
  { key: 'dept-district-housing', level: 'district', name: '云湖区住房和城乡建设局', short: 'housing', remit: ['01'] },
  { key: 'dept-district-hrss', level: 'district', name: '云湖区人力资源和社会保障局', short: 'hrss', remit: ['02'] },
  { key: 'dept-district-police', level: 'district', name: '临江市公安局云湖区分局', short: 'police', remit: ['09'] },
  { key: 'dept-district-health', level: 'district', name: '云湖区卫生健康局', short: 'health', remit: ['04'] },
  { key: 'dept-district-market', level: 'district', name: '云湖区市场监督管理局', short: 'market', remit: ['06', '12'] },
  { key: 'dept-district-ecology', level: 'district', name: '临江市生态环境局云湖分局', short: 'eco', remit: ['07'] },
  { key: 'dept-district-transport', level: 'district', name: '云湖区交通运输局', short: 'transport', remit: ['05'] },
  { key: 'dept-district-civil', level: 'district', name: '云湖区民政局', short: 'civil', remit: ['10'] },
  { key: 'dept-district-urban', level: 'district', name: '云湖区城市管理局', short: 'urban', remit: ['0104', '0106'] },
  { key: 'dept-district-resources', level: 'district', name: '临江市规划和自然资源局云湖分局', short: 'resources', remit: ['14', '0801'] },
  { key: 'dept-district-agriculture', level: 'district', name: '云湖区农业农村局', short: 'agri', remit: ['08'] },
  { key: 'dept-district-discipline', level: 'district', name: '云湖区纪委区监委', short: 'discipline', remit: ['13'] },
];

export interface DemoAccount {
  username: string;
  role: StaffRole;
  unitKey: string;
  /** What to try when logged in as this account (README, startup banner). */
  tryThis: string;
}

/** The well-known demo accounts: present for every seed, all with DEMO_PASSWORD. */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { username: 'admin', role: 'admin', unitKey: 'dept-district-petition', tryThis: '管理组织架构、用户、分类、期限规则和节假日 (org tree, users, categories, deadline rules, holidays)' },
  { username: 'registrar', role: 'registrar', unitKey: 'dept-district-petition', tryThis: '登记来信、来访、来电，简单咨询即时办结 (register letters, visits, calls; answer on the spot)' },
  { username: 'dispatcher', role: 'dispatcher', unitKey: 'dept-district-petition', tryThis: '受理或不予受理，交办到责任单位，处理交办异议 (accept or refuse, dispatch, handle objections)' },
  { username: 'handler.edu', role: 'handler', unitKey: 'dept-district-education', tryThis: '签收区教育局的件，联系信访人，起草答复 (sign for, contact, draft the reply)' },
  { username: 'head.edu', role: 'unit_head', unitKey: 'dept-district-education', tryThis: '审批答复和延期，单位内改派 (approve replies and extensions)' },
  { username: 'handler.street01', role: 'handler', unitKey: 'street-01', tryThis: '办理街道件，接收村社上报的件 (handle street cases, take escalations)' },
  { username: 'handler.grid010101', role: 'handler', unitKey: 'grid-01-01-01', tryThis: '网格员：网格上报、小事不出网格 (grid worker: report and settle in the grid)' },
  { username: 'supervisor', role: 'supervisor', unitKey: 'dept-district-petition', tryThis: '催办、挂牌督办、抽样回访 (chase, supervise, spot-check by return visit)' },
  { username: 'leader', role: 'leader', unitKey: 'district', tryThis: '领导包案、接访，驾驶舱 (own hard cases, reception days, the cockpit)' },
];

// Fictional street and community names; none is meant to be a real place in 余杭.
const STREET_NAMES = [
  '云溪街道', '临湖街道', '南苑街道', '东塘街道', '西岭镇', '桂芳街道', '青山镇', '白鹭街道', '梅林街道', '双桥镇',
] as const;
const COMMUNITY_STEMS = [
  '翠苑', '金桥', '荷花', '文昌', '锦绣', '望江', '枫林', '柳岸', '丰收', '长乐', '新塘', '星光', '玉泉', '紫荆', '清河',
  '桃源', '凤凰', '永安', '和平', '安溪', '横山', '前进', '茶山', '竹园', '春晖', '瑞丰', '兴隆', '石桥', '杏林', '光明',
] as const;

// Around 30.42N 120.00E, where the reports' district lies.
const CENTRE = { lat: 30.42, lng: 120.0 } as const;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * Given a total, a number of buckets, a floor per bucket and an Rng, returns per-bucket counts that sum
 * to the total, each ≥ the floor; uneven on purpose (random bucket weights), like real grids.
 */
function spread(total: number, buckets: number, floor: number, rng: Rng): number[] {
  if (buckets * floor > total) throw new Error(`spread: ${buckets} × ${floor} > ${total}`);
  const counts = Array.from({ length: buckets }, () => floor);
  const weights = counts.map(() => rng.float(0.4, 1.6));
  const entries = weights.map((w, i) => [i, w] as const);
  for (let left = total - buckets * floor; left > 0; left--) {
    const i = rng.weighted(entries);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

// Region codes follow the 12-digit 统计用区划代码: 6 digits county, 3 township, 3 village (社区 001–199,
// 村 200+). The statistical code stops at the village, so grids and micro-grids extend their parent's
// code by 3 digits each, as local grid systems do. Departments take 9xx township digits, which no
// real township uses, so they never collide with a street.
const CITY_CODE = '330100';
const DISTRICT_CODE = '330110';

/** Given a seed, returns the demo org tree (parents before children) and about 50 staff scoped in it. */
export function generateDemoOrg(seed: number): DemoOrg {
  const rng = createRng(seed);
  const units: DemoUnit[] = [];
  const jitter = (r: Rng, around: { lat: number; lng: number }, d: number) => ({
    lat: round6(around.lat + r.float(-d, d)),
    lng: round6(around.lng + r.float(-d, d) * 1.15), // a degree of longitude is shorter here; keep cells roughly square
  });

  units.push({ key: 'city', parentKey: null, kind: 'city', level: null, name: DEMO_REGION.city, code: `${CITY_CODE}000000`, lat: 30.27, lng: 120.15 });
  units.push({ key: 'district', parentKey: 'city', kind: 'district', level: null, name: DEMO_REGION.district, code: `${DISTRICT_CODE}000000`, ...CENTRE });

  const deptSeq = { city: 0, district: 0 };
  for (const d of DEMO_DEPARTMENTS) {
    const seq = ++deptSeq[d.level];
    const prefix = d.level === 'city' ? CITY_CODE : DISTRICT_CODE;
    units.push({ key: d.key, parentKey: d.level, kind: 'department', level: d.level, name: d.name, code: `${prefix}9${pad(seq)}000` });
  }

  const geo = rng.fork('geo');
  const names = rng.fork('names');
  const sizes = rng.fork('sizes');

  const streetCount = sizes.int(4, 6);
  const streetNames = names.shuffle(STREET_NAMES).slice(0, streetCount);
  const stems = names.shuffle(COMMUNITY_STEMS);
  const communitiesPerStreet = spread(DEMO_ORG_COUNTS.communities, streetCount, 2, sizes);
  const gridsPerCommunity = spread(DEMO_ORG_COUNTS.grids, DEMO_ORG_COUNTS.communities, 2, sizes);
  const microsPerGrid = spread(DEMO_ORG_COUNTS.microGrids, DEMO_ORG_COUNTS.grids, 6, sizes);

  const streets: DemoUnit[] = [];
  const communities: DemoUnit[] = [];
  const grids: DemoUnit[] = [];
  const micros: DemoUnit[] = [];
  let communityIndex = 0;
  let gridIndex = 0;
  streetNames.forEach((streetName, si) => {
    const s = pad(si + 1);
    // Streets on a loose ring around the district centre, so their communities do not overlap.
    const angle = (2 * Math.PI * si) / streetCount + geo.float(-0.3, 0.3);
    const streetPos = { lat: round6(CENTRE.lat + 0.06 * Math.sin(angle)), lng: round6(CENTRE.lng + 0.08 * Math.cos(angle)) };
    const streetCode = `${DISTRICT_CODE}${pad(si + 1, 3)}`;
    const street: DemoUnit = { key: `street-${s}`, parentKey: 'district', kind: 'street', level: null, name: streetName, code: `${streetCode}000`, ...streetPos };
    streets.push(street);
    const isTown = streetName.endsWith('镇');
    let shequ = 0;
    let cun = 0;
    for (let ci = 0; ci < (communitiesPerStreet[si] ?? 0); ci++) {
      const c = pad(ci + 1);
      const village = names.chance(isTown ? 0.8 : 0.3);
      const villageNo = village ? 200 + ++cun : ++shequ;
      const stem = stems[communityIndex] ?? `第${communityIndex + 1}`;
      const community: DemoUnit = {
        key: `community-${s}-${c}`,
        parentKey: street.key,
        kind: 'community',
        level: null,
        name: stem + (village ? '村' : '社区'),
        code: `${streetCode}${pad(villageNo, 3)}`,
        ...jitter(geo, streetPos, 0.015),
      };
      communities.push(community);
      for (let gi = 0; gi < (gridsPerCommunity[communityIndex] ?? 0); gi++) {
        const g = pad(gi + 1);
        const grid: DemoUnit = {
          key: `grid-${s}-${c}-${g}`,
          parentKey: community.key,
          kind: 'grid',
          level: null,
          name: `${community.name}第${gi + 1}网格`,
          code: `${community.code}${pad(gi + 1, 3)}`,
          ...jitter(geo, { lat: community.lat ?? CENTRE.lat, lng: community.lng ?? CENTRE.lng }, 0.004),
        };
        grids.push(grid);
        for (let mi = 0; mi < (microsPerGrid[gridIndex] ?? 0); mi++) {
          micros.push({
            key: `micro-${s}-${c}-${g}-${pad(mi + 1)}`,
            parentKey: grid.key,
            kind: 'micro_grid',
            level: null,
            name: `第${mi + 1}微网格`,
            code: `${grid.code}${pad(mi + 1, 3)}`,
            ...jitter(geo, { lat: grid.lat ?? CENTRE.lat, lng: grid.lng ?? CENTRE.lng }, 0.0012),
          });
        }
        gridIndex++;
      }
      communityIndex++;
    }
  });
  units.push(...streets, ...communities, ...grids, ...micros);

  return { units, staff: generateStaff(rng.fork('staff'), streets, communities, grids) };
}

/** Given an Rng and the street/community/grid units, returns the demo staff (usernames unique). */
function generateStaff(rng: Rng, streets: DemoUnit[], communities: DemoUnit[], grids: DemoUnit[]): DemoStaff[] {
  const staff: DemoStaff[] = [];
  const usedNames = new Set<string>();
  const person = (): string => {
    // Unique display names make the demo's audit trail and lists readable; re-draw on a clash.
    for (;;) {
      const name = fictionalName(rng, rng.chance(0.5) ? 'male' : 'female');
      if (!usedNames.has(name)) {
        usedNames.add(name);
        return name;
      }
    }
  };
  const add = (username: string, roles: StaffRole[], unitKey: string, scopeUnitKey: string) =>
    staff.push({ username, name: person(), roles, unitKey, scopeUnitKey });

  const bureau = 'dept-district-petition';
  // The deployment's administrator manages the whole tree, city departments included.
  add('admin', ['admin'], bureau, 'city');
  add('registrar', ['registrar'], bureau, 'district');
  add('registrar2', ['registrar'], bureau, 'district');
  add('dispatcher', ['dispatcher'], bureau, 'district');
  add('dispatcher2', ['dispatcher'], bureau, 'district');
  add('supervisor', ['supervisor'], bureau, 'district');
  add('leader', ['leader'], 'district', 'district');

  // Every district department has a head; the busiest ones (by case volume in the 2020 data) a handler too.
  const withHandler = new Set(['petition', 'edu', 'housing', 'hrss', 'police', 'health', 'market', 'eco', 'urban', 'civil']);
  for (const d of DEMO_DEPARTMENTS) {
    if (d.level !== 'district') continue;
    add(`head.${d.short}`, ['unit_head'], d.key, d.key);
    if (withHandler.has(d.short)) add(`handler.${d.short}`, ['handler'], d.key, d.key);
  }
  // City level: the petition bureau (it sees the whole city) and the housing bureau, for cases sent up.
  add('head.city.petition', ['unit_head', 'dispatcher'], 'dept-city-petition', 'city');
  add('handler.city.housing', ['handler'], 'dept-city-housing', 'dept-city-housing');

  streets.forEach((street, i) => {
    const s = pad(i + 1);
    add(`head.street${s}`, ['unit_head'], street.key, street.key);
    add(`handler.street${s}`, ['handler'], street.key, street.key);
    if (i === 0) add(`leader.street${s}`, ['leader'], street.key, street.key);
  });
  // The first community of each street has a handler; the first street's first community a head too.
  for (const street of streets) {
    const first = communities.find((c) => c.parentKey === street.key);
    if (first === undefined) continue;
    const tag = first.key.replace('community-', '').replace('-', '');
    add(`handler.comm${tag}`, ['handler'], first.key, first.key);
    if (street === streets[0]) add(`head.comm${tag}`, ['unit_head'], first.key, first.key);
  }
  // Grid workers for the first grid of the first three communities: enough to try 网格上报 and tiering.
  for (const community of communities.slice(0, 3)) {
    const grid = grids.find((g) => g.parentKey === community.key);
    if (grid === undefined) continue;
    add(`handler.grid${grid.key.replace('grid-', '').replaceAll('-', '')}`, ['handler'], grid.key, grid.key);
  }
  return staff;
}

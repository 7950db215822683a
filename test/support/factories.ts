/**
 * A small org tree and one user per role, inserted through the real services: enough to test
 * scope (two streets), tiers (grid → community → street → district) and accusations.
 */
import { hashPassword } from '../../src/services/auth.js';
import type { AppContext, StaffActor } from '../../src/services/context.js';
import { actorForUser } from '../../src/services/auth.js';
import { createUnit, createUser } from '../../src/services/org-units.js';
import { writeSetting, PUBLIC_INTAKE_UNIT } from '../../src/services/settings.js';
import { seedCategories } from '../../src/services/seed-categories.js';
import type { StaffRole } from '../../src/domain/lifecycle/types.js';

export const PASSWORD = 'Test@2026pass';
let hashed: Promise<string> | null = null;

export interface MiniOrg {
  units: Record<'city' | 'district' | 'bureau' | 'housing' | 'streetA' | 'communityA' | 'gridA1' | 'gridA2' | 'streetB' | 'communityB' | 'gridB1', string>;
  actors: Record<
    'registrar' | 'dispatcher' | 'handlerA' | 'headA' | 'communityHeadA' | 'handlerB' | 'housingHandler' | 'supervisor' | 'leader' | 'admin',
    StaffActor
  >;
  usernames: Record<string, string>;
}

/** Given a context on an empty database, returns the ids of a small org tree and one actor per role. */
export async function seedMiniOrg(ctx: AppContext): Promise<MiniOrg> {
  const r = ctx.config.REGION;
  const q = ctx.db;
  const city = await createUnit(q, r, { parentId: null, kind: 'city', name: '临江市', code: '330100000000' });
  const district = await createUnit(q, r, { parentId: city.id, kind: 'district', name: '云湖区', code: '330110000000' });
  const bureau = await createUnit(q, r, { parentId: district.id, kind: 'department', name: '区信访局', code: '330110900001' });
  const housing = await createUnit(q, r, { parentId: district.id, kind: 'department', name: '区住建局', code: '330110900002' });
  const streetA = await createUnit(q, r, { parentId: district.id, kind: 'street', name: '南苑街道', code: '330110001000' });
  const communityA = await createUnit(q, r, { parentId: streetA.id, kind: 'community', name: '梅园社区', code: '330110001001' });
  const gridA1 = await createUnit(q, r, { parentId: communityA.id, kind: 'grid', name: '梅园社区第1网格', code: '330110001001001', lat: 30.41, lng: 120.3 });
  const gridA2 = await createUnit(q, r, { parentId: communityA.id, kind: 'grid', name: '梅园社区第2网格', code: '330110001001002' });
  const streetB = await createUnit(q, r, { parentId: district.id, kind: 'street', name: '北湖街道', code: '330110002000' });
  const communityB = await createUnit(q, r, { parentId: streetB.id, kind: 'community', name: '荷塘社区', code: '330110002001' });
  const gridB1 = await createUnit(q, r, { parentId: communityB.id, kind: 'grid', name: '荷塘社区第1网格', code: '330110002001001' });
  await writeSetting(q, PUBLIC_INTAKE_UNIT, bureau.id);
  await seedCategories(ctx);

  hashed ??= hashPassword(PASSWORD);
  const passwordHash = await hashed;
  const mk = async (username: string, roles: StaffRole[], unitId: string, scopeUnitId = unitId) => {
    const u = await createUser(q, { username, displayName: username, password: PASSWORD, passwordHash, roles, unitId, scopeUnitId });
    return (await actorForUser(ctx, u.id))!;
  };
  const actors = {
    registrar: await mk('registrar', ['registrar'], bureau.id, district.id),
    dispatcher: await mk('dispatcher', ['dispatcher'], bureau.id, district.id),
    handlerA: await mk('handler.a1', ['handler'], gridA1.id),
    headA: await mk('head.street-a', ['unit_head'], streetA.id),
    communityHeadA: await mk('head.community-a', ['unit_head', 'handler'], communityA.id),
    handlerB: await mk('handler.b1', ['handler'], gridB1.id),
    housingHandler: await mk('handler.housing', ['handler', 'unit_head'], housing.id),
    supervisor: await mk('supervisor', ['supervisor'], bureau.id, district.id),
    leader: await mk('leader', ['leader'], district.id, district.id),
    admin: await mk('admin', ['admin'], district.id, city.id),
  };
  return {
    units: {
      city: city.id,
      district: district.id,
      bureau: bureau.id,
      housing: housing.id,
      streetA: streetA.id,
      communityA: communityA.id,
      gridA1: gridA1.id,
      gridA2: gridA2.id,
      streetB: streetB.id,
      communityB: communityB.id,
      gridB1: gridB1.id,
    },
    actors,
    usernames: Object.fromEntries(Object.entries(actors).map(([k, a]) => [k, a.username])),
  };
}

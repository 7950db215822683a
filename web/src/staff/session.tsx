/**
 * Who is signed in, for every page under the workbench layout, and what their roles let them do;
 * failed requests go to the one failure handler (api/use-failure.ts).
 */
import { createContext, useContext } from 'react';
import type { Me } from './types';

export const SessionContext = createContext<Me | null>(null);

/** Returns the signed-in user (only under the workbench layout, which guarantees one). */
export function useMe(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useMe outside the staff layout');
  return me;
}

/** Roles that may register a case (POST /api/cases). */
export const INTAKE_ROLES = ['registrar', 'dispatcher', 'leader', 'handler', 'unit_head'];
/** Roles that keep the leaders' reception rota and run reception days (the server's RECEPTION_ROLES). */
export const RECEPTION_ROLES = ['leader', 'supervisor', 'registrar'];
/** Roles that read the monthly 百案攻坚 ledger (GET /api/ledger); leaders and supervisors also write its review lines. */
export const LEDGER_ROLES = ['leader', 'supervisor', 'unit_head', 'dispatcher'];
/** Roles that see spot-check rounds (GET /api/spot-checks/rounds); only supervisors draw, visit and judge. */
export const SPOT_CHECK_ROLES = ['supervisor', 'leader', 'unit_head'];
/** Roles that do case work; an admin-only account has none of them. */
export const CASE_ROLES = ['registrar', 'dispatcher', 'handler', 'unit_head', 'supervisor', 'leader'];

export const hasAnyRole = (me: Me, roles: readonly string[]) => me.roles.some((r) => roles.includes(r));

/**
 * Who is signed in, for every page under the workbench layout, and the one way pages react to a
 * failed request: an expired session goes back to the login page (remembering where the user was),
 * anything else is shown as a message.
 */
import { createContext, useCallback, useContext } from 'react';
import { App } from 'antd';
import { useLocation, useNavigate } from 'react-router';
import { ApiError } from '../api/client';
import { t } from '../i18n/zh-CN';
import { clearReferenceCache } from './reference';
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
/** Roles that do case work; an admin-only account has none of them. */
export const CASE_ROLES = ['registrar', 'dispatcher', 'handler', 'unit_head', 'supervisor', 'leader'];

export const hasAnyRole = (me: Me, roles: readonly string[]) => me.roles.some((r) => roles.includes(r));

/** Given a path inside the workbench, returns the login URL that comes back to it. */
export const loginUrl = (next: string) => `/staff/login?next=${encodeURIComponent(next)}`;

/** Returns a handler for a failed request: 401 → login (with a notice), else the server's message. */
export function useFailure(): (err: unknown) => void {
  const { message } = App.useApp();
  const navigate = useNavigate();
  const location = useLocation();
  return useCallback(
    (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) {
        clearReferenceCache();
        message.warning(t.staff.layout.sessionExpired);
        navigate(loginUrl(location.pathname + location.search), { replace: true });
        return;
      }
      message.error(err instanceof ApiError ? err.message : t.common.networkError);
    },
    [message, navigate, location.pathname, location.search],
  );
}

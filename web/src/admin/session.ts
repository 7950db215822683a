/**
 * The signed-in admin for every admin page, a loader hook, and the one way the pages react to a
 * failed request: an expired session goes to the staff login, anything else shows the server's
 * message.
 */
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { App } from 'antd';
import { useLocation, useNavigate } from 'react-router';
import { ApiError } from '../api/client';
import { t } from '../i18n/zh-CN';
import type { Me } from './admin-api';

export const AdminContext = createContext<Me | null>(null);

/** Returns the signed-in admin (only under AdminLayout, which guarantees one). */
export function useAdmin(): Me {
  const me = useContext(AdminContext);
  if (!me) throw new Error('useAdmin outside the admin layout');
  return me;
}

/** Given the page to come back to, returns the staff login address. */
export const loginUrl = (next: string) => `/staff/login?next=${encodeURIComponent(next)}`;

/** Returns a handler for a failed request: 401 → the login page, else the server's zh-CN message. */
export function useFailure(): (err: unknown) => void {
  const { message } = App.useApp();
  const navigate = useNavigate();
  const location = useLocation();
  return useCallback(
    (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) {
        message.warning(t.admin.layout.sessionExpired);
        navigate(loginUrl(location.pathname + location.search), { replace: true });
        return;
      }
      message.error(err instanceof ApiError ? err.message : t.common.networkError);
    },
    [message, navigate, location.pathname, location.search],
  );
}

/**
 * Given a loader, returns its data (null until loaded), whether it is loading, and `reload`.
 * A failure goes to useFailure; an answer arriving after a newer request is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): { data: T | null; loading: boolean; reload: () => Promise<void> } {
  const [data, setData] = useState<T | null>(null);
  const [loading, setLoading] = useState(true);
  const fail = useFailure();
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      const value = await loadRef.current();
      if (mine === seq.current) setData(value);
    } catch (err) {
      if (mine === seq.current) fail(err);
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, [fail]);
  useEffect(() => {
    void reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return { data, loading, reload };
}

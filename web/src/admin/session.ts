/**
 * The signed-in admin for every admin page and a loader hook; failed requests go to the one
 * failure handler (api/use-failure.ts).
 */
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { useFailure } from '../api/use-failure';
import type { Me } from './admin-api';

export const AdminContext = createContext<Me | null>(null);

/** Returns the signed-in admin (only under AdminLayout, which guarantees one). */
export function useAdmin(): Me {
  const me = useContext(AdminContext);
  if (!me) throw new Error('useAdmin outside the admin layout');
  return me;
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

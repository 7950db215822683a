/**
 * The one way the signed-in pages (workbench and admin) react to a failed request: an expired
 * session goes to the staff login, which comes back here afterwards (and forgets the reference data
 * of the previous session there); a refusal naming fields of a form is shown next to them; anything
 * else shows the server's zh-CN message.
 */
import { useCallback } from 'react';
import { App, type FormInstance } from 'antd';
import { useLocation, useNavigate } from 'react-router';
import { ApiError } from './client';
import { applyServerError } from './form-errors';
import { t } from '../i18n/zh-CN';

/** Given the page to come back to, returns the staff login address. */
export const loginUrl = (next: string) => `/staff/login?next=${encodeURIComponent(next)}`;

/**
 * Returns a handler for a failed request: 401 → the login page (with a notice); given the form the
 * request came from, the fields the server named get their messages there; whatever is left is
 * shown as a message.
 */
export function useFailure(): (err: unknown, form?: FormInstance) => void {
  const { message } = App.useApp();
  const navigate = useNavigate();
  const location = useLocation();
  return useCallback(
    (err: unknown, form?: FormInstance) => {
      if (err instanceof ApiError && err.status === 401) {
        message.warning(t.common.sessionExpired);
        navigate(loginUrl(location.pathname + location.search), { replace: true });
        return;
      }
      const rest = form ? applyServerError(form, err) : null;
      if (rest === null || rest.length) message.error(err instanceof ApiError ? err.message : t.common.networkError);
    },
    [message, navigate, location.pathname, location.search],
  );
}

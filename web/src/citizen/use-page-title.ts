import { useEffect } from 'react';
import { t } from '../i18n/zh-CN';

/** Given a page's name, shows it in the browser tab (and to screen readers switching tabs). */
export function usePageTitle(name: string) {
  useEffect(() => {
    document.title = `${name} - ${t.common.appName}`;
  }, [name]);
}

import dayjs from 'dayjs';
import { t } from '../i18n/zh-CN';

/** Given an ISO instant, returns it as local "YYYY-MM-DD HH:mm" (empty for none). */
export const fmtTime = (iso: string | null | undefined) => (iso ? dayjs(iso).format('YYYY-MM-DD HH:mm') : '');

/** Given an ISO instant, returns it as local "YYYY-MM-DD". */
export const fmtDate = (iso: string | null | undefined) => (iso ? dayjs(iso).format('YYYY-MM-DD') : '');

/** Given an ISO instant, returns it as a written-out date for printed documents. */
export const fmtDateZh = (iso: string | null | undefined) => (iso ? dayjs(iso).format(t.staff.notice.dateFormat) : '');

/** Given a byte count, returns it as a short size (KB / MB). */
export function fmtSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

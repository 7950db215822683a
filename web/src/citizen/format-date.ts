import dayjs from 'dayjs';
import { t } from '../i18n/zh-CN';

/** Given an ISO instant, returns the date as a citizen reads it: 2026年3月2日. */
export const formatDay = (iso: string) => dayjs(iso).format(t.citizen.dateFormat);

/** Given an ISO instant, returns date and time: 2026年3月2日 10:00. */
export const formatDayTime = (iso: string) => dayjs(iso).format(t.citizen.dateTimeFormat);

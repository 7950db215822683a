/** The signed-in user's inbox (src/http/routes/notification-routes.ts). */
import { api, qs } from '../../api/client';

export interface InboxItem {
  id: string;
  kind: string;
  level: 'info' | 'yellow' | 'red';
  title: string;
  body: string;
  caseId: string | null;
  unitId: string | null;
  createdAt: string;
  readAt: string | null;
}

export interface InboxPage {
  total: number;
  unread: number;
  items: InboxItem[];
}

export const inboxApi = {
  list: (q: { unread?: boolean; limit: number; offset: number }) => api.get<InboxPage>('/api/inbox' + qs({ unread: q.unread ? '1' : undefined, limit: q.limit, offset: q.offset })),
  read: (id: string) => api.post<InboxItem>(`/api/inbox/${id}/read`),
  readAll: () => api.post<{ updated: number }>('/api/inbox/read-all'),
};

/** Tells the header's bell that the count changed (after reading on the inbox page). */
export const INBOX_CHANGED = 'xf-inbox-changed';

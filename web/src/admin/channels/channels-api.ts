/** What the notification-channel admin page reads and sends (src/http/routes/notification-routes.ts). */
import { api, qs } from '../../api/client';

export type ChannelKind = 'dingtalk' | 'wecom' | 'email' | 'sms';
export const CHANNEL_KINDS: readonly ChannelKind[] = ['dingtalk', 'wecom', 'email', 'sms'];
export type Level = 'info' | 'yellow' | 'red';
export const LEVELS: readonly Level[] = ['info', 'yellow', 'red'];
/** The kinds of message services send (src/services/notifications/notify.ts callers); a channel forwards those it lists, or all. */
export const MESSAGE_KINDS = ['reminder', 'overdue', 'overdue_copy', 'chase', 'supervision', 'supervision_reply', 'supervision_escalated', 'leader_push', 'reception', 'spot_check'] as const;

export interface Channel {
  id: string;
  kind: ChannelKind;
  name: string;
  unitId: string | null;
  unitName: string | null;
  userId: string | null;
  userName: string | null;
  /** masked */
  target: string;
  hasSecret: boolean;
  kinds: string[];
  minLevel: Level;
  enabled: boolean;
  createdAt: string;
}

export interface NewChannel {
  kind: ChannelKind;
  name: string;
  unitId?: string | null;
  userId?: string | null;
  target: string;
  secret?: string | null;
  kinds?: string[];
  minLevel?: Level;
  enabled?: boolean;
}

export interface ChannelPatch {
  name?: string;
  target?: string;
  /** null removes it */
  secret?: string | null;
  kinds?: string[];
  minLevel?: Level;
  enabled?: boolean;
}

export interface Delivery {
  id: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

const base = '/api/admin/notification-channels';

export const channelsApi = {
  list: (f: { kind?: ChannelKind } = {}) => api.get<Channel[]>(`${base}${qs({ kind: f.kind })}`),
  create: (body: NewChannel) => api.post<Channel>(base, body),
  update: (id: string, patch: ChannelPatch) => api.patch<Channel>(`${base}/${id}`, patch),
  remove: (id: string) => api.delete<{ deleted: true; abandonedDeliveries: number }>(`${base}/${id}`),
  test: (id: string) => api.post<{ outboxId: string; queued: true }>(`${base}/${id}/test`),
  delivery: (id: string, outboxId: string) => api.get<Delivery>(`${base}/${id}/deliveries/${outboxId}`),
};

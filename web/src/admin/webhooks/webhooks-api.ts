/** What the webhook admin page reads and sends (src/http/routes/webhook-routes.ts). */
import { api, qs } from '../../api/client';

export interface Subscription {
  id: string;
  name: string;
  url: string;
  /** empty = all */
  eventTypes: string[];
  scopeUnitId: string;
  scopeUnitName: string | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export type WithSecret = Subscription & { secret: string };

export interface NewSubscription {
  name: string;
  url: string;
  eventTypes?: string[];
  scopeUnitId: string;
  active?: boolean;
}

export type SubscriptionPatch = Partial<NewSubscription>;

export interface EventType {
  type: string;
  label: string;
}

export interface Delivery {
  id: string;
  caseId: string;
  caseNumber: string | null;
  eventSeq: number;
  eventType: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface PingResult {
  deliveryId: string;
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
}

const base = '/api/admin/webhooks';

export const webhooksApi = {
  eventTypes: () => api.get<{ items: EventType[] }>(`${base}/event-types`),
  list: () => api.get<{ items: Subscription[] }>(base),
  create: (body: NewSubscription) => api.post<WithSecret>(base, body),
  update: (id: string, patch: SubscriptionPatch) => api.patch<Subscription>(`${base}/${id}`, patch),
  rotateSecret: (id: string) => api.post<WithSecret>(`${base}/${id}/rotate-secret`),
  deliveries: (id: string, f: { status?: Delivery['status']; limit?: number } = {}) => api.get<{ items: Delivery[] }>(`${base}/${id}/deliveries${qs({ status: f.status, limit: f.limit })}`),
  retry: (id: string, deliveryId: string) => api.post<Delivery>(`${base}/${id}/deliveries/${deliveryId}/retry`),
  ping: (id: string) => api.post<PingResult>(`${base}/${id}/ping`),
};

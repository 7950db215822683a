/** What the API-key admin page reads and sends (the contract of src/http/routes/api-key-routes.ts). */
import { api } from '../../api/client';

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  actingUserId: string | null;
  actingUserName: string | null;
  ratePerMinute: number;
  createdAt: string;
  createdByName: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface NewApiKey {
  name: string;
  actingUserId?: string | null;
  ratePerMinute?: number;
}

export interface IssuedApiKey {
  id: string;
  name: string;
  prefix: string;
  /** the key itself: shown once */
  key: string;
  actingUserId: string | null;
  actingUserName: string | null;
  ratePerMinute: number;
  createdAt: string;
}

const base = '/api/admin/api-keys';

export const apiKeysApi = {
  list: () => api.get<{ items: ApiKey[] }>(base),
  create: (body: NewApiKey) => api.post<IssuedApiKey>(base, body),
  revoke: (id: string) => api.post<unknown>(`${base}/${id}/revoke`),
};

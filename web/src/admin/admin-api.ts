/**
 * What the admin pages ask of the server, typed, through the one fetch layer (api/client.ts).
 */
import { api, qs } from '../api/client';

export interface Me {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  unitId: string;
  scopeUnitId: string;
}

export type UnitKind = 'city' | 'district' | 'street' | 'community' | 'grid' | 'micro_grid' | 'department';

export interface AdminUnit {
  id: string;
  parentId: string | null;
  kind: UnitKind;
  level: 'city' | 'district' | null;
  name: string;
  code: string;
  path: string;
  depth: number;
  active: boolean;
  lat: number | null;
  lng: number | null;
  updatedAt: string;
}

export interface NewUnit {
  parentId: string;
  kind: UnitKind;
  name: string;
  code: string;
  lat?: number | null;
  lng?: number | null;
}

export interface UnitPatch {
  name?: string;
  code?: string;
  lat?: number | null;
  lng?: number | null;
}

export interface ImportResult {
  created: number;
  byKind: Partial<Record<UnitKind, number>>;
}

/** One bad row of an IMPORT_INVALID answer (details.rows). */
export interface ImportRowProblem {
  row: number;
  code: string | null;
  errors: { field: string; reason: string; [detail: string]: unknown }[];
}

export interface AdminUser {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  unitId: string;
  unitName: string | null;
  scopeUnitId: string;
  scopeUnitName: string | null;
  active: boolean;
  lockedUntil: string | null;
  createdAt: string;
  updatedAt: string;
  manageable: boolean;
}

export interface UserQuery {
  q?: string;
  under?: string;
  active?: boolean;
  limit: number;
  offset: number;
}

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  roles: string[];
  unitId: string;
  scopeUnitId?: string;
}

export interface UserPatch {
  displayName?: string;
  roles?: string[];
  unitId?: string;
  scopeUnitId?: string;
}

export interface Category {
  code: string;
  parentCode: string | null;
  name: string;
  level: number;
  sort: number;
  active: boolean;
}

export interface StepRule {
  label: string;
  article: string;
  unit: 'calendar_days' | 'working_days' | 'hours';
  limit: number;
  pausable: boolean;
  extension?: { maxDays: number; approver: string };
  note?: string;
}

export interface RuleSet {
  id: string;
  name: string;
  version: string;
  effectiveFrom: string;
  source: string;
  notes?: string[];
  reminderDaysBefore: number;
  handlingStepByUrgency: Record<string, string>;
  steps: Record<string, StepRule>;
}

export interface RulesAnswer {
  default: string;
  ruleSets: RuleSet[];
  calendarYears: number[];
}

export interface PosterSettings {
  publicBaseUrl: string | null;
  effectiveBaseUrl: string;
  fallbackBaseUrl: string;
  /** only an admin of the whole tree may change it */
  canChange: boolean;
}

export const adminApi = {
  me: () => api.get<Me>('/api/auth/me'),
  logout: () => api.post<{ ok: true }>('/api/auth/logout'),

  units: (opts: { active?: boolean } = {}) => api.get<{ items: AdminUnit[] }>(`/api/admin/units${qs({ active: opts.active === undefined ? undefined : String(opts.active) })}`),
  createUnit: (u: NewUnit) => api.post<AdminUnit>('/api/admin/units', u),
  updateUnit: (id: string, patch: UnitPatch) => api.patch<AdminUnit>(`/api/admin/units/${id}`, patch),
  moveUnit: (id: string, parentId: string) => api.post<{ unit: AdminUnit; unitsMoved: number; casesUpdated: number }>(`/api/admin/units/${id}/move`, { parentId }),
  deactivateUnit: (id: string) => api.post<AdminUnit>(`/api/admin/units/${id}/deactivate`),
  activateUnit: (id: string) => api.post<AdminUnit>(`/api/admin/units/${id}/activate`),
  /**
   * The import takes CSV as text or JSON as {units}. The fetch layer speaks JSON, so CSV travels as
   * one JSON string — which the route accepts as CSV text — and keeps the file's own line numbers.
   */
  importUnits: (body: string | { units: unknown[] }) => api.post<ImportResult>('/api/admin/units/import', body),

  users: (q: UserQuery) =>
    api.get<{ total: number; items: AdminUser[] }>(`/api/admin/users${qs({ q: q.q, under: q.under, active: q.active === undefined ? undefined : String(q.active), limit: q.limit, offset: q.offset })}`),
  createUser: (u: NewUser) => api.post<AdminUser>('/api/admin/users', u),
  updateUser: (id: string, patch: UserPatch) => api.patch<AdminUser>(`/api/admin/users/${id}`, patch),
  resetPassword: (id: string, password: string) => api.post<AdminUser>(`/api/admin/users/${id}/password`, { password }),
  deactivateUser: (id: string) => api.post<AdminUser>(`/api/admin/users/${id}/deactivate`),
  activateUser: (id: string) => api.post<AdminUser>(`/api/admin/users/${id}/activate`),

  categories: () => api.get<{ items: Category[] }>('/api/admin/categories'),
  createCategory: (c: { parentCode: string | null; name: string; code?: string; sort?: number }) => api.post<Category>('/api/admin/categories', c),
  updateCategory: (code: string, patch: { name?: string; sort?: number }) => api.patch<Category>(`/api/admin/categories/${code}`, patch),
  deactivateCategory: (code: string) => api.post<{ code: string; deactivated: string[] }>(`/api/admin/categories/${code}/deactivate`),
  activateCategory: (code: string) => api.post<Category>(`/api/admin/categories/${code}/activate`),

  rules: () => api.get<RulesAnswer>('/api/rules'),

  posterSettings: () => api.get<PosterSettings>('/api/admin/posters/settings'),
  setPublicBaseUrl: (publicBaseUrl: string | null) => api.patch<PosterSettings>('/api/admin/posters/settings', { publicBaseUrl }),
};

/** Given a grid id, returns the address of its poster PNG (the browser sends the session cookie). */
export const gridPosterUrl = (gridId: string, version?: string | number) => `/api/admin/posters/grids/${gridId}.png${qs({ v: version })}`;
/** Given a street id, returns the address of the zip of its posters. */
export const streetPostersUrl = (streetId: string) => `/api/admin/posters/streets/${streetId}.zip`;

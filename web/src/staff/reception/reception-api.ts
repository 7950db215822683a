/** What the staff reception pages read and send (src/http/routes/reception-routes.ts). */
import { api, qs } from '../../api/client';

export type SlotStatus = 'draft' | 'published' | 'cancelled';
export type GroupStatus = 'booked' | 'cancelled' | 'received' | 'no_show';

export interface Slot {
  id: string;
  leaderId: string;
  leaderName: string;
  leaderUnitName: string | null;
  post: string;
  remit: string;
  date: string;
  startTime: string;
  endTime: string;
  place: string;
  room: string | null;
  capacity: number;
  booked: number;
  status: SlotStatus;
  cancelReason: string | null;
  bookingClosesAt: string;
  createdAt: string;
}

export interface SlotInput {
  leaderId: string;
  post: string;
  remit: string;
  date: string;
  startTime: string;
  endTime: string;
  place: string;
  room?: string | null;
  capacity: number;
}

export interface Leader {
  id: string;
  name: string;
  unitName: string;
  post: string | null;
  remit: string | null;
}

export interface Group {
  id: string;
  number: string | null;
  walkIn: boolean;
  status: GroupStatus;
  name: string;
  phone: string;
  hasIdNumber: boolean;
  matter: string;
  peopleCount: number;
  batchNo: number | null;
  room: string | null;
  caseId: string | null;
  caseNumber: string | null;
  createdAt: string;
}

export interface DayFigures {
  slots: number;
  leaders: number;
  rooms: number;
  booked: number;
  batches: number;
  people: number;
  received: number;
  receivedPeople: number;
  noShows: number;
  assignedOnSpot: number;
}

export interface DayBoard {
  date: string;
  today: string;
  figures: DayFigures;
  rooms: string[];
  nextBatchNo: number;
  slots: Array<Slot & { groups: Group[] }>;
}

export interface WalkInInput {
  name: string;
  phone?: string | null;
  idNumber?: string | null;
  matter: string;
  peopleCount: number;
  room?: string | null;
  batchNo?: number | null;
}

export interface ReceiveInput {
  nature: string;
  type12345?: string | null;
  category?: string | null;
  title: string;
  content: string;
  petitioners: { name: string; phone?: string; idNumber?: string; representative?: boolean }[];
  bookerRepresentative?: boolean;
  acceptNow?: boolean;
  /** an accusation's accused units (Art. 30) */
  accusedUnitIds?: string[];
}

export interface Received {
  case: { id: string; number: string; queryCode: string; state: string };
  group: Group;
}

export const staffReceptionApi = {
  leaders: () => api.get<{ items: Leader[] }>('/api/reception/leaders').then((r) => r.items),
  slots: (month?: string) => api.get<{ month: string; today: string; slots: Slot[] }>(`/api/reception/slots${qs({ month })}`),
  create: (body: SlotInput) => api.post<Slot>('/api/reception/slots', body),
  update: (id: string, body: Partial<SlotInput>) => api.patch<Slot>(`/api/reception/slots/${id}`, body),
  remove: (id: string) => api.delete(`/api/reception/slots/${id}`),
  publish: (id: string) => api.post<{ published: number }>(`/api/reception/slots/${id}/publish`),
  publishMonth: (month: string) => api.post<{ published: number }>('/api/reception/rota/publish', { month }),
  cancel: (id: string, reason: string) => api.post<{ slot: Slot; cancelledBookings: number }>(`/api/reception/slots/${id}/cancel`, { reason }),
  day: (date?: string) => api.get<DayBoard>(`/api/reception/day${qs({ date })}`),
  walkIn: (slotId: string, body: WalkInInput) => api.post<Group>(`/api/reception/slots/${slotId}/walk-ins`, body),
  assign: (id: string, body: { batchNo?: number | null; room?: string | null }) => api.post<Group>(`/api/reception/bookings/${id}/assign`, body),
  receive: (id: string, body: ReceiveInput) => api.post<Received>(`/api/reception/bookings/${id}/receive`, body),
  noShow: (id: string) => api.post<Group>(`/api/reception/bookings/${id}/no-show`),
};

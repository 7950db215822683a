/** What the citizen's reception page asks of the server (no account): src/http/routes/reception-routes.ts. */
import { api, qs } from '../../api/client';

export interface PublicSlot {
  id: string;
  leaderName: string;
  post: string;
  remit: string;
  date: string;
  startTime: string;
  endTime: string;
  place: string;
  room: string | null;
  capacity: number;
  remaining: number;
  bookable: boolean;
  closesAt: string;
}

export interface PublicRota {
  month: string;
  today: string;
  slots: PublicSlot[];
}

export interface NewBooking {
  slotId: string;
  name: string;
  phone: string;
  idNumber?: string | null;
  matter: string;
  peopleCount: number;
}

export interface BookingReceipt {
  number: string;
  code: string;
  slot: PublicSlot;
}

export interface PublicBooking {
  number: string;
  status: 'booked' | 'cancelled' | 'received' | 'no_show';
  name: string;
  phone: string;
  matter: string;
  peopleCount: number;
  slot: { leaderName: string; post: string; remit: string; date: string; startTime: string; endTime: string; place: string; room: string | null };
  batchNo: number | null;
  room: string | null;
  cancelledBy: 'citizen' | 'office' | null;
  cancelReason: string | null;
  caseNumber: string | null;
  canCancel: boolean;
  createdAt: string;
}

const bookingUrl = (number: string) => `/api/public/reception/bookings/${encodeURIComponent(number)}`;

export const receptionApi = {
  /** Given a month (default: the server's current month), returns its published slots. */
  rota: (month?: string) => api.get<PublicRota>(`/api/public/reception/slots${qs({ month })}`),
  /** Given a booking, returns its number and code (the code only this once). */
  book: (body: NewBooking) => api.post<BookingReceipt>('/api/public/reception/bookings', body),
  /** Given number + code, returns the booking. */
  find: (number: string, code: string) => api.get<PublicBooking>(`${bookingUrl(number)}${qs({ code })}`),
  /** Given number + code, cancels the booking and returns it. */
  cancel: (number: string, code: string) => api.post<PublicBooking>(`${bookingUrl(number)}/cancel${qs({ code })}`),
};

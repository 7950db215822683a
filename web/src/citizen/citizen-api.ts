/**
 * What the citizen portal asks of the server (all without an account), typed; every call goes
 * through the one fetch layer in api/client.ts.
 */
import { api, qs } from '../api/client';

export interface CategoryNode {
  code: string;
  name: string;
  children?: CategoryNode[];
}

export interface PublicGrid {
  id: string;
  kind: string;
  name: string;
  code: string;
  gridName: string | null;
  communityName: string | null;
  streetName: string | null;
}

export type Type12345 = 'inquiry' | 'help' | 'complaint' | 'report' | 'suggestion';
export type Nature = 'suggestion' | 'accusation' | 'appeal';

export interface NewPublicCase {
  channel: 'online' | 'qr';
  nature: Nature;
  type12345: Type12345;
  category?: string | null;
  title: string;
  content: string;
  gridId?: string | null;
  location?: { address: string } | null;
  petitioner: { name: string; phone?: string | null; idNumber?: string | null; address?: string | null };
  confidential: boolean;
  /** answers to the category's questions, by question code */
  answers?: Record<string, string | number | string[]>;
}

export interface Receipt {
  number: string;
  queryCode: string;
}

export interface PublicCaseView {
  number: string;
  title: string;
  state: string;
  receivedAt: string;
  dueAt: string | null;
  dueStatus: 'none' | 'ok' | 'due_soon' | 'overdue';
  reply: { opinion: string | null; text: string; at: string | null } | null;
  refusal: { reason: string; legalChannel: string; at: string } | null;
  reviewOpinion: { opinion: string; text: string; at: string } | null;
  reReviewOpinion: { opinion: string; text: string; at: string } | null;
  reviewRequestDueAt: string | null;
  reReviewRequestDueAt: string | null;
  canRate: boolean;
  canRequestReview: boolean;
  canRequestReReview: boolean;
  canWithdraw: boolean;
  timeline: { at: string; text: string; detail: string | null }[];
  /** answers to the category's questions, in words */
  answers?: { code: string; label: string; value: string }[];
}

export type PetitionerCommand =
  | { type: 'rate'; satisfied: boolean; solved: boolean; comment?: string }
  | { type: 'request_review'; reason: string }
  | { type: 'request_re_review'; reason: string }
  | { type: 'withdraw'; reason: string };

const caseUrl = (number: string) => `/api/public/cases/${encodeURIComponent(number)}`;

export const citizenApi = {
  /** Given nothing, returns the active 3-level category tree. */
  categories: () => api.get<{ categories: CategoryNode[] }>('/api/public/categories').then((r) => r.categories),
  /** Given a search text (grid, community or street name), returns at most 50 grids. */
  grids: (q: string) => api.get<{ items: PublicGrid[] }>(`/api/public/grids${qs({ q: q.trim() })}`).then((r) => r.items),
  /** Given a new case and the form's idempotency key, returns its number and query code (the first answer on a retry). */
  submit: (body: NewPublicCase, idempotencyKey: string) => api.post<Receipt>('/api/public/cases', body, { 'Idempotency-Key': idempotencyKey }),
  /** Given a receipt and one file, attaches the file to the case. */
  attach: (receipt: Receipt, file: File) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return api.upload<{ id: string }>(`${caseUrl(receipt.number)}/attachments${qs({ code: receipt.queryCode })}`, form);
  },
  /** Given a number and query code, returns the plain public view of the case. */
  track: (number: string, code: string) => api.get<PublicCaseView>(`${caseUrl(number)}${qs({ code })}`),
  /** Given a number, query code and a petitioner command, returns the case as it is afterwards. */
  command: (number: string, code: string, command: PetitionerCommand) => api.post<PublicCaseView>(`${caseUrl(number)}/commands${qs({ code })}`, command),
};

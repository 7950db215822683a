/** What the segmentation-dictionary admin page reads and sends (src/http/routes/lexicon-routes.ts). */
import { api } from '../api/client';

export interface LexiconWord {
  word: string;
  freq: number;
  tag: string;
  createdAt: string;
  createdBy: { id: string; name: string | null } | null;
}

export interface LexiconList {
  items: LexiconWord[];
  tags: string[];
  /** how and when a change takes effect (the server's words) */
  note: string;
}

export interface Cut {
  words: string[];
  searchTokens: string[];
  keywords: string[];
}

export interface ReindexStatus {
  state: 'idle' | 'running' | 'done' | 'failed';
  startedAt: string | null;
  finishedAt: string | null;
  done: number;
  total: number;
}

export const lexiconApi = {
  list: () => api.get<LexiconList>('/api/admin/lexicon'),
  add: (body: { word: string; freq?: number; tag?: string }) => api.post<{ word: LexiconWord; note: string }>('/api/admin/lexicon', body),
  remove: (word: string) => api.delete<{ removed: string; note: string }>(`/api/admin/lexicon/${encodeURIComponent(word)}`),
  cut: (text: string) => api.post<Cut>('/api/admin/lexicon/cut', { text }),
  reindexStatus: () => api.get<ReindexStatus>('/api/admin/lexicon/reindex'),
  reindex: () => api.post<ReindexStatus>('/api/admin/lexicon/reindex'),
};

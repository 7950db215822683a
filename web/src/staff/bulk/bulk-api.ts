/**
 * The bulk import and export endpoints as the workbench uses them: uploads as multipart forms, the
 * refusal's row report from the error details, the report download as a file, export links.
 */
import { api, ApiError, fetchFile, saveFile } from '../../api/client';

/** Roles that may import (the server's IMPORT_ROLES). */
export const IMPORT_ROLES = ['registrar', 'dispatcher'];
/** Roles that may export (the server's EXPORT_ROLES). */
export const EXPORT_ROLES = ['supervisor', 'leader', 'unit_head'];
/** The longest export period in days (the server's MAX_EXPORT_DAYS). */
export const MAX_EXPORT_DAYS = 366;

export interface ImportProblem {
  row: number;
  column: string;
  reason: string;
  message: string;
}

export interface ImportRejection {
  fileName: string;
  rowCount: number;
  accepted: number;
  rejectedRowCount: number;
  rejected: ImportProblem[];
  duringWrite?: boolean;
  /** when the write failed: the case numbers reserved for it and left unused (audited), in words */
  note?: string;
}

export interface ImportResult {
  dryRun: boolean;
  fileName: string;
  rowCount: number;
  accepted: number;
  created: { row: number; id: string; number: string }[];
}

const form = (file: File, source: string, dryRun: boolean) => {
  const fd = new FormData();
  if (source.trim()) fd.append('source', source.trim());
  fd.append('dryRun', String(dryRun));
  fd.append('file', file, file.name);
  return fd;
};

/** Given an error from an import, returns its row report when it is the all-or-nothing refusal. */
export function rejectionOf(err: unknown): ImportRejection | null {
  return err instanceof ApiError && err.code === 'CASE_IMPORT_REJECTED' ? (err.details as unknown as ImportRejection) : null;
}

export const bulkApi = {
  importCases: (file: File, source: string, dryRun: boolean) => api.post<ImportResult>('/api/imports/cases', form(file, source, dryRun)),
  /** Downloads the file's check report (xlsx or csv) under the name the server gives it. */
  downloadReport: async (file: File, source: string, format: 'xlsx' | 'csv') => {
    const res = await fetchFile(`/api/imports/cases/report?format=${format}`, { method: 'POST', body: form(file, source, true) });
    saveFile(await res.blob(), res, `import-report.${format}`);
  },
  templateUrl: (format: 'xlsx' | 'csv') => `/api/imports/cases/template.${format}`,
  downloadExport: (q: ExportRequest) => downloadExport(bulkApi.exportUrl(q)),
  exportUrl: (q: { kind: 'cases' | 'events'; unitId?: string; from: string; to: string; format: 'csv' | 'xlsx' | 'jsonl' }) => {
    const p = new URLSearchParams({ format: q.format, from: q.from, to: q.to });
    if (q.unitId) p.set('unitId', q.unitId);
    return `/api/exports/${q.kind}?${p.toString()}`;
  },
};

export interface ExportRequest {
  kind: 'cases' | 'events';
  unitId?: string;
  from: string;
  to: string;
  format: 'csv' | 'xlsx' | 'jsonl';
}

/** What a finished export saved: the file's name and the rows the server counted for it (X-Total-Rows). */
export interface ExportDownload {
  fileName: string;
  rows: number | null;
}

/** The code of an export cut off in transit: the file was not saved. */
export const EXPORT_INTERRUPTED = 'EXPORT_INTERRUPTED';

/**
 * Given an export address, fetches the file and saves it under the server's name; a refusal (400,
 * 403, 404, 422…) throws an ApiError with the server's zh-CN message and saves nothing, and so does a
 * download the server broke off mid-way (EXPORT_INTERRUPTED), so a short file is never saved as if
 * whole. The file is held in memory until saved: an export is one unit's cases of at most 366 days
 * (Excel at most 1,048,575 rows); larger runs belong to `xinfang export`.
 */
async function downloadExport(url: string): Promise<ExportDownload> {
  const res = await fetchFile(url);
  let blob: Blob;
  try {
    blob = await res.blob();
  } catch {
    throw new ApiError(0, EXPORT_INTERRUPTED, '导出中途中断，文件不完整，未保存；请稍后重试', {});
  }
  const fileName = saveFile(blob, res, 'export');
  const rows = res.headers.get('x-total-rows');
  return { fileName, rows: rows === null ? null : Number(rows) };
}

/**
 * The one place the web app talks to the server: JSON in and out, the session cookie sent by the
 * browser, and errors turned into ApiError with the server's stable code and zh-CN message.
 */
export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** Given the error, returns the field messages the server named (for form fields). */
  get fields(): FieldError[] {
    const f = this.details.fields;
    if (Array.isArray(f)) return f as FieldError[];
    if (typeof this.details.path === 'string') return [{ path: this.details.path, message: this.message }];
    return [];
  }
}

async function request<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { ...headers } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError(0, 'NETWORK', '网络连接失败，请检查网络后重试');
  }
  const text = await res.text();
  const data = text ? safeJson(text) : null;
  if (!res.ok) throw refusal(res.status, data);
  return data as T;
}

/** Given a refused response's status and body, returns the error with the server's code and zh-CN message. */
function refusal(status: number, data: unknown): ApiError {
  const e = (data ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
  return new ApiError(status, e.code ?? 'HTTP_' + status, e.message ?? '请求失败', e.details ?? {});
}

/** Given a file's address and request, returns the response once the server sent the file; a refusal throws its ApiError. */
export async function fetchFile(url: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'same-origin', ...init });
  } catch {
    throw new ApiError(0, 'NETWORK', '网络连接失败，请检查网络后重试');
  }
  if (!res.ok) throw refusal(res.status, safeJson(await res.text().catch(() => '')));
  return res;
}

/** Given a file's contents, the response it came in and a fallback name, saves it under the name the server gave. */
export function saveFile(blob: Blob, res: Response, fallback: string): string {
  const m = /filename\*=UTF-8''([^;]+)/.exec(res.headers.get('content-disposition') ?? '');
  const name = m ? decodeURIComponent(m[1]!) : fallback;
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return name;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export const api = {
  get: <T>(url: string) => request<T>('GET', url),
  post: <T>(url: string, body?: unknown, headers?: Record<string, string>) => request<T>('POST', url, body ?? {}, headers),
  patch: <T>(url: string, body?: unknown) => request<T>('PATCH', url, body ?? {}),
  put: <T>(url: string, body?: unknown) => request<T>('PUT', url, body ?? {}),
  delete: <T = null>(url: string) => request<T>('DELETE', url),
  upload: <T>(url: string, form: FormData) => request<T>('POST', url, form),
};

/** Given query parameters, returns a query string without empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

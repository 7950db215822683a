/**
 * One signed webhook POST: JSON body, the X-Xinfang-* headers, a time limit for the whole call, and
 * redirects not followed (a 3xx is a failure: a receiver that moved must be reconfigured, and a
 * redirect must not carry the signed payload to a host the admin never approved). Outcomes name the
 * status or what went wrong, never the URL (it may carry a token).
 */
import { signWebhook } from './signature.js';

export interface WebhookOutcome {
  ok: boolean;
  /** the receiver's HTTP status; null when no answer came (timeout, refused connection) */
  status: number | null;
  /** a short reason when not ok (status and the start of the answer, or the network error) */
  error: string | null;
  durationMs: number;
}

export interface WebhookRequest {
  url: string;
  secret: string;
  eventType: string;
  deliveryId: string;
  body: unknown;
  now: Date;
  timeoutMs: number;
}

/** Given a target, its secret and a payload, POSTs it signed and returns how the receiver answered (never throws). */
export async function postWebhook(req: WebhookRequest): Promise<WebhookOutcome> {
  const raw = JSON.stringify(req.body);
  const ts = Math.floor(req.now.getTime() / 1000);
  const started = performance.now();
  const done = (o: Omit<WebhookOutcome, 'durationMs'>): WebhookOutcome => ({ ...o, durationMs: Math.round(performance.now() - started) });
  try {
    const res = await fetch(req.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'xinfang-webhook/1',
        'x-xinfang-event': req.eventType,
        'x-xinfang-delivery': req.deliveryId,
        'x-xinfang-timestamp': String(ts),
        'x-xinfang-signature': signWebhook(req.secret, ts, raw),
      },
      body: raw,
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    let text = '';
    try {
      text = await res.text();
    } catch {
      /* the status decides */
    }
    if (res.status >= 200 && res.status < 300) return done({ ok: true, status: res.status, error: null });
    const hint = res.status >= 300 && res.status < 400 ? 'redirect not followed' : text.replace(/\s+/g, ' ').slice(0, 200);
    return done({ ok: false, status: res.status, error: `HTTP ${res.status}${hint ? `: ${hint}` : ''}` });
  } catch (err) {
    return done({ ok: false, status: null, error: describeFetchError(err, req.timeoutMs) });
  }
}

/** Given a failure of fetch, returns a short reason without the URL. */
function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const code = e?.cause?.code;
  return code ? `network error: ${code}` : `network error: ${(e?.cause?.message ?? e?.message ?? String(err)).slice(0, 200)}`;
}

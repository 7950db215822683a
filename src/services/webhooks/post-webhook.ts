/**
 * One signed webhook POST: JSON body, the X-Xinfang-* headers, a time limit for the whole call, and
 * redirects not followed (a 3xx is a failure: a receiver that moved must be reconfigured, and a
 * redirect must not carry the signed payload to a host the admin never approved).
 *
 * Sent with node:http / node:https (no dependency) so the connection goes to the address that was
 * checked: the host is resolved by our own `lookup`, each address is put to the address policy
 * (address-policy.ts: no private, loopback or link-local address unless WEBHOOK_ALLOWED_HOSTS
 * permits it) and only a permitted one is connected to; an address literal in the URL is checked
 * before connecting (Node connects to a literal without calling `lookup`).
 *
 * The receiver's answer is judged by its status alone: its body is never read (a fast 500 with a
 * 400 MB body cost +425 MB of memory when it was) and never shown, so the ping cannot be used to read
 * an internal service. Outcomes carry a stable code, never the URL (it may carry a token) nor text
 * from the receiver: `http_status:<n>`, `redirect`, `timeout`, `network`, `blocked_address`.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressPolicy } from './address-policy.js';
import { signWebhook } from './signature.js';

/** Why an attempt failed, as stored in webhook_deliveries.last_error and mapped to zh-CN by the web app. */
export type WebhookErrorCode =
  | `http_status:${number}`
  | 'redirect'
  | 'timeout'
  | 'network'
  | 'blocked_address'
  | 'subscription_off'
  | 'subscription_deleted'
  | 'event_not_found'
  | 'scope_accused'
  | 'secret_unreadable';

export interface WebhookOutcome {
  ok: boolean;
  /** the receiver's HTTP status; null when no answer came (timeout, refused connection, blocked address) */
  status: number | null;
  /** a stable code when not ok (WebhookErrorCode) */
  error: WebhookErrorCode | null;
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
  /** which addresses may be connected to */
  policy: AddressPolicy;
}

const BLOCKED = 'EWEBHOOKBLOCKED';

/** Given a target, its secret and a payload, POSTs it signed and returns how the receiver answered (never throws). */
export async function postWebhook(req: WebhookRequest): Promise<WebhookOutcome> {
  const raw = Buffer.from(JSON.stringify(req.body), 'utf8');
  const ts = Math.floor(req.now.getTime() / 1000);
  const started = performance.now();
  const done = (o: Omit<WebhookOutcome, 'durationMs'>): WebhookOutcome => ({ ...o, durationMs: Math.round(performance.now() - started) });

  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return done({ ok: false, status: null, error: 'network' });
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(host) && !req.policy.permits(host, host)) return done({ ok: false, status: null, error: 'blocked_address' });

  const lookup: net.LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, family: options.family ?? 0, hints: options.hints }, (err, addresses) => {
      if (err) return (callback as (e: Error) => void)(err);
      const permitted = addresses.filter((a) => req.policy.permits(host, a.address));
      if (permitted.length === 0) return (callback as (e: Error) => void)(Object.assign(new Error('address not permitted for webhooks'), { code: BLOCKED }));
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, permitted);
      else callback(null, permitted[0]!.address, permitted[0]!.family);
    });
  };

  return new Promise<WebhookOutcome>((resolve) => {
    let finished = false;
    const finish = (o: Omit<WebhookOutcome, 'durationMs'>) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      request.destroy();
      resolve(done(o));
    };
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      agent: false,
      lookup,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(raw.length),
        'user-agent': 'xinfang-webhook/1',
        'x-xinfang-event': req.eventType,
        'x-xinfang-delivery': req.deliveryId,
        'x-xinfang-timestamp': String(ts),
        'x-xinfang-signature': signWebhook(req.secret, ts, raw),
      },
    });
    // one limit for the whole call: connecting, sending and the answer's status line
    const timer = setTimeout(() => finish({ ok: false, status: null, error: 'timeout' }), req.timeoutMs);
    request.on('response', (res) => {
      // the status decides; the body is not read (a huge or slow body costs nothing)
      res.destroy();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) finish({ ok: true, status, error: null });
      else if (status >= 300 && status < 400) finish({ ok: false, status, error: 'redirect' });
      else finish({ ok: false, status, error: `http_status:${status}` });
    });
    request.on('error', (err: Error & { code?: string }) => finish({ ok: false, status: null, error: err.code === BLOCKED ? 'blocked_address' : 'network' }));
    request.end(raw);
  });
}

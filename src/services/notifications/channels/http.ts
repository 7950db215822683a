/**
 * One JSON POST with a time limit, for the robot and SMS adapters. Errors name what happened
 * (status, timeout, refused connection) and never the URL, which may carry an access token.
 */
import { DeliveryError } from './types.js';

export interface JsonReply {
  status: number;
  json: unknown;
  text: string;
}

/** Given a URL, a JSON body and a time limit, returns the reply; throws DeliveryError on a network failure or timeout. */
export async function postJson(url: string, body: unknown, timeoutMs: number, headers: Record<string, string> = {}): Promise<JsonReply> {
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body: JSON.stringify(body),
      signal,
      redirect: 'error',
    });
    text = await res.text();
  } catch (err) {
    throw new DeliveryError(describeFetchError(err, timeoutMs));
  }
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: the caller decides whether that matters */
  }
  return { status: res.status, json, text };
}

/** Given a failure of fetch, returns a short reason without the URL. */
function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const code = e?.cause?.code;
  return code ? `network error: ${code}` : `network error: ${e?.cause?.message ?? e?.message ?? String(err)}`;
}

/** Given a reply body, returns at most 200 characters of it for last_error. */
export const snippet = (text: string) => text.replace(/\s+/g, ' ').slice(0, 200);

/**
 * DingTalk custom robot (自定义机器人): POST {msgtype:'markdown', markdown:{title, text}} to the
 * webhook. A robot with 加签 security appends `&timestamp=<ms>&sign=<url-encoded base64 of
 * HMAC-SHA256(key = secret, "timestamp\nsecret")>` to the URL. DingTalk answers HTTP 200 with
 * {errcode, errmsg}; only errcode 0 is a delivery.
 */
import { createHmac } from 'node:crypto';
import { postJson, snippet } from './http.js';
import { DeliveryError, LEVEL_TAG, truncateUtf8, escapeMarkdown, type ChannelSender, type OutboundMessage } from './types.js';

/** Given a secret and a timestamp in ms, returns the base64 signature DingTalk expects (before URL encoding). */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** Given a webhook URL, an optional secret and the time, returns the URL to post to (signed when there is a secret). */
export function dingtalkUrl(webhook: string, secret: string | null, now: Date): string {
  if (!secret) return webhook;
  const url = new URL(webhook);
  const timestamp = now.getTime();
  // URLSearchParams encodes '+', '/' and '=' of the base64 signature as DingTalk requires.
  url.searchParams.set('timestamp', String(timestamp));
  url.searchParams.set('sign', dingtalkSign(secret, timestamp));
  return url.toString();
}

/** Given a message, returns DingTalk's markdown body (paragraphs kept; a robot message holds about 20,000 bytes). */
export function dingtalkBody(msg: OutboundMessage) {
  const title = `${LEVEL_TAG[msg.level]}${msg.title}`;
  const text = truncateUtf8(`#### ${escapeMarkdown(title)}\n\n${msg.body.split(/\r?\n/).map(escapeMarkdown).join('\n\n')}`, 18_000);
  return { msgtype: 'markdown', markdown: { title: truncateUtf8(title, 200), text } };
}

export const sendDingtalk: ChannelSender = async (to, msg, env) => {
  const reply = await postJson(dingtalkUrl(to.target, to.secret, env.now), dingtalkBody(msg), env.timeoutMs);
  checkRobotReply('dingtalk', reply.status, reply.json, reply.text);
};

/** Given a robot's reply (DingTalk and WeCom answer alike), throws unless it says errcode 0. */
export function checkRobotReply(name: string, status: number, json: unknown, text: string): void {
  if (status < 200 || status >= 300) throw new DeliveryError(`${name}: HTTP ${status} ${snippet(text)}`.trim());
  const r = json as { errcode?: unknown; errmsg?: unknown } | null;
  if (!r || typeof r !== 'object' || r.errcode === undefined) throw new DeliveryError(`${name}: unexpected reply ${snippet(text)}`.trim());
  if (Number(r.errcode) !== 0) throw new DeliveryError(`${name}: errcode ${String(r.errcode)} ${String(r.errmsg ?? '')}`.trim());
}

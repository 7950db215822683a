/**
 * SMS through a generic HTTP gateway (SMS_GATEWAY_URL): POST {phone, text} with
 * `Authorization: Bearer SMS_GATEWAY_TOKEN`; any 2xx means accepted. Without a gateway configured
 * an SMS channel fails at once and for good (nothing to retry against).
 */
import { postJson, snippet } from './http.js';
import { DeliveryError, LEVEL_TAG, type ChannelSender, type OutboundMessage } from './types.js';

/** The longest SMS text sent (a gateway splits it into several messages beyond 70 characters). */
export const SMS_MAX_CHARS = 300;

/** Given a message, returns the SMS text: tag, title, body, cut to SMS_MAX_CHARS characters. */
export function smsText(msg: OutboundMessage): string {
  const chars = Array.from(`${LEVEL_TAG[msg.level]}${msg.title}：${msg.body.replace(/\s*\r?\n\s*/g, ' ')}`);
  return chars.length <= SMS_MAX_CHARS ? chars.join('') : chars.slice(0, SMS_MAX_CHARS - 1).join('') + '…';
}

export const sendSms: ChannelSender = async (to, msg, env) => {
  const url = env.config.SMS_GATEWAY_URL;
  if (!url) throw new DeliveryError('sms: SMS_GATEWAY_URL is not configured', true);
  const token = env.config.SMS_GATEWAY_TOKEN;
  const reply = await postJson(url, { phone: to.target, text: smsText(msg) }, env.timeoutMs, token ? { authorization: `Bearer ${token}` } : {});
  if (reply.status < 200 || reply.status >= 300) throw new DeliveryError(`sms: HTTP ${reply.status} ${snippet(reply.text)}`.trim());
};

/**
 * What a channel adapter gets and how it fails. An adapter sends one message to one address and
 * returns when the far side accepted it; it throws DeliveryError otherwise (a timeout included).
 * Error texts end up in outbox.last_error: they never carry the address or a secret.
 */
import type { Config } from '../../../config.js';
import type { NotificationLevel } from '../notify.js';

export const CHANNEL_KINDS = ['dingtalk', 'wecom', 'email', 'sms'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export interface OutboundMessage {
  kind: string;
  level: NotificationLevel;
  title: string;
  body: string;
}

export interface ChannelAddress {
  /** robot webhook URL, e-mail address or mobile number, decrypted */
  target: string;
  /** a DingTalk robot's signing secret, decrypted; null when the robot does not sign */
  secret: string | null;
}

export interface SendEnv {
  config: Config;
  /** the moment of sending (a DingTalk signature's timestamp) */
  now: Date;
  /** the limit for the whole call */
  timeoutMs: number;
}

export type ChannelSender = (to: ChannelAddress, msg: OutboundMessage, env: SendEnv) => Promise<void>;

/** A delivery that did not go through; `permanent` ones are not retried. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** The zh-CN tag a message's level adds in front of its title on external channels. */
export const LEVEL_TAG: Record<NotificationLevel, string> = { info: '', yellow: '【黄色提醒】', red: '【红色警示】' };

/** Given a string and a byte budget, returns it cut at a code point boundary to fit in UTF-8 (with an ellipsis when cut). */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  const budget = maxBytes - 3; // '…' is 3 bytes
  let used = 0;
  let out = '';
  for (const ch of s) {
    const b = Buffer.byteLength(ch, 'utf8');
    if (used + b > budget) break;
    used += b;
    out += ch;
  }
  return out + '…';
}

/** Markdown and HTML metacharacters and their full-width look-alikes (robot renderers differ on backslash escapes). */
const MARKDOWN_SAFE: Record<string, string> = { '[': '［', ']': '］', '(': '（', ')': '）', '<': '＜', '>': '＞', '*': '＊', '_': '＿', '`': '｀', '!': '！', '#': '＃', '|': '｜', '~': '～' };

/**
 * Given text from a case (a citizen may have typed it), returns it inert inside a robot's markdown:
 * the metacharacters become their full-width forms, so a title like `![](http://…)[点此](http://…)`
 * shows as typed instead of loading a beacon or posting an official-looking link in a government group.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[[\]()<>*_`!#|~]/g, (c) => MARKDOWN_SAFE[c] ?? c);
}

/**
 * The channel adapters by kind.
 */
import { sendDingtalk } from './dingtalk.js';
import { sendEmail } from './email.js';
import { sendSms } from './sms.js';
import { sendWecom } from './wecom.js';
import type { ChannelKind, ChannelSender } from './types.js';

export const CHANNEL_SENDERS: Record<ChannelKind, ChannelSender> = {
  dingtalk: sendDingtalk,
  wecom: sendWecom,
  email: sendEmail,
  sms: sendSms,
};

export { CHANNEL_KINDS, DeliveryError, type ChannelKind, type ChannelSender, type OutboundMessage } from './types.js';

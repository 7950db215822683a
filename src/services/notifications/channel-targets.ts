/**
 * A channel's address, checked and masked. Robots take an http(s) webhook URL (DingTalk:
 * https://oapi.dingtalk.com/robot/send?access_token=…, WeCom: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…;
 * an intranet relay is allowed, so any http(s) host is), e-mail an address, SMS a mainland mobile
 * number. The address is stored encrypted (a webhook URL carries its access token; a mailbox or a
 * phone number is personal data) and shown only masked.
 */
import { AppError } from '../../domain/errors.js';
import { maskPhone } from '../../domain/personal-data/mask.js';
import { parsePhone } from '../../domain/personal-data/phone.js';
import type { ChannelKind } from './channels/types.js';

// Deliberately plain: one @, no spaces or angle brackets (nothing that could smuggle a second header or recipient).
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Given a kind and the typed address, returns the address to store; throws NOTIFICATION_TARGET_INVALID. */
export function normalizeTarget(kind: ChannelKind, raw: string): string {
  const v = raw.trim();
  const invalid = (reason: string) => new AppError('NOTIFICATION_TARGET_INVALID', { path: 'target', kind, reason });
  switch (kind) {
    case 'dingtalk':
    case 'wecom': {
      let url: URL;
      try {
        url = new URL(v);
      } catch {
        throw invalid('not_a_url');
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('not_http');
      if (url.username || url.password) throw invalid('credentials_in_url');
      if (v.length > 2000) throw invalid('too_long');
      return url.toString();
    }
    case 'email':
      if (v.length > 254 || !EMAIL.test(v)) throw invalid('not_an_email');
      return v;
    case 'sms': {
      const p = parsePhone(v);
      if (!p.ok || p.kind !== 'mobile') throw invalid('not_a_mobile');
      return p.normalized;
    }
  }
}

/** Given a kind and a stored address, returns what screens show: host and a starred tail for URLs, a masked mailbox or number. */
export function maskTarget(kind: ChannelKind, target: string): string {
  switch (kind) {
    case 'dingtalk':
    case 'wecom': {
      try {
        const url = new URL(target);
        const tail = target.slice(-4);
        return `${url.protocol}//${url.host}${url.pathname.length > 1 ? '/…' : '/'}****${tail}`;
      } catch {
        return '****';
      }
    }
    case 'email': {
      const at = target.lastIndexOf('@');
      if (at < 1) return '****';
      const local = Array.from(target.slice(0, at));
      return `${local[0]}***@${target.slice(at + 1)}`;
    }
    case 'sms':
      return maskPhone(target);
  }
}

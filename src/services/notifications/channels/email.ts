/**
 * E-mail over SMTP with nodemailer (SMTP_HOST, SMTP_PORT, SMTP_SECURE, SMTP_USER, SMTP_PASSWORD,
 * SMTP_FROM). Plain text, UTF-8 subject and body. One connection per message: notifications are
 * few, and no pooled connection outlives a send.
 */
import nodemailer from 'nodemailer';
import { DeliveryError, LEVEL_TAG, type ChannelSender, type OutboundMessage } from './types.js';

/** Given a message, returns the mail's subject and text. */
export function emailContent(msg: OutboundMessage): { subject: string; text: string } {
  return { subject: `${LEVEL_TAG[msg.level]}${msg.title}`, text: `${msg.body}\n\n——\n本邮件由信访与诉求办理平台自动发送，请勿直接回复。` };
}

export const sendEmail: ChannelSender = async (to, msg, env) => {
  const c = env.config;
  const transport = nodemailer.createTransport({
    host: c.SMTP_HOST,
    port: c.SMTP_PORT,
    secure: c.SMTP_SECURE,
    ...(c.SMTP_USER ? { auth: { user: c.SMTP_USER, pass: c.SMTP_PASSWORD ?? '' } } : {}),
    connectionTimeout: env.timeoutMs,
    greetingTimeout: env.timeoutMs,
    socketTimeout: env.timeoutMs,
  });
  const { subject, text } = emailContent(msg);
  // The three timeouts bound each phase; this bounds the whole exchange.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeliveryError(`email: timeout after ${env.timeoutMs} ms`)), env.timeoutMs);
  });
  try {
    await Promise.race([transport.sendMail({ from: c.SMTP_FROM, to: to.target, subject, text, textEncoding: 'base64' }), deadline]);
  } catch (err) {
    if (err instanceof DeliveryError) throw err;
    const e = err as { code?: string; responseCode?: number; message?: string };
    const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600 && e.code === 'EENVELOPE';
    // A server's refusal often quotes the recipient: the address never goes into last_error or the logs.
    const said = [e.code, e.responseCode, e.message].filter(Boolean).join(' ').split(to.target).join('<收件人>').replace(/[^\s<>"']+@[^\s<>"']+/g, '<地址>');
    throw new DeliveryError(`email: ${said}`.slice(0, 300), permanent);
  } finally {
    clearTimeout(timer);
    transport.close();
  }
};

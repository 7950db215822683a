/**
 * Real receivers on loopback for the notification channels: an HTTP server standing in for the
 * DingTalk / WeCom robots and the SMS gateway (answers scripted per request), and an SMTP server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface ReceivedRequest {
  method: string;
  /** path and query as sent */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: any;
  /** the status answered */
  status: number;
}

export type Responder = (req: ReceivedRequest, nth: number) => { status: number; body?: unknown; delayMs?: number };

export interface HttpReceiver {
  base: string;
  /** every request, in arrival order */
  requests: ReceivedRequest[];
  /** requests to one path (without the query) */
  at(path: string): ReceivedRequest[];
  /** how requests to a path are answered (default: 200 {errcode:0}) */
  on(path: string, responder: Responder): void;
  close(): Promise<void>;
}

/** Returns an HTTP receiver on 127.0.0.1 with a free port. */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const responders = new Map<string, Responder>();
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        /* keep the text */
      }
      const path = (req.url ?? '/').split('?')[0]!;
      const nth = (counts.get(path) ?? 0) + 1;
      counts.set(path, nth);
      const entry: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '/', headers: req.headers, body, status: 0 };
      const responder: Responder = responders.get(path) ?? (() => ({ status: 200, body: { errcode: 0, errmsg: 'ok' } }));
      const answer = responder(entry, nth);
      entry.status = answer.status;
      requests.push(entry);
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(answer.body ?? {}));
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  // Longer than any client keeps an idle connection: the server never closes one a client is about to reuse.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    at: (path) => requests.filter((r) => r.url.split('?')[0] === path),
    on: (path, responder) => {
      responders.set(path, responder);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SmtpReceiver {
  port: number;
  mails: Array<ParsedMail & { envelopeTo: string[] }>;
  close(): Promise<void>;
}

/** Returns an SMTP server on 127.0.0.1 with a free port that accepts and parses every message. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const mails: SmtpReceiver['mails'] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(Object.assign(mail, { envelopeTo: session.envelope.rcptTo.map((r) => r.address) }));
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

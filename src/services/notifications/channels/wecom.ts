/**
 * WeCom group robot (企业微信群机器人): POST {msgtype:'markdown', markdown:{content}} to the
 * webhook (the key is in its URL). WeCom answers {errcode, errmsg}; only errcode 0 is a delivery.
 * A markdown message holds at most 4096 bytes.
 */
import { checkRobotReply } from './dingtalk.js';
import { postJson } from './http.js';
import { LEVEL_TAG, escapeMarkdown, truncateUtf8, type ChannelSender, type OutboundMessage } from './types.js';

/** Given a message, returns WeCom's markdown body: the title in bold (coloured by level), the body quoted. */
export function wecomBody(msg: OutboundMessage) {
  const title = escapeMarkdown(msg.title);
  const head = msg.level === 'info' ? `**${title}**` : `<font color="warning">**${LEVEL_TAG[msg.level]}${title}**</font>`;
  const quoted = msg.body
    .split(/\r?\n/)
    .map((line) => `> ${escapeMarkdown(line)}`)
    .join('\n');
  return { msgtype: 'markdown', markdown: { content: truncateUtf8(`${head}\n${quoted}`, 4096) } };
}

export const sendWecom: ChannelSender = async (to, msg, env) => {
  const reply = await postJson(to.target, wecomBody(msg), env.timeoutMs);
  checkRobotReply('wecom', reply.status, reply.json, reply.text);
};

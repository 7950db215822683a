/**
 * Telling people of a warning, in the raising transaction (so a warning and its notice exist together,
 * and neither without the other): the named person of an urgent warning at once, in red (the nearest
 * supervisors when it has none); the nearest supervisors over the units concerned for a high one. Text carries the warning's number and title,
 * never a petitioner's personal data; recipients inside an accused unit are left out (Art. 30).
 */
import { WARNING_KIND_LABELS, type WarningKind } from '../../domain/warnings/lifecycle.js';
import type { Tx } from '../../store/database.js';
import type { AppContext } from '../context.js';
import { notifyUsers } from '../notifications/notify.js';
import { nearestSupervisors, outsideAccused } from './warning-recipients.js';
import { accusedPathsOf, type RaisedWarning } from './warning-store.js';

/** Given a freshly raised warning, notifies whoever must hear of it now; returns how many inbox rows were written. */
export async function noticeRaisedWarning(ctx: AppContext, tx: Tx, raised: RaisedWarning, opts: { caseId?: string | null } = {}): Promise<number> {
  const w = raised.warning;
  if (!raised.created) return 0;
  const accused = accusedPathsOf(w);
  const label = WARNING_KIND_LABELS[w.kind as WarningKind] ?? w.kind;
  const base = { kind: 'warning', caseId: opts.caseId ?? null, dedupeKey: `warning:${w.id}:raised` };
  if (w.level === 'urgent') {
    const named = w.assigneeId ? await outsideAccused(tx, [w.assigneeId], accused) : [];
    // no named person (nobody heads the units up the tree, or only accused ones do): the nearest
    // supervisors over the place hear of it at once instead, so that someone is always told
    const to = named.length ? named : w.unitPaths[0] ? await nearestSupervisors(tx, w.unitPaths[0], accused) : [];
    return notifyUsers(ctx, tx, to, {
      ...base,
      level: 'red',
      title: `紧急预警 ${w.number}：${label}`,
      // the detail may quote the petition: it stays in the system, robots and SMS get the title only
      body: named.length ? `${w.title}。请立即核实处置，并在预警页派单、反馈。` : `${w.title}。尚无指定责任人，请立即指定专人核实处置。`,
    });
  }
  if (w.level === 'high' && w.unitPaths[0]) {
    const to = await nearestSupervisors(tx, w.unitPaths[0], accused);
    return notifyUsers(ctx, tx, to, { ...base, level: 'yellow', title: `预警 ${w.number}：${label}`, body: `${w.title}。请研判后派单处置。` });
  }
  return 0;
}

/** Given a dispatched warning, tells its named person (once per dispatch). */
export async function noticeDispatchedWarning(ctx: AppContext, tx: Tx, w: RaisedWarning['warning'], seq: number, dueAtZh: string): Promise<number> {
  if (!w.assigneeId) return 0;
  const to = await outsideAccused(tx, [w.assigneeId], accusedPathsOf(w));
  return notifyUsers(ctx, tx, to, {
    kind: 'warning',
    level: w.level === 'urgent' ? 'red' : 'yellow',
    title: `预警派单 ${w.number}`,
    body: `${w.title}。已派您单位处置，请于 ${dueAtZh} 前反馈处置情况。`,
    caseId: null,
    dedupeKey: `warning:${w.id}:event:${seq}`,
  });
}

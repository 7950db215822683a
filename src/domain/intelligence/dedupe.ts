/**
 * Batch repeat-petition and near-duplicate detection (`xinfang dedupe`): LSH buckets give candidate pairs,
 * `sameMatter` judges each, union-find makes the groups. Memory and time are linear in the messages plus the
 * candidate pairs; no pair of messages is compared unless they share a band key.
 *
 * Definitions (the same as at intake):
 * - `group`: messages about the same matter from anyone, closed under "sameMatter with a member"; its id is
 *   the id of its earliest message (by time, ties by input order), so a message alone is its own group.
 * - `duplicateOf`: the earliest earlier message FROM THE SAME USER that is itself sameMatter with this one —
 *   a direct match, not mere membership of the same group, because a group can chain A~B~C where A and C
 *   share little, and a repeat petition must point at a case the petitioner really wrote about this matter.
 *   A message without a user is never a repeat.
 */
import { fingerprint, sameMatter, type Fingerprint } from './minhash.js';

export interface DedupeMessage {
  id: string;
  user: string | null;
  title: string;
  body: string;
  /** milliseconds since the epoch (see parseMessageTime) */
  time: number;
}

export interface DedupeResult {
  id: string;
  duplicateOf: string | null;
  group: string;
}

/**
 * Given a message time as written in the data ("YYYY-MM-DD HH:MM:SS", or ISO 8601), returns it in
 * milliseconds — a time without a zone is read as UTC, which only has to order messages consistently —
 * or null when it is not a time.
 */
export function parseMessageTime(time: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:?\d{2})?$/.exec(time.trim());
  if (!m) return null;
  const iso = `${m[1]}T${m[2] ?? '00:00:00'}${m[3] ?? 'Z'}`;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return null;
  // A calendar date only: Date.parse rolls 2024-02-30 over to 1 March.
  const [y, mo, d] = m[1]!.split('-').map(Number);
  const day = new Date(Date.UTC(y!, mo! - 1, d!));
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo! - 1 && day.getUTCDate() === d ? ms : null;
}

/** Given messages, returns one result per message in input order (see the definitions above). */
export function dedupeMessages(messages: readonly DedupeMessage[]): DedupeResult[] {
  const n = messages.length;
  const fps: Fingerprint[] = messages.map((m) => fingerprint(`${m.title}\n${m.body}`));
  const order = messages.map((_, i) => i).sort((a, b) => messages[a]!.time - messages[b]!.time || a - b);
  const rank = new Int32Array(n);
  order.forEach((i, r) => (rank[i] = r));

  // union-find over input indices; each root remembers its earliest member (smallest rank)
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const earliest = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[x] !== r) {
      const next = parent[x]!;
      parent[x] = r;
      x = next;
    }
    return r;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return;
    parent[rb] = ra;
    if (rank[earliest[rb]!]! < rank[earliest[ra]!]!) earliest[ra] = earliest[rb]!;
  };

  // Messages are added to the buckets in time order, so a bucket holds only earlier messages. Messages
  // whose signatures are identical are one class: only its first member enters the buckets and is
  // compared; the others join through it (identical signatures are sameMatter with the same messages,
  // but for the shingle counts), and the class remembers its earliest member per user for duplicateOf.
  const buckets = new Map<number, number[]>();
  const classOf = new Map<string, number>();
  const classUsers = new Map<number, Map<string, number>>();
  const duplicateOf = new Int32Array(n).fill(-1);
  const seenBy = new Int32Array(n).fill(-1);

  for (const i of order) {
    const fp = fps[i]!;
    const user = messages[i]!.user;
    const key = fp.shingles === 0 ? null : signatureKey(fp.signature);
    const rep = key === null ? undefined : classOf.get(key);
    if (rep !== undefined) {
      union(rep, i);
      const users = classUsers.get(rep)!;
      if (user !== null) {
        const earlier = users.get(user);
        // the earlier twin's own repeat link is the earliest one (same signature, same verdicts)
        if (earlier !== undefined) duplicateOf[i] = duplicateOf[earlier] !== -1 ? duplicateOf[earlier]! : earlier;
        else users.set(user, i);
      }
    }
    // The representative's own candidates still matter for duplicateOf: the same user may have written an
    // earlier, different-signature message on this matter. Without a user, the class link is enough.
    if (rep !== undefined && (user === null || duplicateOf[i] !== -1)) continue;
    for (const band of fp.bands) {
      const bucket = buckets.get(band);
      if (!bucket) continue;
      for (const j of bucket) {
        if (seenBy[j] === i || j === rep) continue;
        seenBy[j] = i;
        const jUsers = classUsers.get(j)!;
        const sameUserEarlier = user === null ? undefined : jUsers.get(user);
        // Already in one group and no repeat to find: the verdict would change nothing.
        if (sameUserEarlier === undefined && find(i) === find(j)) continue;
        if (!sameMatter(fp, fps[j]!)) continue;
        union(i, j);
        if (sameUserEarlier !== undefined && (duplicateOf[i] === -1 || rank[sameUserEarlier]! < rank[duplicateOf[i]!]!)) {
          duplicateOf[i] = sameUserEarlier;
        }
      }
    }
    if (rep !== undefined || key === null) continue;
    classOf.set(key, i);
    classUsers.set(i, new Map(user === null ? [] : [[user, i]]));
    for (const band of fp.bands) {
      const bucket = buckets.get(band);
      if (bucket) bucket.push(i);
      else buckets.set(band, [i]);
    }
  }

  return messages.map((m, i) => ({
    id: m.id,
    duplicateOf: duplicateOf[i] === -1 ? null : messages[duplicateOf[i]!]!.id,
    group: messages[earliest[find(i)]!]!.id,
  }));
}

function signatureKey(sig: Uint32Array): string {
  return Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength).toString('base64');
}

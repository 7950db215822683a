/**
 * Masking for display: every response shows personal data masked unless an audited unmask was asked for
 * (DOMAIN.md §2). Masks work on code points, so a rare character outside the BMP is never split in half,
 * and never throw: a null, empty or odd value still yields something safe to show.
 */
import { parsePhone } from './phone.js';

/** Given code points and how many to keep at each end, returns them with the middle starred (at least half hidden when short). */
function maskMiddle(chars: string[], head: number, tail: number): string {
  const n = chars.length;
  if (head + tail >= n) {
    // Too short for the usual pattern: show at most a quarter at each end so most of it stays hidden.
    head = Math.floor(n / 4);
    tail = Math.floor(n / 4);
  }
  return chars.slice(0, head).join('') + '*'.repeat(n - head - tail) + chars.slice(n - tail).join('');
}

/** Given a name, returns its first character followed by one star per remaining character (张三 → 张*, 欧阳娜娜 → 欧***). */
export function maskName(name: string | null | undefined): string {
  const chars = Array.from((name ?? '').trim());
  // A single character could be the whole identifying part, so it is hidden too.
  if (chars.length <= 1) return '*'.repeat(chars.length);
  return chars[0] + '*'.repeat(chars.length - 1);
}

/** Given a phone number, returns it masked: mobile 138****1234, landline 010-****5678, public service numbers unchanged. */
export function maskPhone(phone: string | null | undefined): string {
  const raw = (phone ?? '').trim();
  if (raw === '') return '';
  const p = parsePhone(raw);
  if (p.ok && p.kind === 'mobile') return maskMiddle(Array.from(p.normalized), 3, 4);
  // Hotlines like 12345 are public numbers, not personal data.
  if (p.ok && p.kind === 'service') return p.normalized;
  if (p.ok && p.kind === 'landline') {
    const [area = '', rest = ''] = p.normalized.split('-');
    const local = rest.split('转')[0] ?? '';
    // The area code only says which city; the extension is dropped, it would narrow down the person.
    return `${area}-${maskMiddle(Array.from(local), 0, 4)}`;
  }
  return maskMiddle(Array.from(raw), 3, 4);
}

/** Given an ID number, returns the first 6 (region) and last 4 characters with stars between (110105********002X). */
export function maskIdNumber(id: string | null | undefined): string {
  const chars = Array.from((id ?? '').replace(/\s+/g, ''));
  return maskMiddle(chars, 6, 4);
}

/** Given an address, returns its first 6 characters (about province and city) followed by a fixed ****. */
export function maskAddress(address: string | null | undefined): string {
  const chars = Array.from((address ?? '').trim());
  if (chars.length === 0) return '';
  // A fixed-width mask hides the address length; short addresses keep at most half.
  const keep = Math.min(6, Math.floor(chars.length / 2));
  return chars.slice(0, keep).join('') + '****';
}

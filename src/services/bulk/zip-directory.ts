/**
 * Reading a zip's central directory (PKWARE APPNOTE 4.3.12–4.3.16, with the ZIP64 records) without
 * inflating anything: an .xlsx says there how large each part unpacks, so a zip bomb is refused
 * before a byte of it is unpacked.
 */

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const U32_MAX = 0xffffffff;

export interface ZipDirectory {
  entries: number;
  /** the sum of the entries' declared uncompressed sizes */
  uncompressedBytes: number;
}

/** Given the bytes of a zip file, returns its entry count and declared unpacked size, or null when it has no readable directory. */
export function readZipDirectory(b: Buffer): ZipDirectory | null {
  const eocd = findEocd(b);
  if (eocd < 0) return null;
  let entries = b.readUInt16LE(eocd + 10);
  let dirSize = b.readUInt32LE(eocd + 12);
  let dirOffset = b.readUInt32LE(eocd + 16);
  if (entries === 0xffff || dirSize === U32_MAX || dirOffset === U32_MAX) {
    const loc = eocd - 20;
    if (loc < 0 || b.readUInt32LE(loc) !== ZIP64_LOCATOR) return null;
    const z64 = Number(b.readBigUInt64LE(loc + 8));
    if (z64 < 0 || z64 + 56 > b.length || b.readUInt32LE(z64) !== ZIP64_EOCD) return null;
    entries = Number(b.readBigUInt64LE(z64 + 32));
    dirSize = Number(b.readBigUInt64LE(z64 + 40));
    dirOffset = Number(b.readBigUInt64LE(z64 + 48));
  }
  if (dirOffset + dirSize > b.length) return null;
  let at = dirOffset;
  let total = 0;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > b.length || b.readUInt32LE(at) !== CENTRAL_HEADER) return null;
    let size = b.readUInt32LE(at + 24);
    const nameLen = b.readUInt16LE(at + 28);
    const extraLen = b.readUInt16LE(at + 30);
    const commentLen = b.readUInt16LE(at + 32);
    if (size === U32_MAX) {
      // ZIP64 extended information (0x0001): the uncompressed size is its first field
      const extra = b.subarray(at + 46 + nameLen, at + 46 + nameLen + extraLen);
      size = Number.MAX_SAFE_INTEGER;
      for (let p = 0; p + 4 <= extra.length; ) {
        const id = extra.readUInt16LE(p);
        const len = extra.readUInt16LE(p + 2);
        if (id === 0x0001 && len >= 8 && p + 12 <= extra.length) {
          size = Number(extra.readBigUInt64LE(p + 4));
          break;
        }
        p += 4 + len;
      }
    }
    total += size;
    at += 46 + nameLen + extraLen + commentLen;
  }
  return { entries, uncompressedBytes: total };
}

/** Given a zip's bytes, returns the offset of its end-of-central-directory record (searched from the end, past a comment), or -1. */
function findEocd(b: Buffer): number {
  const stop = Math.max(0, b.length - 22 - 0xffff);
  for (let i = b.length - 22; i >= stop; i--) {
    if (b.readUInt32LE(i) === EOCD && i + 22 + b.readUInt16LE(i + 20) <= b.length) return i;
  }
  return -1;
}

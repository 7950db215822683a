/**
 * Reading JSONL the way operators' files come: a UTF-8 byte-order mark on the first line is
 * dropped, and a numeric id is kept as the digits written (ids of other platforms exceed 2^53, which
 * JSON.parse would round), so it can be written back exactly as it came.
 */
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export interface JsonlLine {
  lineNo: number;
  text: string;
}

/** Given a stream, yields its non-blank lines with their numbers (BOM removed from the first). */
export async function* jsonlLines(input: Readable): AsyncGenerator<JsonlLine> {
  let lineNo = 0;
  for await (const raw of readline.createInterface({ input, crlfDelay: Infinity })) {
    lineNo++;
    const text = lineNo === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (text.trim()) yield { lineNo, text };
  }
}

const NUMERIC_ID = /^\s*\{\s*"id"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*[,}]/;
const ANY_NUMERIC_ID = /[{,]\s*"id"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*[,}]/;

/**
 * Given a line and its parsed id, returns the id as JSON text exactly as written: a number keeps its
 * digits, a string is re-quoted, anything else is null.
 */
export function idJson(line: string, parsed: unknown): string | null {
  if (typeof parsed === 'string') return JSON.stringify(parsed);
  if (typeof parsed !== 'number') return null;
  const m = NUMERIC_ID.exec(line) ?? ANY_NUMERIC_ID.exec(line);
  return m ? m[1]! : JSON.stringify(parsed);
}

/** A closed pipe (`… | head`) ends the command quietly instead of with a stack trace. */
export function quietOnClosedPipe(out: Writable & { on?: Writable['on'] }): void {
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

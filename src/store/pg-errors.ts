/**
 * Recognising PostgreSQL errors by SQLSTATE, the same on pg and PGlite.
 */
/** Given an error, returns the SQLSTATE it (or a cause drizzle wrapped it in) carries. */
export function sqlState(err: unknown): string | undefined {
  let e: unknown = err;
  // drizzle wraps driver errors; the SQLSTATE sits on the cause
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Given an error, returns whether it is a unique-constraint violation (23505). */
export const isUniqueViolation = (err: unknown) => sqlState(err) === '23505';

/** Given an error, returns whether the database is unreachable or shutting down (retry later). */
export function isDbUnavailable(err: unknown): boolean {
  const state = sqlState(err);
  if (state && (state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03' || state === '53300')) return true;
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    const msg = String((e as { message?: unknown }).message ?? '');
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE') return true;
    if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(msg)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Given an error, returns whether it is a serialization failure or deadlock worth one retry. */
export const isRetryableConflict = (err: unknown) => ['40001', '40P01'].includes(sqlState(err) ?? '');

/**
 * Given an error, returns whether a query ran out of time: the pool's query_timeout ("Query read
 * timeout") or the server's statement_timeout (57014). Nothing was written; the server is busy.
 */
export function isQueryTimeout(err: unknown): boolean {
  if (sqlState(err) === '57014') return true;
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    if (/Query read timeout/.test(String((e as { message?: unknown }).message ?? ''))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

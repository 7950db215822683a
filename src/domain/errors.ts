/**
 * Typed errors with stable machine codes. The HTTP status is chosen once, in src/http/error-handler.ts,
 * and the zh-CN text comes from src/i18n/zh-CN.ts by code.
 */
export type ErrorCode =
  | 'TRY_AGAIN'
  | 'CASE_ALREADY_OWNED'
  | 'SUPERVISION_NOT_OPEN'
  | 'VALIDATION_FAILED'
  | 'BAD_JSON'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'ATTACHMENT_TYPE_REJECTED'
  | 'ATTACHMENT_TOO_LARGE'
  | 'ID_NUMBER_INVALID'
  | 'PHONE_INVALID'
  | 'AUTH_REQUIRED'
  | 'AUTH_FAILED'
  | 'SESSION_INVALID'
  | 'FORBIDDEN'
  | 'ROLE_NOT_ALLOWED'
  | 'NOT_FOUND'
  | 'CASE_NOT_FOUND'
  | 'QUERY_CODE_MISMATCH'
  | 'CASE_ILLEGAL_TRANSITION'
  | 'CASE_CONCURRENT_UPDATE'
  | 'DEADLINE_WINDOW_CLOSED'
  | 'DEADLINE_EXTENSION_USED'
  | 'DEADLINE_EXTENSION_TOO_LONG'
  | 'DEADLINE_UNKNOWN_RULES'
  | 'DEADLINE_UNKNOWN_STEP'
  | 'UNIT_NOT_FOUND'
  | 'UNIT_INVALID_PARENT'
  | 'UNIT_HAS_ACTIVE_CHILDREN'
  | 'UNIT_HAS_OPEN_CASES'
  | 'USER_NOT_FOUND'
  | 'USER_EXISTS'
  | 'CATEGORY_NOT_FOUND'
  | 'CATEGORY_INVALID'
  | 'NOTIFICATION_NOT_FOUND'
  | 'NOTIFICATION_CHANNEL_NOT_FOUND'
  | 'NOTIFICATION_TARGET_INVALID'
  | 'SPOT_CHECK_NOT_FOUND'
  | 'SPOT_CHECK_ALREADY_JUDGED'
  | 'SPOT_CHECK_VISIT_REQUIRED'
  | 'LEDGER_CASE_NOT_LISTED'
  | 'HOT_ISSUE_NOT_FOUND'
  | 'MONTHLY_TOPIC_EXISTS'
  | 'MONTHLY_TOPIC_NOT_FOUND'
  | 'COCKPIT_UNIT_NOT_FOUND'
  | 'COCKPIT_BAD_PERIOD'
  | 'COCKPIT_BAD_WEIGHTS'
  | 'LEXICON_WORD_NOT_FOUND'
  | 'RECEPTION_SLOT_NOT_FOUND'
  | 'RECEPTION_SLOT_CLOSED'
  | 'RECEPTION_SLOT_FULL'
  | 'RECEPTION_SLOT_HAS_BOOKINGS'
  | 'RECEPTION_LEADER_BUSY'
  | 'RECEPTION_ALREADY_BOOKED'
  | 'RECEPTION_BOOKING_NOT_FOUND'
  | 'RECEPTION_BOOKING_STATE'
  | 'PETITIONER_REQUIRED'
  | 'REPRESENTATIVES_TOO_MANY'
  | 'ACCUSATION_CONFLICT'
  | 'IDEMPOTENCY_CONFLICT'
  | 'IMPORT_INVALID'
  | 'ORG_SHAPES_INVALID'
  | 'WARNING_NOT_FOUND'
  | 'WARNING_ILLEGAL_TRANSITION'
  | 'CATEGORY_QUESTION_NOT_FOUND'
  | 'CATEGORY_QUESTION_INVALID'
  | 'CATEGORY_QUESTION_CODE_TAKEN'
  | 'CATEGORY_QUESTION_OPTION_IN_USE'
  | 'RATE_LIMITED'
  | 'DB_UNAVAILABLE'
  | 'INTERNAL';

/** A rule of the domain or the service was broken; `details` carries machine-readable context. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly details: Record<string, unknown> = {},
    message?: string,
  ) {
    super(message ?? code);
    this.name = 'AppError';
  }
}

/** Given a code and details, returns an AppError; a shorthand used throughout the domain. */
export const fail = (code: ErrorCode, details: Record<string, unknown> = {}): never => {
  throw new AppError(code, details);
};

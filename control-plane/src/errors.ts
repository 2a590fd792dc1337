/**
 * Every error the API answers with: a stable code clients can key on, an HTTP status, a
 * human message, and optional field-level details. One handler (error-handler.ts) maps
 * everything else onto these.
 */
export const API_ERRORS = {
  CUTLINE_VALIDATION_FAILED: 400,
  CUTLINE_IDEMPOTENCY_MISMATCH: 422,
  CUTLINE_MALFORMED_JSON: 400,
  CUTLINE_UNAUTHENTICATED: 401,
  CUTLINE_INVALID_CREDENTIALS: 401,
  CUTLINE_TOKEN_EXPIRED: 401,
  CUTLINE_TOKEN_REUSED: 401,
  CUTLINE_LINK_INVALID: 400,
  CUTLINE_LINK_EXPIRED: 410,
  CUTLINE_LINK_USED: 410,
  CUTLINE_EMAIL_UNVERIFIED: 403,
  CUTLINE_ALREADY_MEMBER: 409,
  CUTLINE_INVITATION_EMAIL_MISMATCH: 403,
  CUTLINE_FORBIDDEN: 403,
  CUTLINE_NOT_FOUND: 404,
  CUTLINE_METHOD_NOT_ALLOWED: 405,
  CUTLINE_REQUEST_TIMEOUT: 408,
  CUTLINE_CONFLICT: 409,
  CUTLINE_EMAIL_TAKEN: 409,
  CUTLINE_LAST_OWNER: 409,
  CUTLINE_ASSET_NOT_READY: 409,
  CUTLINE_UPLOAD_INCOMPLETE: 409,
  CUTLINE_NOT_CANCELABLE: 409,
  CUTLINE_NOT_RETRYABLE: 409,
  CUTLINE_QUOTA_EXCEEDED: 402,
  CUTLINE_PLAN_LIMIT: 403,
  CUTLINE_SUSPENDED: 403,
  // Media and script problems found by probing or by the render engine's own checks.
  CUTLINE_INPUT_EMPTY: 422,
  CUTLINE_INPUT_NOT_VIDEO: 422,
  CUTLINE_INPUT_FORMAT_NOT_ALLOWED: 422,
  CUTLINE_INPUT_NO_VIDEO_STREAM: 422,
  CUTLINE_INPUT_CORRUPT: 422,
  CUTLINE_INPUT_DIMENSIONS: 422,
  CUTLINE_INPUT_DURATION: 422,
  CUTLINE_INPUT_TOO_LARGE: 413,
  CUTLINE_IMAGE_NOT_IMAGE: 422,
  CUTLINE_IMAGE_FORMAT_NOT_ALLOWED: 422,
  CUTLINE_IMAGE_TOO_LARGE: 413,
  CUTLINE_IMAGE_TOO_MANY_FRAMES: 422,
  CUTLINE_IMAGE_CORRUPT: 422,
  CUTLINE_LOGO_INVALID: 422,
  CUTLINE_MUSIC_INVALID: 422,
  CUTLINE_SCRIPT_EMPTY: 422,
  CUTLINE_SCRIPT_TOO_LONG: 422,
  CUTLINE_SCRIPT_CONTROL_CHARS: 422,
  CUTLINE_VOICE_UNKNOWN: 422,
  CUTLINE_VOICE_LANGUAGE_MISMATCH: 422,
  CUTLINE_BODY_TOO_LARGE: 413,
  CUTLINE_UNSUPPORTED_MEDIA_TYPE: 415,
  CUTLINE_RATE_LIMITED: 429,
  // Billing.
  CUTLINE_BILLING_DISABLED: 409,
  CUTLINE_NO_BILLING_ACCOUNT: 409,
  CUTLINE_ALREADY_SUBSCRIBED: 409,
  CUTLINE_WEBHOOK_SIGNATURE_INVALID: 400,
  CUTLINE_BILLING_UNAVAILABLE: 502,
  CUTLINE_INTERNAL: 500,
  CUTLINE_UNAVAILABLE: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export interface FieldIssue {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly statusCode: number;
  readonly details: FieldIssue[] | undefined;

  constructor(code: ApiErrorCode, message: string, details?: FieldIssue[]) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.statusCode = API_ERRORS[code];
    this.details = details;
  }
}

export function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(API_ERRORS, code);
}

/** Resources of another organization answer exactly like missing ones: 404, never 403. */
export function notFound(what: string): ApiError {
  return new ApiError('CUTLINE_NOT_FOUND', `${what} not found.`);
}

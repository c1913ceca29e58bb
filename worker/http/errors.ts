import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Every error keel's API returns, and the one HTTP status each maps to. */
export const ErrorStatus = {
  bad_request: 400,
  invalid_spec: 422,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upgrade_required: 426,
  step_failed: 502,
  relay_unavailable: 503,
  relay_timeout: 504,
  internal: 500,
} as const satisfies Record<string, ContentfulStatusCode>;
export type ErrorCode = keyof typeof ErrorStatus;

export interface ErrorDetail {
  path: string;
  message: string;
}

/** Thrown by services and routes; the app's onError turns it into `{error:{code,message,details?}}`. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = "ApiError";
  }
  get status(): ContentfulStatusCode {
    return ErrorStatus[this.code];
  }
}

import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorCode } from "../../schema/errors";

/**
 * The one place an error code becomes an HTTP status. Keyed by every
 * ErrorCode, so a code added to schema/errors.ts does not compile until it
 * has a status here.
 */
export const ERROR_STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  validation_failed: 400,
  invalid_spec: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upgrade_required: 426,
  rate_limited: 429,
  // The deployment lacks what the feature needs (a secret): the service is unavailable, not the request wrong.
  not_configured: 503,
  // The request was well formed; the spec cannot be planned as it stands.
  plan_refused: 422,
  // Something past the API (the relay, a host) failed the request: a gateway error.
  step_failed: 502,
  relay_unavailable: 503,
  relay_timeout: 504,
  connect_failed: 502,
  host_key_mismatch: 502,
  policy_denied: 502,
  command_failed: 502,
  timeout: 504,
  cancelled: 502,
  invalid_step: 502,
  invalid_frame: 400,
  frame_too_large: 413,
  protocol_mismatch: 400,
  internal: 500,
};

import { z } from "zod";

/**
 * keel's one error vocabulary. Services, planners, Durable Object results,
 * relay step failures and the relay protocol's `error` frames all speak these
 * codes; the HTTP status for each is chosen once, at the edge
 * (worker/http/errors.ts). Codes are stable API: clients switch on them.
 */
export const ERROR_CODES = [
  // request and state errors (the API answers them)
  "bad_request",
  "validation_failed",
  "invalid_spec",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "unsupported_media_type",
  "upgrade_required",
  "rate_limited",
  // a feature needs a secret or binding the deployment has not set
  "not_configured",
  // a run or a relay could not do what was asked
  "plan_refused",
  "step_failed",
  "relay_unavailable",
  "relay_timeout",
  // step failures the relay reports (StepResult.error.code)
  "connect_failed",
  "host_key_mismatch",
  "policy_denied",
  "command_failed",
  "timeout",
  "cancelled",
  "invalid_step",
  // protocol frames the other side could not take
  "invalid_frame",
  "frame_too_large",
  "protocol_mismatch",
  "internal",
] as const;
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The codes a relay puts in StepResult.error.code. */
export const STEP_ERROR_CODES = ["connect_failed", "host_key_mismatch", "policy_denied", "command_failed", "timeout", "cancelled", "invalid_step", "internal"] as const satisfies readonly ErrorCode[];
export const StepErrorCode = z.enum(STEP_ERROR_CODES);
export type StepErrorCode = z.infer<typeof StepErrorCode>;

/** Step failures where nothing reached the host (so a retry cannot repeat anything). */
export const NOTHING_RAN: ReadonlySet<StepErrorCode> = new Set(["connect_failed", "host_key_mismatch", "policy_denied", "invalid_step"]);

/**
 * The codes of the relay protocol's `error` frame: a frame that does not parse
 * (invalid_frame, frame_too_large), a relay speaking another version, a frame
 * out of order (bad_request: step.run before hello, a second hello), a relay
 * acting outside its site (forbidden), a step the run no longer expects (conflict).
 */
export const PROTOCOL_ERROR_CODES = [
  "invalid_frame",
  "frame_too_large",
  "protocol_mismatch",
  "invalid_step",
  "bad_request",
  "forbidden",
  "conflict",
  "internal",
] as const satisfies readonly ErrorCode[];
export const ProtocolErrorCode = z.enum(PROTOCOL_ERROR_CODES);
export type ProtocolErrorCode = z.infer<typeof ProtocolErrorCode>;

export const ErrorDetail = z.object({ path: z.string(), message: z.string() });
export type ErrorDetail = z.infer<typeof ErrorDetail>;

/** The one error body, on HTTP and in Durable Object results. */
export const ErrorBody = z.object({ code: ErrorCode, message: z.string(), details: z.array(ErrorDetail).optional() });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** A result that is either a value or one ErrorBody: what DO RPCs and planners return instead of ad-hoc unions. */
export type Result<T, E = ErrorBody> = ({ ok: true } & T) | { ok: false; error: E };

/**
 * The transport-free error: thrown by services, the engine and anything that
 * is not an HTTP handler. The edge maps `code` to a status; nothing else does.
 */
export class KeelError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = "KeelError";
  }

  get body(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }

  static from(body: ErrorBody): KeelError {
    return new KeelError(body.code, body.message, body.details);
  }
}

export function fail(code: ErrorCode, message: string, details?: ErrorDetail[]): { ok: false; error: ErrorBody } {
  return { ok: false, error: { code, message, ...(details ? { details } : {}) } };
}

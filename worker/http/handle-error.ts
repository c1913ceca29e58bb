import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { KeelError } from "../../schema/errors";
import { ApiError, ErrorStatus, type ErrorCode } from "./errors";
import { errorResponse } from "./error-response";
import { zodDetails } from "./validate";

/** Maps anything a route throws to the one error body; never leaks internals. */
export const handleError: ErrorHandler = (err, c) => errorResponse(c, toApiError(err, c));

export const handleNotFound: NotFoundHandler = (c) =>
  errorResponse(c, new ApiError("not_found", `no route for ${c.req.method} ${c.req.path}`));

export function toApiError(err: unknown, c: Context): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof KeelError) return new ApiError(err.code in ErrorStatus ? (err.code as ErrorCode) : "internal", err.message, err.details);
  if (err instanceof z.ZodError) return new ApiError("validation_failed", "invalid request", zodDetails(err));
  // Hono's own (e.g. a malformed request it rejects): keep its status class, not its text.
  if (err instanceof HTTPException && err.status < 500) return new ApiError("bad_request", "bad request");
  console.error(`internal error on ${c.req.method} ${c.req.path}:`, err);
  return new ApiError("internal", "internal error");
}

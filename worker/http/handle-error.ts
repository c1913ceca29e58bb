import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { KeelError } from "../../schema/errors";
import { errorResponse } from "./error-response";
import { zodDetails } from "./validate";

/** Maps anything a route throws to the one error body; never leaks internals. */
export const handleError: ErrorHandler = (err, c) => errorResponse(c, toKeelError(err, c));

export const handleNotFound: NotFoundHandler = (c) => errorResponse(c, new KeelError("not_found", `no route for ${c.req.method} ${c.req.path}`));

/** KeelError passes through; a stray ZodError is a request that failed validation; anything else is internal. */
export function toKeelError(err: unknown, c: Context): KeelError {
  if (err instanceof KeelError) return err;
  if (err instanceof z.ZodError) return new KeelError("validation_failed", "invalid request", zodDetails(err));
  // Hono's own (e.g. a malformed request it rejects): keep its status class, not its text.
  if (err instanceof HTTPException && err.status < 500) return new KeelError("bad_request", "bad request");
  console.error(`internal error on ${c.req.method} ${c.req.path}:`, err);
  return new KeelError("internal", "internal error");
}

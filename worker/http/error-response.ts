import type { Context } from "hono";
import { ApiError } from "./errors";

/** The one error body: `{error:{code,message,details?}}`. */
export function errorResponse(c: Context, err: ApiError, headers?: Record<string, string>): Response {
  const body = { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
  return c.json(body, err.status, headers);
}

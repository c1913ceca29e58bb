import type { Context } from "hono";
import type { KeelError } from "../../schema/errors";
import { ERROR_STATUS } from "./errors";

/** The one error body, `{error:{code,message,details?}}`, with the status its code maps to. */
export function errorResponse(c: Context, err: KeelError, headers?: Record<string, string>): Response {
  return c.json({ error: err.body }, ERROR_STATUS[err.code], headers);
}

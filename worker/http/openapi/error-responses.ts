import type { ErrorCode } from "../../../schema/errors";
import { ERROR_STATUS } from "../errors";
import type { JsonSchema, ResponseObject } from "./document-types";
import type { RouteDoc } from "./route-doc";

/** The codes a route can answer with: the ones its kind implies, and its own. */
export function routeErrorCodes(route: RouteDoc): ErrorCode[] {
  const codes = new Set<ErrorCode>(route.errors ?? []);
  if (route.access !== "public") codes.add("unauthorized");
  if (route.access === "viewer" || route.access === "operator" || route.access === "admin") codes.add("forbidden");
  // limitClient guards every /v1 route by client address; requireRole also limits each token.
  if (route.path.startsWith("/v1/") || route.access === "viewer" || route.access === "operator" || route.access === "admin") codes.add("rate_limited");
  if (route.params !== undefined || route.query !== undefined || route.headers !== undefined) codes.add("validation_failed");
  if (route.body !== undefined) for (const code of ["bad_request", "unsupported_media_type", "payload_too_large", "validation_failed"] as const) codes.add(code);
  // checkEnv and handleError can answer internal on any route.
  codes.add("internal");
  return [...codes];
}

/**
 * `{ "<status>": response }` for the codes, grouped by the status ERROR_STATUS
 * gives each. Each is the one error body (`errorBody`, a $ref to
 * ErrorResponse) with `code` narrowed to what this status carries on this route.
 */
export function errorResponses(codes: readonly ErrorCode[], errorBody: JsonSchema): Record<string, ResponseObject> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  const responses: Record<string, ResponseObject> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    const sorted = [...group].sort();
    const narrowed = { type: "object", properties: { error: { type: "object", properties: { code: { enum: sorted } } } } };
    responses[String(status)] = {
      description: `error: ${sorted.join(", ")}`,
      "x-keel-error-codes": sorted,
      content: { "application/json": { schema: { allOf: [errorBody, narrowed] } } },
    };
  }
  return responses;
}

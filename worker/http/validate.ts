import { z } from "zod";
import { formatPath } from "../../schema/cluster-issues";
import { KeelError, type ErrorDetail } from "../../schema/errors";

/** One detail per issue, the path written the way users write it: `spec.hosts[3].ssh.address`. */
export function zodDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/**
 * Parses request data (body, query, params) or throws validation_failed naming
 * every bad field; `where` ("query", "body"…) goes into the message.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // A bare value (a path param) has no field path of its own: name it by `where`.
  const details = zodDetails(result.error).map((d) => (d.path === "(root)" ? { ...d, path: where } : d));
  const fields = details.map((d) => d.path).join(", ");
  throw new KeelError("validation_failed", `invalid ${where}: ${fields}`, details);
}

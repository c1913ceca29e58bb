import type { z } from "zod";

/** One problem with a spec, named by its field: `spec.hosts[3].files[0].perm`. */
export interface SpecIssue {
  path: string;
  message: string;
}

// Enough to fix a file in one go; past this the input is not a k0sctl.yaml at all.
const MAX_ISSUES = 100;

/** `["spec", "hosts", 3, "ssh"]` → `spec.hosts[3].ssh`; the root is "(root)". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (typeof part === "string" && /^[A-Za-z_][A-Za-z0-9_+-]*$/.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out === "" ? "(root)" : out;
}

export function issuesFromZod(error: z.ZodError): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      // One issue per key, named by the key, like k0sctl's "field x not found".
      for (const key of issue.keys) issues.push({ path: formatPath([...issue.path, key]), message: "unknown field" });
    } else if (issue.code === "invalid_key") {
      // zod keeps the reason a record key failed one level down.
      const reason = issue.issues[0]?.message ?? issue.message;
      issues.push({ path: formatPath(issue.path), message: `invalid key: ${reason}` });
    } else {
      issues.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return issues.slice(0, MAX_ISSUES);
}

/** Parse-time message override: a missing field says so instead of "expected string, received undefined". */
export function requiredFieldMessage(issue: { code?: string; input?: unknown }): string | undefined {
  const missing = issue.input === undefined && (issue.code === "invalid_type" || issue.code === "invalid_value");
  return missing ? "is required" : undefined;
}

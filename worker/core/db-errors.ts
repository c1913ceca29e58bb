/**
 * D1 reports constraint violations only through the error message, e.g.
 * "UNIQUE constraint failed: audit_log.seq" — SQLite names the columns, which
 * lets callers tell which constraint a concurrent writer hit. drizzle wraps
 * D1's error in one whose message quotes the query parameters (user data),
 * so the innermost cause is read first.
 */
export function uniqueViolation(err: unknown): string | null {
  const chain: Error[] = [];
  for (let e: unknown = err; e instanceof Error && chain.length < 5; e = e.cause) chain.push(e);
  for (const e of chain.reverse()) {
    const match = /UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)/.exec(e.message);
    if (match?.[1]) return match[1];
  }
  return null;
}

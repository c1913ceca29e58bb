/**
 * JSON with object keys sorted at every level and no whitespace, so that two
 * equal values always give the same text: the audit chain hashes it, and
 * cluster updates compare specs with it. Follows JSON.stringify otherwise
 * (undefined properties are dropped, undefined in arrays becomes null).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? "null";
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const source = value as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) sorted[key] = sortKeys(source[key]);
    return sorted;
  }
  return value;
}

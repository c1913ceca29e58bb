import { parseAllDocuments, type YAMLError } from "yaml";

// YAML as k0s reads it (go-yaml through sigs.k8s.io/yaml), parsed by the
// `yaml` package: anchors and aliases resolve as in k0s, and what go-yaml
// refuses is refused with go-yaml's wording ("yaml: line N: …"), which is
// what tests and users see from the real k0s. A document that is JSON is
// parsed as JSON.

export class YamlError extends Error {}

/** go-yaml's words for the `yaml` package's error codes. */
function goYamlMessage(err: YAMLError, text: string): string {
  const line = err.linePos?.[0]?.line ?? 1;
  const at = (message: string): string => `yaml: line ${line}: ${message}`;
  switch (err.code) {
    case "TAB_AS_INDENT":
      return at("found character that cannot start any token");
    case "BAD_INDENT":
    case "BLOCK_AS_IMPLICIT_KEY":
    case "MULTILINE_IMPLICIT_KEY":
      return at("mapping values are not allowed in this context");
    case "DUPLICATE_KEY": {
      const key = /^\s*(?:-\s+)?([^:]+?)\s*:/.exec(text.split("\n")[line - 1] ?? "")?.[1] ?? "";
      return at(`mapping key "${key.replace(/^["']|["']$/g, "")}" already defined`);
    }
    case "MISSING_CHAR":
    case "UNEXPECTED_TOKEN":
      return at("did not find expected node content");
    default:
      return at(err.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "") ?? "cannot parse");
  }
}

/** Every non-empty document of `text`. Throws YamlError with go-yaml's wording. */
export function parseYamlDocs(text: string): unknown[] {
  if (/^\s*[[{]/.test(text)) {
    try {
      return [JSON.parse(text)];
    } catch {
      // YAML flow style after all
    }
  }
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  const values: unknown[] = [];
  for (const doc of Array.from(docs)) {
    const error = doc.errors[0];
    if (error) throw new YamlError(goYamlMessage(error, text));
    const unknownTag = doc.warnings.find((w) => w.code === "TAG_RESOLVE_FAILED");
    if (unknownTag) throw new YamlError(goYamlMessage(unknownTag, text));
    let value: unknown;
    try {
      // A bound on aliases, as go-yaml has, against alias bombs.
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const anchor = /Unresolved alias[^:]*: (.+)$/.exec(message)?.[1];
      throw new YamlError(anchor ? `yaml: unknown anchor '${anchor}' referenced` : `yaml: ${message}`);
    }
    // An empty document (nothing, or only comments) is skipped, as by kubectl and k0s.
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

export const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Go's name for a decoded value's type, as its unmarshal errors say it. */
export const goType = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v);

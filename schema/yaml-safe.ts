import { CST, Lexer, parseAllDocuments, type Tags } from "yaml";

/**
 * YAML text → plain values, for text that may be hostile (an API body, a file
 * from anyone). Everything that could make the parser slow, deep or huge is
 * refused before or while parsing, and every failure is a message, never a
 * throw: a bad spec must not crash the worker or hang the CLI.
 */

export const MAX_DEPTH = 64;
// A 1 MiB k0sctl.yaml of plain keys and values lexes to roughly 300k tokens.
// Past that the input is either generated garbage or an attack on the parser,
// whose cost grows with tokens (and with errors, one per token in the worst case).
const MAX_TOKENS = 400_000;
// Expanded values (aliases counted each time they are used) that the schema will walk.
const MAX_VALUES = 1_000_000;

export type YamlDocuments = { ok: true; docs: unknown[]; warnings: string[] } | { ok: false; errors: string[] };

/** Refuses binary input: control characters other than tab, LF and CR (YAML forbids them too). */
export function findBinary(text: string): string | null {
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  const m = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]/.exec(text);
  if (!m) return null;
  const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
  const before = text.slice(0, m.index);
  const line = before.split("\n").length;
  const col = m.index - before.lastIndexOf("\n");
  return `input is not text: control character U+${code} at line ${line}, column ${col}`;
}

/**
 * Block nesting by indentation: each line more indented than the open levels
 * opens one more. The parser recurses per level and overflows the stack near
 * a thousand, so deep input is refused before it gets there.
 */
function deepIndentLine(text: string): number | null {
  const open: number[] = [];
  let lineNo = 0;
  for (const line of text.split("\n")) {
    lineNo++;
    const content = line.trimStart();
    if (content === "" || content.startsWith("#")) continue;
    const indent = line.length - content.length;
    while (open.length > 0 && (open[open.length - 1] ?? 0) >= indent) open.pop();
    open.push(indent);
    if (open.length > MAX_DEPTH) return lineNo;
  }
  return null;
}

/** Cheap passes over the text and the lexer's tokens: refuses inputs too large or too deeply nested to parse safely. */
function prescan(text: string): string | null {
  const deepLine = deepIndentLine(text);
  if (deepLine !== null) return `input nests deeper than ${MAX_DEPTH} levels (line ${deepLine})`;
  let tokens = 0;
  let flowDepth = 0;
  let line = 1;
  let dashesOnLine = 0;
  let blockKeysOnLine = 0;
  for (const token of new Lexer().lex(text)) {
    if (++tokens > MAX_TOKENS) return `input has more than ${MAX_TOKENS} YAML tokens`;
    switch (CST.tokenType(token)) {
      case "flow-map-start":
      case "flow-seq-start":
        if (++flowDepth > MAX_DEPTH) return `input nests deeper than ${MAX_DEPTH} levels (line ${line})`;
        break;
      case "flow-map-end":
      case "flow-seq-end":
        flowDepth = Math.max(0, flowDepth - 1);
        break;
      case "seq-item-ind":
        // "- - - - x" nests a sequence per dash on one line.
        if (++dashesOnLine > MAX_DEPTH) return `input nests deeper than ${MAX_DEPTH} levels (line ${line})`;
        break;
      case "map-value-ind":
        // Outside flow collections, "a: b: c: …" on one line is nesting (which YAML then refuses, one error per level).
        if (flowDepth === 0 && ++blockKeysOnLine > MAX_DEPTH) return `input nests deeper than ${MAX_DEPTH} levels (line ${line})`;
        break;
      case "newline":
        line++;
        dashesOnLine = 0;
        blockKeysOnLine = 0;
        break;
    }
  }
  return null;
}

// YAML 1.1 as k0sctl's Go decoder reads it (`perm: 0755` is octal, `yes` is
// true), minus the 1.1 types Go leaves as strings or that make no sense in a
// config file: timestamps, base-60 numbers, binary, sets and ordered maps.
function goLikeTags(tags: Tags): Tags {
  return tags.filter((tag) => {
    if (typeof tag !== "object") return true;
    if (tag.format === "TIME") return false;
    return !["tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary", "tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs", "tag:yaml.org,2002:set"].includes(tag.tag);
  });
}

/** Every document of `text` as plain values; null for empty documents. */
export function parseYamlDocuments(text: string): YamlDocuments {
  const refused = prescan(text);
  if (refused) return { ok: false, errors: [refused] };
  const docs: unknown[] = [];
  const warnings: string[] = [];
  const errors: string[] = [];
  try {
    const parsed = parseAllDocuments(text, { version: "1.1", customTags: goLikeTags, merge: true, uniqueKeys: true });
    // parseAllDocuments returns an EmptyStream (not an array) for empty input.
    if (!Array.isArray(parsed)) return { ok: true, docs, warnings };
    for (const doc of parsed) {
      for (const e of doc.errors.slice(0, 20)) errors.push(firstLine(e.message));
      for (const w of doc.warnings.slice(0, 20)) warnings.push(firstLine(w.message));
      if (doc.errors.length > 0) continue;
      docs.push(doc.toJS({ maxAliasCount: 100 }));
    }
  } catch (err) {
    // toJS throws ReferenceError on alias bombs; the parser on pathological input.
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, errors: [/alias/i.test(message) ? `refused: ${message} (too many aliases)` : `cannot parse YAML: ${message}`] };
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, docs, warnings };
}

export interface ShapeProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Checks a parsed value (from YAML or a JSON body) before the schema walks it:
 * bounded depth, bounded expanded size, and no `__proto__` keys, which would
 * reach an object's prototype when copied by assignment.
 */
export function checkValueShape(value: unknown): ShapeProblem | null {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  let visited = 0;
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === undefined) break;
    if (++visited > MAX_VALUES) return { path: [], message: `input expands to more than ${MAX_VALUES} values` };
    const current = item.value;
    if (typeof current !== "object" || current === null) continue;
    if (item.path.length >= MAX_DEPTH) return { path: item.path.slice(0, 8), message: `nests deeper than ${MAX_DEPTH} levels` };
    if (Array.isArray(current)) {
      current.forEach((v, i) => stack.push({ value: v, path: [...item.path, i] }));
      continue;
    }
    if (!isRecord(current)) continue;
    for (const [key, v] of Object.entries<unknown>(current)) {
      if (key === "__proto__") return { path: [...item.path, key], message: "is not an allowed key" };
      stack.push({ value: v, path: [...item.path, key] });
    }
  }
  return null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function firstLine(message: string): string {
  const line = message.split("\n")[0] ?? message;
  return line.replace(/:$/, "");
}

import { Composer, CST, isMap, Lexer, LineCounter, Parser, type Document, type Tags, type YAMLError } from "yaml";
import { MAX_DEPTH, toPlain, type Path } from "./yaml-plain";

/**
 * YAML text → plain values, for text that may be hostile (an API body, a file
 * from anyone). Everything that could make the parser slow, deep or huge is
 * refused before or while parsing, and every failure is a message, never a
 * throw: a bad spec must not crash the worker or hang the CLI.
 */

export { MAX_DEPTH };
// Parsing costs about 2.5-3.5 µs of CPU per token whatever the tokens are
// (measured on the yaml package in Node 20), so this caps a spec's parse near
// 0.6 s. A spec of 1,000 hosts with address, key, interface, environment and
// install flags is about 80k tokens; the seed examples are under 1,000.
export const MAX_TOKENS = 200_000;
const FLOW_COLLECTION_COST = 8;
// Values of a JSON body that the schema will walk (YAML is bounded by its expanded bytes instead).
const MAX_VALUES = 1_000_000;

/** `bytes`: what the documents expanded to, as counted against `maxBytes`. */
export type YamlDocuments = { ok: true; docs: unknown[]; warnings: string[]; bytes: number } | { ok: false; errors: string[] };

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

/**
 * Depth and size limits checked on each lexer token as it is produced, so a
 * hostile input is refused before the parser has spent time on it.
 */
class TokenGuard {
  private tokens = 0;
  private flowDepth = 0;
  private line = 1;
  private dashesOnLine = 0;
  private blockKeysOnLine = 0;

  /** A refusal for this token, or null. */
  check(token: string): string | null {
    if (++this.tokens > MAX_TOKENS) return `input has more than ${MAX_TOKENS} YAML tokens (words, punctuation and line breaks): split the cluster or simplify it`;
    const deeper = `input nests deeper than ${MAX_DEPTH} levels (line ${this.line})`;
    switch (CST.tokenType(token)) {
      case "flow-map-start":
      case "flow-seq-start":
        // Each flow collection costs the parser about as much as eight plain tokens ([{a: 1}, …] is its worst case).
        this.tokens += FLOW_COLLECTION_COST - 1;
        if (++this.flowDepth > MAX_DEPTH) return deeper;
        break;
      case "flow-map-end":
      case "flow-seq-end":
        this.flowDepth = Math.max(0, this.flowDepth - 1);
        break;
      case "seq-item-ind":
        // "- - - - x" nests a sequence per dash on one line.
        if (++this.dashesOnLine > MAX_DEPTH) return deeper;
        break;
      case "map-value-ind":
        // Outside flow collections, "a: b: c: …" on one line is nesting (which YAML then refuses, one error per level).
        if (this.flowDepth === 0 && ++this.blockKeysOnLine > MAX_DEPTH) return deeper;
        break;
      case "newline":
        this.line++;
        this.dashesOnLine = 0;
        this.blockKeysOnLine = 0;
        break;
    }
    return null;
  }
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

export interface ParseOptions {
  /** Bytes all documents together may expand to, aliases counted at every use (see yaml-plain.ts). */
  maxBytes: number;
  /** Scalars kept as written, per document: given the document's top-level apiVersion. */
  keepText?: (apiVersion: unknown) => ((path: Path) => boolean) | undefined;
}

/**
 * Every document of `text` as plain values; null for empty documents. The
 * text is lexed once: each token is checked (TokenGuard) on its way to the
 * parser, and the composed documents are expanded under one byte budget.
 */
export function parseYamlDocuments(text: string, options: ParseOptions): YamlDocuments {
  const deepLine = deepIndentLine(text);
  if (deepLine !== null) return { ok: false, errors: [`input nests deeper than ${MAX_DEPTH} levels (line ${deepLine})`] };
  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  const composer = new Composer({ version: "1.1", customTags: goLikeTags, merge: true, uniqueKeys: false });
  const guard = new TokenGuard();
  const parsed: Document.Parsed[] = [];
  try {
    lines.addNewLine(0);
    for (const lexeme of new Lexer().lex(text)) {
      const refused = guard.check(lexeme);
      if (refused) return { ok: false, errors: [refused] };
      for (const token of parser.next(lexeme)) parsed.push(...composer.next(token));
    }
    for (const token of parser.end()) parsed.push(...composer.next(token));
    parsed.push(...composer.end(false, text.length));
  } catch (err) {
    // The parser throws on pathological input it cannot represent.
    return { ok: false, errors: [`cannot parse YAML: ${err instanceof Error ? err.message : String(err)}`] };
  }

  const docs: unknown[] = [];
  const warnings: string[] = [];
  const errors: string[] = [];
  const position = (offset: number) => {
    const pos = lines.linePos(offset);
    return `line ${pos.line}, column ${pos.col}`;
  };
  const at = (e: YAMLError) => `${firstLine(e.message)} at ${position(e.pos[0])}`;
  let budget = options.maxBytes;
  for (const doc of parsed) {
    for (const e of doc.errors.slice(0, 20)) errors.push(at(e));
    for (const w of doc.warnings.slice(0, 20)) warnings.push(at(w));
    if (doc.errors.length > 0) continue;
    const apiVersion = isMap(doc.contents) ? doc.contents.get("apiVersion") : undefined;
    const plain = toPlain(doc, { maxBytes: budget, keepText: options.keepText?.(apiVersion), position });
    if (!plain.ok) return { ok: false, errors: [plain.message] };
    budget -= plain.bytes;
    docs.push(plain.value);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, docs, warnings, bytes: options.maxBytes - budget };
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

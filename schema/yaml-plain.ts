import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from "yaml";

/**
 * A parsed YAML document → plain values, bounded by the size it expands to.
 *
 * Aliases are expanded by walking their anchored node again, so every use is
 * counted in full against one budget: a small file that expands to a huge one
 * (alias amplification) is refused as soon as it passes the budget, however
 * few aliases it uses. The count is the bytes of every scalar (as text) plus
 * one per collection entry, which for a file without aliases never exceeds
 * its own length; so the budget only ever refuses amplification.
 */

export const MAX_DEPTH = 64;

export type Path = readonly (string | number)[];

export interface PlainOptions {
  /** Bytes the document may expand to, aliases counted at every use. */
  maxBytes: number;
  /**
   * Paths whose scalars are kept as written (`0755`, `1.10`, `yes`), the way
   * Go's yaml decoder fills a string field with the scalar's text.
   */
  keepText?: (path: Path) => boolean;
  /** "line 3, column 5" for an offset in the text, for messages. */
  position: (offset: number) => string;
}

export type PlainResult = { ok: true; value: unknown; bytes: number } | { ok: false; message: string };

class Refused extends Error {}

export function toPlain(doc: Document.Parsed, options: PlainOptions): PlainResult {
  const walker = new Walker(options);
  try {
    const value = walker.value(doc.contents, 0);
    return { ok: true, value, bytes: walker.bytes };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, message: err.message };
    throw err;
  }
}

class Walker {
  bytes = 0;
  // The path of the value being built; pushed and popped rather than copied, for speed.
  private readonly path: (string | number)[] = [];
  // Anchors in document order; an alias refers to the latest definition before it.
  private readonly anchors = new Map<string, Node>();
  // Inside an alias's expansion anchors are not (re)defined: they are not in document order there.
  private expanding = 0;

  constructor(private readonly options: PlainOptions) {}

  value(node: unknown, depth: number): unknown {
    if (depth > MAX_DEPTH) throw new Refused(`nests deeper than ${MAX_DEPTH} levels (through aliases)`);
    if (node === null || node === undefined) return this.spend(1, null);
    if (isAlias(node)) {
      const target = this.anchors.get(node.source);
      if (target === undefined) throw new Refused(`alias *${node.source} refers to no anchor before it`);
      this.expanding++;
      try {
        return this.value(target, depth);
      } finally {
        this.expanding--;
      }
    }
    if (this.expanding === 0 && typeof (node as { anchor?: unknown }).anchor === "string") {
      this.anchors.set((node as { anchor: string }).anchor, node as Node);
    }
    if (isScalar(node)) return this.scalar(node.value, node.source);
    if (isSeq(node)) {
      const out: unknown[] = [];
      node.items.forEach((item, i) => {
        this.spend(1, null);
        out.push(this.child(i, item, depth));
      });
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      // Checked here with a set: the parser's own uniqueKeys check is quadratic in the keys of a mapping.
      const explicit = new Set<string>();
      for (const pair of node.items) this.pair(out, explicit, pair, depth);
      return out;
    }
    throw new Refused(`unsupported YAML node at ${this.where()}`);
  }

  private child(key: string | number, node: unknown, depth: number): unknown {
    this.path.push(key);
    const value = this.value(node, depth + 1);
    this.path.pop();
    return value;
  }

  private where(): string {
    return this.path.join(".") || "the top";
  }

  private pair(out: Record<string, unknown>, explicit: Set<string>, pair: unknown, depth: number): void {
    if (!isPair(pair)) throw new Refused("unsupported YAML mapping entry");
    const key = pair.key;
    if (isScalar(key) && typeof key.value === "symbol") {
      this.merge(out, pair.value, depth);
      return;
    }
    if (key !== null && !isScalar(key)) throw new Refused(`a mapping key at ${this.where()} is not a plain value`);
    this.spend(1, null);
    const name = keyText(key?.value ?? null, key?.source);
    if (explicit.has(name)) {
      const at = key?.range ? ` at ${this.options.position(key.range[0])}` : "";
      throw new Refused(`Map keys must be unique: "${name}" appears twice${at}`);
    }
    explicit.add(name);
    this.spend(name.length, null);
    // defineProperty: a key named __proto__ must stay a key (checkValueShape then refuses it).
    Object.defineProperty(out, name, { value: this.child(name, pair.value, depth), enumerable: true, writable: true, configurable: true });
  }

  /** `<<: *base` or `<<: [*a, *b]`: keys already present (or from an earlier map) win. */
  private merge(out: Record<string, unknown>, source: unknown, depth: number): void {
    const resolved = isAlias(source) ? this.anchors.get(source.source) : source;
    const maps = isSeq(resolved) ? resolved.items : [source];
    for (const item of maps) {
      const value = this.value(item, depth);
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Refused(`a merge (<<) at ${this.where()} needs mappings`);
      for (const [k, v] of Object.entries(value)) {
        if (!Object.hasOwn(out, k)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
    }
  }

  private scalar(value: unknown, source: string | undefined): unknown {
    if (typeof value === "string") return this.spend(value.length, value);
    if (value === null) return this.spend(1, null);
    // Go fills a string field with the scalar as written: `0755` stays "0755", `yes` stays "yes".
    if (source !== undefined && this.options.keepText?.(this.path)) return this.spend(source.length, source);
    return this.spend(Math.max(1, source?.length ?? String(value).length), value);
  }

  private spend<T>(bytes: number, value: T): T {
    this.bytes += bytes;
    if (this.bytes > this.options.maxBytes) {
      throw new Refused(`expands to more than ${this.options.maxBytes} bytes (aliases count in full at every use)`);
    }
    return value;
  }
}

/** Go decodes mapping keys into strings as written: `n:` is "n", not YAML 1.1's false. */
function keyText(value: unknown, source: string | undefined): string {
  if (typeof value === "string") return value;
  if (value === null) return "";
  return source !== undefined && source !== "" ? source : String(value);
}

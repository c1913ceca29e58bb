/**
 * Variable substitution on k0sctl.yaml text before it is parsed, exactly as
 * k0sctl does it: k0sctl runs github.com/a8m/envsubst v1.4.3 (`envsubst.Bytes`,
 * no restrictions) over each file. This is a line-for-line port of that
 * library's lexer (parse/lex.go), parser (parse/parse.go) and evaluation
 * (parse/node.go), quirks included, so a file gives the same text here as
 * under k0sctl:
 *
 * - `$VAR`, `${VAR}`: names are letters, digits and `_` (so `$1` is a
 *   variable too); unset variables become empty; `$_` and `${_}` stay as written.
 * - `${VAR:-x}`/`${VAR:=x}` use x when VAR is unset or empty; `${VAR-x}`/`${VAR=x}`
 *   only when unset (nothing is assigned); `${VAR+x}` and `${VAR:+x}` both give x
 *   when VAR is set, even to "".
 * - The default is plain text or one `$NAME`; `${…}` does not nest (a default
 *   `${B}` comes out as a literal "}" after an empty value, as in k0sctl).
 * - Anything else after the name (`${VAR?x}`, `${VAR:1}`) is ignored.
 * - `$$` is a literal `$`; a `$` before anything else stays as it is.
 * - A `${` without its `}` on the same line is an error.
 *
 * One deliberate difference: `${relay:NAME}` (NAME as relay-secret-ref.ts
 * has it) stays as written: a secret the relay fills in (ADR 0013). Under
 * k0sctl it would be the variable `relay`, ":NAME" ignored; `${relay:-x}`,
 * `${relay:+x}` and `${relay:=x}` keep k0sctl's meaning.
 *
 * The port is linear in the input: no recursion, one pass.
 */

import { relaySecretRefAt } from "./relay-secret-ref";

export type EnvsubstResult = { ok: true; text: string } | { ok: false; message: string };
export type Env = Record<string, string | undefined>;

// parse/lex.go's itemType values; the evaluation compares them by order.
const enum Item {
  Error = 1,
  EOF,
  Text,
  Plus,
  Dash,
  Equals,
  ColonEquals,
  ColonDash,
  ColonPlus,
  Variable,
  LeftDelim,
  RightDelim,
}

interface Token {
  type: Item;
  pos: number;
  val: string;
}

const EOF = -1;
// Go's unicode.IsLetter / unicode.IsDigit, plus '_'.
const ALNUM = /^[\p{L}\p{Nd}_]$/u;
const CLOSING_BRACE = "closing brace expected";

function isAlphaNumeric(r: number): boolean {
  return r !== EOF && ALNUM.test(String.fromCodePoint(r));
}

function isEndOfLine(r: number): boolean {
  return r === 0x0d || r === 0x0a;
}

type StateFn = ((l: Lexer) => StateFn) | null;

class Lexer {
  pos = 0;
  start = 0;
  width = 0;
  lastPos = 0;
  subsDepth = 0;
  readonly items: Token[] = [];

  constructor(readonly input: string) {
    let state: StateFn = lexText;
    while (state !== null) state = state(this);
  }

  next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos) ?? EOF;
    this.width = r > 0xffff ? 2 : 1;
    this.pos += this.width;
    return r;
  }

  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  backup(): void {
    this.pos -= this.width;
  }

  emit(type: Item): void {
    this.items.push({ type, pos: this.start, val: this.input.slice(this.start, this.pos) });
    this.lastPos = this.start;
    this.start = this.pos;
  }

  ignore(): void {
    this.start = this.pos;
  }

  error(message: string): StateFn {
    this.items.push({ type: Item.Error, pos: this.start, val: message });
    return null;
  }

  afterLeftDelim(): boolean {
    return this.input.startsWith("${", this.lastPos);
  }
}

const DOLLAR = 0x24;

function lexText(l: Lexer): StateFn {
  for (;;) {
    // Plain text up to the next "$" needs no rune-by-rune walk.
    const dollar = l.input.indexOf("$", l.pos);
    if (dollar === -1) {
      l.pos = l.input.length;
      break;
    }
    // keel's one addition to a8m's rules: a relay secret reference stays text.
    const ref = relaySecretRefAt(l.input, dollar);
    if (ref > 0) {
      l.pos = dollar + ref;
      continue;
    }
    l.pos = dollar;
    if (l.pos > l.start) l.emit(Item.Text);
    l.pos++;
    const after = l.peek();
    if (after === DOLLAR) {
      l.ignore();
      l.next();
      l.emit(Item.Text);
    } else if (after === 0x7b /* { */) {
      l.next();
      l.subsDepth++;
      l.emit(Item.LeftDelim);
      return lexSubstitutionOperator;
    } else if (isAlphaNumeric(after)) {
      return lexVariable;
    }
  }
  if (l.pos > l.start) l.emit(Item.Text);
  l.emit(Item.EOF);
  return null;
}

function lexVariable(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (!isAlphaNumeric(r)) {
      l.backup();
      break;
    }
  }
  const v = l.input.slice(l.start, l.pos);
  if (v === "_" || v === "$_") return lexText;
  l.emit(Item.Variable);
  return l.subsDepth > 0 ? lexSubstitutionOperator : lexText;
}

function lexSubstitutionOperator(l: Lexer): StateFn {
  const r = l.next();
  if (r === 0x7d /* } */) {
    l.subsDepth--;
    l.emit(Item.RightDelim);
    return lexText;
  }
  if (r === EOF || isEndOfLine(r)) return l.error(CLOSING_BRACE);
  if (isAlphaNumeric(r) && l.afterLeftDelim()) return lexVariable;
  if (r === 0x2b /* + */) l.emit(Item.Plus);
  else if (r === 0x2d /* - */) l.emit(Item.Dash);
  else if (r === 0x3d /* = */) l.emit(Item.Equals);
  else if (r === 0x3a /* : */) {
    const op = l.next();
    if (op === 0x2d) l.emit(Item.ColonDash);
    else if (op === 0x3d) l.emit(Item.ColonEquals);
    else if (op === 0x2b) l.emit(Item.ColonPlus);
  }
  return lexSubstitution;
}

function lexSubstitution(l: Lexer): StateFn {
  const r = l.next();
  if (r === 0x7d /* } */) {
    l.subsDepth--;
    l.emit(Item.RightDelim);
    return lexText;
  }
  if (r === EOF || isEndOfLine(r)) return l.error(CLOSING_BRACE);
  if ((isAlphaNumeric(r) && l.afterLeftDelim()) || r === DOLLAR) return lexVariable;
  l.emit(Item.Text);
  return lexSubstitution;
}

type Node =
  | { kind: "text"; text: string }
  | { kind: "variable"; name: string }
  | { kind: "substitution"; op: Item | 0; variable: string; fallback: Node | null };

class SubstError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

class Parser {
  private index = 0;

  constructor(private readonly items: Token[]) {}

  parse(): Node[] {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.next();
      if (t.type === Item.EOF) return nodes;
      if (t.type === Item.Error) throw new SubstError(t.val, t.pos);
      if (t.type === Item.Variable) {
        nodes.push({ kind: "variable", name: trimDollar(t.val) });
      } else if (t.type === Item.LeftDelim && this.peek().type === Item.Variable) {
        nodes.push(this.action());
      } else {
        nodes.push({ kind: "text", text: t.val });
      }
    }
  }

  /** A `${…}` whose first item is the variable. */
  private action(): Node {
    let op: Item | 0 = 0;
    let fallback: Node | null = null;
    const variable = this.next().val;
    for (;;) {
      const t = this.next();
      if (t.type === Item.RightDelim) break;
      if (t.type === Item.Error) throw new SubstError(t.val, t.pos);
      // a8m loops forever here (reading a closed channel); an error is the useful answer.
      if (t.type === Item.EOF) throw new SubstError(CLOSING_BRACE, t.pos);
      if (t.type === Item.Variable) {
        fallback = { kind: "variable", name: trimDollar(t.val) };
      } else if (t.type === Item.Text) {
        const parts = [t.val];
        for (let p = this.peek().type; p !== Item.RightDelim && p !== Item.Error && p !== Item.EOF; p = this.peek().type) {
          parts.push(this.next().val);
        }
        fallback = { kind: "text", text: parts.join("") };
      } else {
        op = t.type;
      }
    }
    return { kind: "substitution", op, variable, fallback };
  }

  private next(): Token {
    const t = this.items[this.index] ?? { type: Item.EOF, pos: 0, val: "" };
    this.index++;
    return t;
  }

  private peek(): Token {
    return this.items[this.index] ?? { type: Item.EOF, pos: 0, val: "" };
  }
}

function trimDollar(s: string): string {
  return s.startsWith("$") ? s.slice(1) : s;
}

function evaluate(node: Node, env: Env): string {
  switch (node.kind) {
    case "text":
      return node.text;
    case "variable":
      return lookup(env, node.name) ?? "";
  }
  const value = lookup(env, node.variable);
  const fallback = node.fallback;
  if (node.op >= Item.Plus && fallback !== null) {
    switch (node.op) {
      case Item.ColonDash:
      case Item.ColonEquals:
        return value !== undefined && value !== "" ? value : evaluate(fallback, env);
      case Item.Plus:
      case Item.ColonPlus:
        return value !== undefined ? evaluate(fallback, env) : "";
      default:
        if (value === undefined) return evaluate(fallback, env);
    }
  }
  return value ?? "";
}

function lookup(env: Env, name: string): string | undefined {
  return Object.hasOwn(env, name) ? env[name] : undefined;
}

export function envsubst(text: string, env: Env = {}): EnvsubstResult {
  try {
    const nodes = new Parser(new Lexer(text).items).parse();
    return { ok: true, text: nodes.map((n) => evaluate(n, env)).join("") };
  } catch (err) {
    if (err instanceof SubstError) return { ok: false, message: `${err.message} (line ${lineOf(text, err.pos)})` };
    throw err;
  }
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

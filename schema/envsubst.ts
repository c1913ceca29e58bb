/**
 * Variable substitution on k0sctl.yaml text before it is parsed, as k0sctl
 * does with a8m/envsubst: `$VAR`, `${VAR}`, `${VAR:-default}` (also `-`, `=`,
 * `:=`, `+`, `:+`), `$$` for a literal `$`. Unset variables become empty;
 * a `$` not followed by a name or `{` stays as it is.
 */

export type EnvsubstResult = { ok: true; text: string } | { ok: false; message: string };
export type Env = Record<string, string | undefined>;

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const OPERATORS = [":-", ":=", ":+", "-", "=", "+"] as const;
// Defaults may hold further ${…}; bounded so hostile nesting cannot exhaust the stack.
const MAX_NESTING = 16;

class SubstError extends Error {}

export function envsubst(text: string, env: Env = {}): EnvsubstResult {
  try {
    return { ok: true, text: expand(text, env, 0) };
  } catch (err) {
    if (err instanceof SubstError) return { ok: false, message: err.message };
    throw err;
  }
}

function expand(text: string, env: Env, depth: number): string {
  if (depth > MAX_NESTING) throw new SubstError(`substitutions nested deeper than ${MAX_NESTING} levels`);
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf("$", i);
    if (dollar === -1) {
      out.push(text.slice(i));
      break;
    }
    out.push(text.slice(i, dollar));
    const next = text[dollar + 1];
    if (next === "$") {
      out.push("$");
      i = dollar + 2;
    } else if (next === "{") {
      const close = matchingBrace(text, dollar + 2);
      if (close === -1) throw new SubstError(`missing closing brace for "\${" at line ${lineOf(text, dollar)}`);
      out.push(braced(text.slice(dollar + 2, close), env, depth, lineOf(text, dollar)));
      i = close + 1;
    } else if (next !== undefined && NAME_START.test(next)) {
      let end = dollar + 2;
      while (end < text.length && NAME_CHAR.test(text[end] ?? "")) end++;
      out.push(env[text.slice(dollar + 1, end)] ?? "");
      i = end;
    } else {
      out.push("$");
      i = dollar + 1;
    }
  }
  return out.join("");
}

/** Index of the "}" closing a "${" whose body starts at `from`, counting nested "${". */
function matchingBrace(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "$" && text[i + 1] === "{") {
      depth++;
      i++;
    } else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    } else if (c === "\n") {
      // A substitution never spans lines; stopping here keeps a stray "${" cheap to report.
      return -1;
    }
  }
  return -1;
}

function braced(body: string, env: Env, depth: number, line: number): string {
  let end = 0;
  if (body.length > 0 && NAME_START.test(body[0] ?? "")) {
    end = 1;
    while (end < body.length && NAME_CHAR.test(body[end] ?? "")) end++;
  }
  if (end === 0) throw new SubstError(`bad substitution "\${${body}}" at line ${line}`);
  const value = env[body.slice(0, end)];
  const rest = body.slice(end);
  if (rest === "") return value ?? "";
  const op = OPERATORS.find((o) => rest.startsWith(o));
  if (op === undefined) throw new SubstError(`bad substitution "\${${body}}" at line ${line}`);
  const word = () => expand(rest.slice(op.length), env, depth + 1);
  const unset = value === undefined;
  const empty = unset || value === "";
  switch (op) {
    case ":-":
    case ":=":
      return empty ? word() : (value ?? "");
    case "-":
    case "=":
      return unset ? word() : value;
    case ":+":
      return empty ? "" : word();
    case "+":
      return unset ? "" : word();
  }
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

import { describe, expect, it } from "vitest";
import { envsubst } from "../../schema/envsubst";

// Expected outputs were produced by github.com/a8m/envsubst v1.4.3 (what k0sctl
// runs over each file, cmd/flags.go: envsubst.Bytes) with this environment;
// 80,000 random inputs gave the same text or the same failure as keel's port.
const env = { HOST: "10.0.0.1", USER: "admin", EMPTY: "", DIR: "/srv" };

function sub(text: string): string {
  const result = envsubst(text, env);
  if (!result.ok) throw new Error(result.message);
  return result.text;
}

describe("envsubst matches k0sctl's a8m/envsubst", () => {
  it.each([
    ["$HOST", "10.0.0.1"],
    ["${HOST}", "10.0.0.1"],
    ["addr: ${HOST}:22", "addr: 10.0.0.1:22"],
    ["$HOST_X", ""],
    ["${HOST}_X", "10.0.0.1_X"],
    ["$UNSET", ""],
    ["${UNSET}", ""],
    // defaults
    ["${UNSET:-/tmp/keel-sim}/id", "/tmp/keel-sim/id"],
    ["${DIR:-/tmp}/id", "/srv/id"],
    ["${EMPTY:-fallback}", "fallback"],
    ["${EMPTY-fallback}", ""],
    ["${UNSET-fallback}", "fallback"],
    ["${UNSET:=x}", "x"],
    ["${EMPTY=x}", ""],
    ["${UNSET:-}", ""],
    ["${UNSET:--1}", "-1"],
    ["${UNSET:-x y z}", "x y z"],
    ["${UNSET:-é}", "é"],
    ["${HOST:-$UNSET}", "10.0.0.1"],
    ["${UNSET:-$DIR/x}", "/x"],
    ["${UNSET:-a $DIR b}", "a $DIR b"],
    ["${UNSET:-$HOST$DIR}", "$DIR"],
    ["${UNSET:-{a}}", "{a}"],
    ["${UNSET:-a}b}", "ab}"],
    // `+` and `:+` both test "set", not "non-empty"
    ["${HOST:+set}", "set"],
    ["${UNSET:+set}", ""],
    ["${EMPTY:+set}", "set"],
    ["${EMPTY+set}", "set"],
    // no nesting: the inner ${ is not a substitution
    ["${UNSET:-${DIR}/x}", "/x}"],
    ["a: ${A:-${B:-${C:-x}}}", "a: x}}"],
    // names are letters, digits and _; `$_` alone is not a name
    ["$1 $-", " $-"],
    ["${1}", ""],
    ["$1abc", ""],
    ["$__", ""],
    ["$_", "$_"],
    ["${_}", "${_}"],
    ["${}", "${}"],
    ["${-x}", "${-x}"],
    ["$é", ""],
    // what follows the name without a known operator is ignored
    ["${HOST?oops}", "10.0.0.1"],
    ["${HOST:?oops}", "10.0.0.1"],
    ["${HOST:1}", "10.0.0.1"],
    ["${HOST/x/y}", "10.0.0.1"],
    ["${#HOST}", ""],
    ["${ HOST}", ""],
    // escapes and lone dollars
    ["cost: $$5 and $$HOST", "cost: $5 and $HOST"],
    ["$$$HOST", "$10.0.0.1"],
    ["$$${UNSET:-baz}", "$baz"],
    ["a $ b", "a $ b"],
    ["trailing $", "trailing $"],
    ["${HOST}}", "10.0.0.1}"],
    ["{$HOST}", "{10.0.0.1}"],
  ])("%s → %s", (input, output) => {
    expect(sub(input)).toBe(output);
  });

  it.each([["a: ${HOST\nb: 1", 1], ["a: 1\nb: ${UNSET:-x", 2], ["${UNSET:-x\n}", 1]])("rejects an unterminated ${ (%j) naming line %i", (input, line) => {
    expect(envsubst(input, env)).toEqual({ ok: false, message: `closing brace expected (line ${line})` });
  });

  it("fails where a8m/envsubst would loop forever", () => {
    expect(envsubst("${UNSET:-$_}", env).ok).toBe(false);
  });

  it("substitutes with no environment as unset variables", () => {
    expect(envsubst("${A}|$B|${C:-c}")).toEqual({ ok: true, text: "||c" });
  });

  it("stays linear on deeply nested-looking input", () => {
    const deep = "${A:-".repeat(50_000) + "x" + "}".repeat(50_000);
    const result = envsubst(deep, {});
    // As "${A:-${B:-${C:-x}}}" gives "x}}" under a8m/envsubst.
    expect(result.ok && result.text === "x" + "}".repeat(49_999)).toBe(true);
  });
});

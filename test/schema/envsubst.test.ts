import { describe, expect, it } from "vitest";
import { envsubst } from "../../schema/envsubst";

const env = { HOST: "10.0.0.1", USER: "admin", EMPTY: "", DIR: "/srv" };

function sub(text: string): string {
  const result = envsubst(text, env);
  if (!result.ok) throw new Error(result.message);
  return result.text;
}

describe("envsubst", () => {
  it.each([
    ["$HOST", "10.0.0.1"],
    ["${HOST}", "10.0.0.1"],
    ["addr: ${HOST}:22", "addr: 10.0.0.1:22"],
    ["$HOST_X", ""],
    ["${HOST}_X", "10.0.0.1_X"],
    ["${UNSET:-/tmp/keel-sim}/id", "/tmp/keel-sim/id"],
    ["${DIR:-/tmp}/id", "/srv/id"],
    ["${EMPTY:-fallback}", "fallback"],
    ["${EMPTY-fallback}", ""],
    ["${UNSET-fallback}", "fallback"],
    ["${HOST:+set}", "set"],
    ["${UNSET:+set}", ""],
    ["${UNSET:-${DIR}/x}", "/srv/x"],
    ["cost: $$5 and $$HOST", "cost: $5 and $HOST"],
    ["$UNSET", ""],
    ["${UNSET}", ""],
    ["a $ b", "a $ b"],
    ["$1 $-", "$1 $-"],
    ["trailing $", "trailing $"],
  ])("%s → %s", (input, output) => {
    expect(sub(input)).toBe(output);
  });

  it("rejects an unterminated ${", () => {
    const result = envsubst("a: ${HOST\nb: 1", env);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/missing closing brace.*line 1/) });
  });

  it("rejects a bad substitution", () => {
    expect(envsubst("${}", env).ok).toBe(false);
    expect(envsubst("${1abc}", env).ok).toBe(false);
    expect(envsubst("${HOST?oops}", env).ok).toBe(false);
  });

  it("refuses defaults nested without end, quickly", () => {
    const deep = "${A:-".repeat(5000) + "x" + "}".repeat(5000);
    expect(envsubst(deep, {}).ok).toBe(false);
  });

  it("substitutes with no environment as unset variables", () => {
    expect(envsubst("${A}|$B|${C:-c}").ok && envsubst("${A}|$B|${C:-c}")).toEqual({ ok: true, text: "||c" });
  });
});

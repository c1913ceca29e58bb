import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { asRoot, quote, sh } from "../../relay/quote";

// Runs shell text in a real POSIX sh and returns what it printed.
function runSh(script: string): string {
  return execFileSync("sh", ["-c", script], { encoding: "utf8" });
}

const HOSTILE = [
  "plain",
  "",
  "with space",
  "it's",
  "''",
  `"double" and 'single'`,
  "$(touch /tmp/keel-pwned)",
  "`id`",
  "a; rm -rf /",
  "line1\nline2\n",
  "tab\there",
  "$HOME ${PATH} $$ $1",
  "back\\slash\\",
  "glob * ? [a-z]",
  "-n",
  "--flag=value",
  "|& > < >> 2>&1",
  "unicode: ключ 🔑",
  "'\"'\"'",
];

describe("quote", () => {
  it.each(HOSTILE)("round-trips %j through sh -c printf", (word) => {
    expect(runSh(`printf %s ${quote(word)}`)).toBe(word);
  });

  it("leaves plain words readable", () => {
    expect(quote("--data-dir=/var/lib/k0s")).toBe("--data-dir=/var/lib/k0s");
    expect(quote("it's")).toBe(`'it'\\''s'`);
  });

  it("refuses NUL", () => {
    expect(() => quote("a\0b")).toThrow(/NUL/);
  });
});

describe("sh tagged template", () => {
  it("quotes every interpolation", () => {
    const evil = "x; echo pwned";
    const cmd = sh`printf '%s|' ${evil} ${["a b", "c'd"]} ${42}`;
    expect(cmd.text).toBe(`printf '%s|' 'x; echo pwned' 'a b' 'c'\\''d' 42`);
    expect(runSh(cmd.text)).toBe("x; echo pwned|a b|c'd|42|");
  });

  it("splices ShellText built by sh without re-quoting", () => {
    const inner = sh`printf %s ${"$(id)"}`;
    expect(runSh(sh`${inner} && printf %s ${"!"}`.text)).toBe("$(id)!");
  });

  it.each(HOSTILE)("survives two levels of sh -c for %j", (word) => {
    const inner = sh`printf %s ${word}`;
    expect(runSh(sh`sh -c ${inner.text}`.text)).toBe(word);
  });
});

describe("asRoot", () => {
  it("runs as is for root", () => {
    expect(asRoot("root", sh`k0s status`).text).toBe("k0s status");
  });

  it("wraps in sudo -n -- sh -c for other users, quoting the whole command", () => {
    const cmd = asRoot("admin", sh`printf %s ${"it's $(x)"}`);
    expect(cmd.text).toBe(`sudo -n -- sh -c 'printf %s '\\''it'\\''\\'\\'''\\''s $(x)'\\'''`);
    // The part after `sudo -n -- ` is what sudo would run: check it in a real sh.
    expect(runSh(cmd.text.replace(/^sudo -n -- /, ""))).toBe("it's $(x)");
  });
});

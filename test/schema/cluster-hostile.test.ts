import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadClusterYaml, MAX_SPEC_BYTES, validateClusterObject, type LoadResult } from "../../schema/cluster-load";

// Hostile input must come back as an error (never a throw, never a hang).
// No timing asserts: vitest's own timeout catches a hang.

const HEAD = "apiVersion: k0sctl.k0sproject.io/v1beta1\nkind: Cluster\n";
const host = (ssh: string) => `${HEAD}spec:\n  hosts:\n  - role: single\n    ssh: ${ssh}\n`;

function errors(result: LoadResult) {
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors;
}

describe("hostile input", () => {
  it("refuses a 10 MB body without parsing it", () => {
    const big = host("{address: 10.0.0.1}") + `# ${"x".repeat(10 * 1024 * 1024)}\n`;
    expect(errors(loadClusterYaml(big))[0]).toEqual({ path: "(input)", message: expect.stringMatching(/larger than 1048576 bytes/) });
  });

  it("counts bytes, not characters, and all texts together", () => {
    const half = "é".repeat(MAX_SPEC_BYTES / 2 - 10); // 2 bytes each in UTF-8
    expect(errors(loadClusterYaml([half, half, "a: 1"]))[0]?.message).toMatch(/larger than/);
  });

  it("refuses text that grows past the limit through variables", () => {
    const text = host("{address: 10.0.0.1}") + `# ${"$BIG ".repeat(1000)}\n`;
    expect(errors(loadClusterYaml(text, { BIG: "y".repeat(2000) }))[0]?.message).toMatch(/after variable substitution/);
  });

  it("refuses an alias bomb (billion laughs)", () => {
    let bomb = `${HEAD}a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n`;
    for (let i = 1; i < 10; i++) bomb += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(",")}]\n`;
    bomb += "spec: {hosts: *a9}\n";
    expect(errors(loadClusterYaml(bomb))[0]?.message).toMatch(/alias/i);
  });

  it("refuses binary garbage", () => {
    const garbage = randomBytes(64 * 1024).toString("latin1");
    expect(errors(loadClusterYaml(garbage))[0]?.message).toMatch(/not text|YAML/);
  });

  it("refuses a NUL byte hidden in a valid file", () => {
    const text = host("{address: 10.0.0.1}").replace("role: single", "role: sin\0gle");
    expect(errors(loadClusterYaml(text))[0]).toEqual({ path: "(input)", message: "input is not text: control character U+0000 at line 5, column 14" });
  });

  it.each([
    ["flow sequences", "x: " + "[".repeat(1000) + "]".repeat(1000)],
    ["flow mappings", "x: " + "{a: ".repeat(1000) + "}".repeat(1000)],
    ["compact sequences", "x:\n  " + "- ".repeat(1000) + "a\n"],
    ["block mappings", Array.from({ length: 1000 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + " v\n"],
    ["compact mappings", "a: ".repeat(100_000) + "b\n"],
  ])("refuses 1000-deep %s", (_kind, text) => {
    expect(errors(loadClusterYaml(HEAD + text)).length).toBeGreaterThan(0);
  });

  it("refuses 1000-deep and cyclic objects in a JSON body", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 1000; i++) deep = { a: deep };
    expect(errors(validateClusterObject({ apiVersion: "k0sctl.k0sproject.io/v1beta1", kind: "Cluster", spec: deep }))[0]?.message).toMatch(/deeper than 64/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(errors(validateClusterObject(cyclic))[0]?.message).toMatch(/deeper than 64/);
  });

  it("refuses __proto__ keys from YAML and from JSON", () => {
    expect(errors(loadClusterYaml(`${HEAD}__proto__: {polluted: true}\n`))[0]).toEqual({ path: "__proto__", message: "is not an allowed key" });
    expect(errors(validateClusterObject(JSON.parse('{"spec": {"__proto__": {"x": 1}}}')))[0]?.path).toBe("spec.__proto__");
    expect(Object.prototype).not.toHaveProperty("polluted");
  });

  it.each([
    ["shell metacharacters", '"10.0.0.1; rm -rf /"'],
    ["command substitution", '"$(reboot)"'],
    ["backticks", '"`id`"'],
    ["a newline", '"10.0.0.1\\nProxyCommand sh"'],
    ["an option", '"-oProxyCommand=sh"'],
  ])("refuses an address with %s", (_kind, address) => {
    expect(errors(loadClusterYaml(host(`{address: ${address}}`))).map((e) => e.path)).toContain("spec.hosts[0].ssh.address");
  });

  it.each([
    ["a newline", '"/keys/id\\nrm -rf /"'],
    ["a NUL", '"/keys/id\\0"'],
    ["an escape sequence", '"/keys/\\e[31mid"'],
  ])("refuses a keyPath with %s", (_kind, keyPath) => {
    expect(errors(loadClusterYaml(host(`{address: 10.0.0.1, keyPath: ${keyPath}}`))).map((e) => e.path)).toContain("spec.hosts[0].ssh.keyPath");
  });

  it("refuses NUL and newlines in file paths", () => {
    const text = `${HEAD}spec:\n  hosts:\n  - role: single\n    ssh: {address: 10.0.0.1}\n    files:\n    - {src: "/a\\0b", dst: "/etc/x\\ny"}\n`;
    expect(errors(loadClusterYaml(text)).map((e) => e.path).sort()).toEqual(["spec.hosts[0].files[0].dst", "spec.hosts[0].files[0].src"]);
  });

  it.each([
    ["a plain string", "just text"],
    ["a number", "42"],
    ["a list", "- a\n- b\n"],
    ["nothing", ""],
    ["only comments", "# nothing here\n"],
    ["a document of null", "---\n~\n"],
  ])("refuses YAML that is %s", (_kind, text) => {
    expect(errors(loadClusterYaml(text)).length).toBe(1);
  });

  it("caps the number of errors reported", () => {
    const hosts = Array.from({ length: 500 }, () => "  - {role: bad, ssh: {address: '!'}}").join("\n");
    expect(errors(loadClusterYaml(`${HEAD}spec:\n  hosts:\n${hosts}\n`)).length).toBe(100);
  });

  it("reads a substitution nesting bomb as k0sctl does: substitutions do not nest, so it is one default", () => {
    const text = host("{address: 10.0.0.1}") + `# ${"${A:-".repeat(10_000)}x${"}".repeat(10_000)}\n`;
    expect(loadClusterYaml(text).ok).toBe(true);
  });
});

// Security probe F4 and F13 (shared/reviews/2026-12-security-probe.md §6.4).
describe("expansion and parse cost are bounded by size, not by counts of aliases", () => {
  const amplified = (anchors: number, size: number, uses: number) => {
    const lines: string[] = [];
    for (let a = 0; a < anchors; a++) lines.push(`      a${a}: &a${a} "${"A".repeat(size)}"`);
    for (let a = 0; a < anchors; a++) lines.push(`      u${a}: [${Array(uses).fill(`*a${a}`).join(",")}]`);
    return `${host("{address: 10.0.0.1}")}  k0s:\n    config:\n      spec:\n${lines.join("\n")}\n`.replace("      spec:\n      ", "      spec:\n        ").replaceAll("\n      a", "\n        a").replaceAll("\n      u", "\n        u");
  };

  it("refuses a 23 KB file that expands past 1 MiB, although no anchor is used 100 times (F4)", () => {
    const text = amplified(10, 2000, 60);
    expect(text.length).toBeLessThan(24_000);
    expect(errors(loadClusterYaml(text))).toEqual([{ path: "(input)", message: expect.stringMatching(/^YAML: expands to more than 1048576 bytes \(aliases count in full/) }]);
  });

  it("still accepts anchors that expand to less than the limit", () => {
    const result = loadClusterYaml(amplified(10, 1000, 20));
    expect(result.ok).toBe(true);
    if (result.ok) expect(JSON.stringify(result.spec).length).toBeGreaterThan(200_000);
  });

  it("counts aliases in every file together", () => {
    const config = (size: number) => {
      const uses = Array(60).fill("*a").join(",");
      return `apiVersion: k0s.k0sproject.io/v1beta1\nkind: ClusterConfig\nspec:\n  a: &a "${"A".repeat(size)}"\n  b: [${uses}]\n`;
    };
    const cluster = host("{address: 10.0.0.1}");
    expect(loadClusterYaml([cluster, config(9000)]).ok).toBe(true); // ~540 KB
    expect(loadClusterYaml([cluster, config(9000), config(9000).replace("spec:\n  a:", "spec:\n  c:")]).ok).toBe(false);
  });

  it("refuses nesting built from chained aliases", () => {
    let text = `${HEAD}x0: &x0 [leaf]\n`;
    for (let i = 1; i < 100; i++) text += `x${i}: &x${i} [*x${i - 1}]\n`;
    expect(errors(loadClusterYaml(text))[0]?.message).toMatch(/deeper than 64 levels/);
  });

  it("refuses more than 200,000 YAML tokens, about 0.6 s of parsing (F13)", () => {
    const items = Array(110_000).fill("1").join(",");
    const text = `${host("{address: 10.0.0.1}")}  k0s:\n    config:\n      x: [${items}]\n`;
    expect(text.length).toBeLessThan(MAX_SPEC_BYTES);
    expect(errors(loadClusterYaml(text))[0]?.message).toMatch(/more than 200000 YAML tokens/);
  });

  it("finds a duplicate key among 20,000 in one mapping, naming its line (the parser's own check is quadratic)", () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `        k${i}: 1\n`).join("");
    const base = `${host("{address: 10.0.0.1}")}  k0s:\n    config:\n      x:\n${keys}`;
    expect(loadClusterYaml(base).ok).toBe(true);
    const line = base.split("\n").length;
    expect(errors(loadClusterYaml(`${base}        k7: 2\n`))[0]?.message).toBe(`YAML: Map keys must be unique: "k7" appears twice at line ${line}, column 9`);
  });
});

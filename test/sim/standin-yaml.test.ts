import { describe, expect, it } from "vitest";
import { parseYamlDocs } from "../../sim/standin/k0s/yaml";

// The stand-in's YAML is the `yaml` package's, with go-yaml's refusals and
// wording; pure, so no hosts are started.
describe("k0s stand-in YAML", () => {
  it("reads documents, JSON, anchors and aliases like k0s's go-yaml", () => {
    expect(parseYamlDocs("---\na: 1\n---\n# empty\n---\nb: [x, 'y']\n")).toEqual([{ a: 1 }, { b: ["x", "y"] }]);
    expect(parseYamlDocs('{"kind": "List", "items": []}')).toEqual([{ kind: "List", items: [] }]);
    expect(parseYamlDocs("base: &b {port: 6443}\napi: *b\n")).toEqual([{ base: { port: 6443 }, api: { port: 6443 } }]);
  });

  it.each([
    ["tab indentation", "spec:\n\tapi: {}\n", /^yaml: line 2: found character that cannot start any token$/],
    ["bad indentation", "spec:\n  port: 1\n    address: x\n", /^yaml: line \d+: mapping values are not allowed in this context$/],
    ["a duplicate key", "a: 1\na: 2\n", /^yaml: line 2: mapping key "a" already defined$/],
    ["an unknown anchor", "a: *nope\n", /^yaml: unknown anchor 'nope' referenced$/],
    ["an unknown tag", "a: !custom 1\n", /^yaml: line 1: /],
    ["an unclosed flow sequence", "kind: [\n", /^yaml: line \d+: /],
  ])("refuses %s with go-yaml's wording", (_name, text, message) => {
    expect(() => parseYamlDocs(text)).toThrow(message);
  });
});

import { describe, expect, it } from "vitest";
import { loadClusterYaml, type LoadResult } from "../../schema/cluster-load";

// How k0sctl itself reads k0sctl.yaml, field by field; each case names the
// k0sctl (or library) source it follows. Envsubst has its own table in envsubst.test.ts.

const HEAD = "apiVersion: k0sctl.k0sproject.io/v1beta1\nkind: Cluster\n";
const oneHost = (hostLines = "", k0s = "  k0s:\n    version: 1.27.4+k0s.0\n") =>
  `${HEAD}spec:\n  hosts:\n  - role: single\n    ssh:\n      address: 10.0.0.1\n${hostLines}${k0s}`;
const file = (fields: string) => oneHost(`    files:\n    - {${fields}}\n`);

function spec(result: LoadResult) {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.spec;
}
function errorAt(result: LoadResult, path: string): string | undefined {
  expect(result.ok).toBe(false);
  return result.ok ? undefined : result.errors.find((e) => e.path === path)?.message;
}

describe("perm and dirPerm (cluster/uploadfile.go permToString)", () => {
  it.each([
    ["0755", "0755"], // YAML 1.1 octal int 493 → %#o "0755"
    ["0644", "0644"],
    ["04755", "4755"], // setuid: second character of "04755" is 4
    ['"0755"', "0755"], // strings are taken as octal digits
    ['"755"', "0755"],
    ["'0600'", "0600"],
  ])("perm: %s → %s", (perm, mode) => {
    expect(spec(loadClusterYaml(file(`src: /a, dstDir: /b, perm: ${perm}`))).spec.hosts[0]?.files[0]?.perm).toBe(mode);
  });

  it.each([
    ['""', undefined], // "" is unset: the source file's own mode is used
    ["~", undefined],
  ])("perm: %s is unset", (perm, mode) => {
    expect(spec(loadClusterYaml(file(`src: /a, dstDir: /b, perm: ${perm}`))).spec.hosts[0]?.files[0]?.perm).toBe(mode);
  });

  it("dirPerm: \"\" falls back to the default", () => {
    expect(spec(loadClusterYaml(file('src: /a, dstDir: /b, dirPerm: ""'))).spec.hosts[0]?.files[0]?.dirPerm).toBe("0755");
  });

  it.each([
    ["755", /owner would have no read access.*write 0755/], // decimal 755 is %#o "01363": k0sctl says "unconventional access"
    ["0", /invalid permission 0/], // "invalid nil permission"
    ["-1", /positive/],
    ['"0855"', /above 7/], // "octal value can't have numbers over 7"
    ['"0344"', /owner/],
    ['"u+x"', /octal digits/], // Atoi fails: "failed to parse permission"
  ])("perm: %s is refused", (perm, message) => {
    expect(errorAt(loadClusterYaml(file(`src: /a, dstDir: /b, perm: ${perm}`)), "spec.hosts[0].files[0].perm")).toMatch(message);
  });
});

describe("k0s version (k0sproject/version NewVersion, cluster/k0s.go)", () => {
  it.each([
    ["v1.21.2+k0s.0", "1.21.2+k0s.0"],
    ["1.21.2+k0s.0", "1.21.2+k0s.0"],
    ["1.27.4", "1.27.4"],
    ["0.11.0-rc1", "0.11.0-rc1"], // K0sMinVersion
    ['"1.28.2+k0s.0"', "1.28.2+k0s.0"],
  ])("version: %s", (version, stored) => {
    expect(spec(loadClusterYaml(oneHost("", `  k0s:\n    version: ${version}\n`))).spec.k0s.version).toBe(stored);
  });

  it.each([['""'], ["~"], [""]])("version: %s is unset (IsZero → newest on the channel)", (version) => {
    expect(spec(loadClusterYaml(oneHost("", `  k0s:\n    version: ${version}\n`))).spec.k0s.version).toBeUndefined();
  });

  it("version: 1.20 is read as the text 1.20 (UnmarshalYAML into a string), then refused with the reason", () => {
    expect(errorAt(loadClusterYaml(oneHost("", "  k0s:\n    version: 1.20\n")), "spec.k0s.version")).toMatch(/three numbers/);
  });

  it("refuses versions older than 0.11.0", () => {
    expect(errorAt(loadClusterYaml(oneHost("", "  k0s:\n    version: 0.10.0\n")), "spec.k0s.version")).toMatch(/0\.11\.0/);
  });

  it.each([['""', "stable"], ["latest", "latest"], ["~", "stable"]])("versionChannel: %s → %s", (channel, stored) => {
    expect(spec(loadClusterYaml(oneHost("", `  k0s:\n    versionChannel: ${channel}\n`))).spec.k0s.versionChannel).toBe(stored);
  });

  it("dynamicConfig needs k0s 1.22.2+k0s.2 or later (k0sDynamicConfigSince)", () => {
    const k0s = (v: string) => `  k0s:\n    version: ${v}\n    dynamicConfig: true\n`;
    expect(errorAt(loadClusterYaml(oneHost("", k0s("1.22.2+k0s.1"))), "spec.k0s.dynamicConfig")).toMatch(/1\.22\.2\+k0s\.2/);
    expect(loadClusterYaml(oneHost("", k0s("1.22.2+k0s.2"))).ok).toBe(true);
    expect(loadClusterYaml(oneHost("", "  k0s:\n    dynamicConfig: true\n")).ok).toBe(true);
  });
});

describe("string fields keep the scalar as written (yaml.v2 into Go strings)", () => {
  it("environment values and keys, installFlags, hooks", () => {
    const host = spec(
      loadClusterYaml(oneHost("    environment: {MODE: 0755, ON: yes, N: 1.10, HEX: 0x1F}\n    installFlags: [--x=1, 0755]\n    hooks: {apply: {before: [true, 12]}}\n")),
    ).spec.hosts[0];
    expect(host?.environment).toEqual({ MODE: "0755", ON: "yes", N: "1.10", HEX: "0x1F" });
    expect(host?.installFlags).toEqual(["--x=1", "0755"]);
    expect(host?.hooks.apply?.before).toEqual(["true", "12"]);
  });

  it("metadata.name and file names", () => {
    const text = oneHost("    files:\n    - {name: 0755, data: x, dstDir: /etc}\n").replace("spec:\n", "metadata: {name: 007}\nspec:\n");
    const result = spec(loadClusterYaml(text));
    expect(result.metadata.name).toBe("007");
    expect(result.spec.hosts[0]?.files[0]?.name).toBe("0755");
  });

  it("but k0s.config keeps YAML 1.1 values, as k0sctl's dig.Mapping does", () => {
    const config = spec(loadClusterYaml(oneHost("", "  k0s:\n    config:\n      spec:\n        x: {a: 0755, b: yes, c: 1.10}\n"))).spec.k0s.config?.spec;
    expect(config).toMatchObject({ x: { a: 493, b: true, c: 1.1 } });
  });
});

describe("documents (pkg/manifest/reader.go, cmd/flags.go readConfig)", () => {
  it("matches apiVersion and kind case-insensitively (strings.EqualFold)", () => {
    const text = `apiVersion: K0sctl.k0sproject.io/v1beta1\nkind: CLUSTER\n${oneHost().slice(HEAD.length)}---\napiVersion: k0s.k0sproject.io/v1beta1\nkind: clusterconfig\nspec: {telemetry: {enabled: false}}\n`;
    expect(spec(loadClusterYaml(text)).spec.k0s.config?.spec?.telemetry?.enabled).toBe(false);
  });
});

describe("where keel is stricter on purpose, the error says why", () => {
  it.each([
    ["dst", "src: /a, dst: /etc/k0s/../../root/.ssh/authorized_keys"],
    ["dstDir", "src: /a, dstDir: ../etc"],
    ["name", "data: x, dstDir: /var/lib, name: ../../etc/cron.d/x"],
  ])("a '..' in %s", (field, fields) => {
    expect(errorAt(loadClusterYaml(file(fields)), `spec.hosts[0].files[0].${field}`)).toMatch(/'\.\.'.*on purpose/);
  });

  it("allows dots that are not a parent segment", () => {
    expect(loadClusterYaml(file("src: /a, dst: /etc/k0s/..hidden/x..y")).ok).toBe(true);
  });
});

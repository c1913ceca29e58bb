import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keel } from "./keel-process";

const TMP = mkdtempSync(join(tmpdir(), "keel-cli-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(TMP, name);
  writeFileSync(path, text);
  return path;
}

const HEAD = "apiVersion: k0sctl.k0sproject.io/v1beta1\nkind: Cluster\n";
const SINGLE = `${HEAD}metadata: {name: lab}\nspec:\n  hosts:\n  - role: single\n    ssh: {address: 10.0.0.1}\n  k0s: {version: v1.30.1+k0s.0}\n`;

// Each run starts node and tsx (about two seconds): run the cases side by side.
describe.concurrent("keel validate", { timeout: 60_000 }, () => {
  it("summarizes a valid file and exits 0", async () => {
    const run = await keel(["validate", "-c", "examples/seed-2.1-basic.yaml"]);
    expect(run).toEqual({ code: 0, stdout: "k0s-cluster: 5 hosts (3 controller+worker, 2 worker), k0s v1.21.2+k0s.1\n", stderr: "" });
  });

  it("substitutes from the environment", async () => {
    const run = await keel(["validate", "--config", "examples/local/seed-3.2-ha-offline.yaml"], { env: { KEEL_SIM_DIR: "/srv/sim" } });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("k0s-cluster: 5 hosts (3 controller+worker, 2 worker), k0s v1.21.2+k0s.1\n");
  });

  it("lists every error with its path and exits 1", async () => {
    const bad = file("bad.yaml", `${HEAD}spec:\n  hosts:\n  - role: controller\n    ssh: {address: "10.0.0.1; rm -rf /"}\n    files:\n    - {src: /a, dstDir: /b, perm: 0}\n  - role: boss\n    ssh: {address: 10.0.0.2}\n`);
    const run = await keel(["validate", "-c", bad]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trim().split("\n");
    expect(lines[0]).toBe(`${bad}: invalid (3 errors)`);
    expect(lines.slice(1).map((l) => l.trim().split(":")[0]).sort()).toEqual(["spec.hosts[0].files[0].perm", "spec.hosts[0].ssh.address", "spec.hosts[1].role"]);
  });

  it("reads standard input with -c -", async () => {
    const run = await keel(["validate", "-c", "-"], { input: SINGLE });
    expect(run).toEqual({ code: 0, stdout: "lab: 1 host (1 single), k0s v1.30.1+k0s.0\n", stderr: "" });
  });

  it("names standard input in errors", async () => {
    const run = await keel(["validate", "-c", "-"], { input: "apiVersion: nope\n" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^<stdin>: invalid/);
    expect(run.stderr).toMatch(/ {2}apiVersion: must be "k0sctl\.k0sproject\.io\/v1beta1"/);
  });

  it("combines repeated -c files: cluster, k0s ClusterConfig and manifests", async () => {
    const config = file("k0s.yaml", "apiVersion: k0s.k0sproject.io/v1beta1\nkind: ClusterConfig\nspec:\n  storage: {type: kine}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n");
    const run = await keel(["validate", "-c", "-", "-c", config], { input: SINGLE });
    expect(run).toEqual({ code: 0, stdout: "lab: 1 host (1 single), k0s v1.30.1+k0s.0\n", stderr: "" });
    const ha = file("ha.yaml", SINGLE.replace("role: single", "role: controller").replace("  k0s:", "  - role: controller\n    ssh: {address: 10.0.0.2}\n  - role: controller\n    ssh: {address: 10.0.0.3}\n  k0s:"));
    const refused = await keel(["validate", "-c", ha, "-c", config]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("spec.k0s.config.spec.storage.type: kine with SQLite supports a single controller");
  });

  it("prints warnings on stderr and still exits 0", async () => {
    const fqdn = file("fqdn.yaml", SINGLE.replace("role: single", "role: single\n    hostname: K1.Node"));
    const run = await keel(["validate", "-c", fqdn]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("lab: 1 host (1 single), k0s v1.30.1+k0s.0\n");
    expect(run.stderr).toMatch(/^warning: spec\.hosts\[0\]\.hostname: "k1\.node" is a domain name/);
  });

  it("refuses a missing file, a binary file and a file over 1 MiB", async () => {
    const missing = await keel(["validate", "-c", join(TMP, "nope.yaml")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.yaml: no such file/);
    const binary = join(TMP, "binary.yaml");
    writeFileSync(binary, Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x81]));
    expect((await keel(["validate", "-c", binary])).stderr).toMatch(/is not UTF-8 text/);
    const big = file("big.yaml", SINGLE + `# ${"x".repeat(2 * 1024 * 1024)}\n`);
    expect((await keel(["validate", "-c", big])).stderr).toMatch(/larger than 1048576 bytes/);
  });

  it("reads k0sctl.yaml from the current directory by default", async () => {
    const run = await keel(["validate"], { cwd: TMP });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^k0sctl\.yaml: no such file/);
  });

  it("exits 2 on a wrong command line", async () => {
    expect((await keel(["validate", "--bogus"])).code).toBe(2);
    expect((await keel(["validate", "-c", "-", "-c", "-"])).code).toBe(2);
    expect((await keel(["validate", "stray"])).code).toBe(2);
  });
});

describe.concurrent("keel", { timeout: 60_000 }, () => {
  it("lists commands with help, and refuses unknown ones", async () => {
    // Through the real bin/keel.js, the way npm installs the command.
    const help = await keel(["help"], { viaBin: true });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/validate\s+check a k0sctl\.yaml offline/);
    expect((await keel(["validate", "--help"])).stdout).toMatch(/usage: keel validate/);
    const unknown = await keel(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    expect((await keel([])).code).toBe(2);
  });
});

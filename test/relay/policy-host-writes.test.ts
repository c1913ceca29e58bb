import type { Server } from "node:net";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Step } from "../../schema/steps";
import { Executor } from "../../relay/executor";
import { Journal } from "../../relay/journal";
import { KnownHosts } from "../../relay/known-hosts";
import { Policy } from "../../relay/policy";
import { SshPool } from "../../relay/ssh-pool";
import { droppingServer, recordingLog, tempDir } from "./helpers";
import { decodingExecutor } from "./sim-relay";

// F6: with hooks off, the relay must not let the API write where the system
// executes things, nor hand k0s an environment that loads code, nor run a
// "k0s" binary from a path the API chose.

const host = { address: "127.0.0.1", port: 22, user: "root" };
const upload = (dst: string, extra: Record<string, unknown> = {}) =>
  Step.parse({ id: "u", kind: "file.upload", host, source: { from: "data", data: "* * * * * root id\n" }, dst, perm: "0644", dirPerm: "0755", ...extra });
const install = (environment: Record<string, string>) =>
  Step.parse({ id: "i", kind: "k0s.install", host, role: "worker", installPath: "/usr/local/bin/k0s", dataDir: "/var/lib/k0s", enableWorker: false, noTaints: false, single: false, kubeletExtraArgs: [], installFlags: [], environment, force: false });

describe("policy: upload destinations", () => {
  const policy = new Policy({ allowedHosts: ["127.0.0.1"] });

  it.each([
    "/etc/cron.d/keel",
    "/etc/crontab",
    "/var/spool/cron/crontabs/root",
    "/etc/systemd/system/evil.service",
    "/etc/systemd/system/k0sworker.service.d/env.conf",
    "/lib/systemd/system/x.service",
    "/usr/lib/systemd/system/x.service",
    "/root/.config/systemd/user/x.service",
    "/usr/local/bin/k0s",
    "/usr/local/bin/k0s.tmp.v1.30.0+k0s.0",
    "/usr/bin/stat",
    "/usr/local/sbin/systemctl",
    "/etc/profile",
    "/etc/profile.d/proxy.sh",
    "/etc/bash.bashrc",
    "/home/ops/.bashrc",
    "/root/.profile",
    "/etc/sudoers",
    "/etc/sudoers.d/keel",
    "/root/.ssh/authorized_keys",
    "/home/ops/.ssh/authorized_keys2",
    "/etc/ssh/sshd_config",
    "/etc/ld.so.preload",
    "/etc/ld.so.conf.d/evil.conf",
    "/etc/pam.d/sshd",
    "/etc/shadow",
    "/var/lib/k0s/bin/kubelet",
    "/etc//cron.d/./x",
    "/tmp/../etc/cron.d/x",
  ])("refuses %s", (dst) => {
    const decision = policy.checkStep(upload(dst));
    expect(decision.allowed).toBe(false);
    expect(!decision.allowed && decision.message).toMatch(/^upload to .+ refused: .+ policy\.allowUploadsTo/);
  });

  it.each(["/etc/k0s/containerd.d/extra.toml", "/opt/cni/bin/flannel", "/var/lib/k0s/manifests/keel/a.yaml", "/tmp/x", "/etc/motd", "/root/keel/renamed.yaml", "/var/lib/k0s/images/a.tar"])(
    "allows %s",
    (dst) => {
      expect(policy.checkStep(upload(dst))).toEqual({ allowed: true });
    },
  );

  it("refuses a dstDir whose file lands in a protected place", () => {
    const step = Step.parse({ id: "u", kind: "file.upload", host, name: "keel", source: { from: "data", data: "x" }, dstDir: "/etc/cron.d", dirPerm: "0755" });
    expect(policy.checkStep(step).allowed).toBe(false);
  });

  it("opens exactly what policy.allowUploadsTo lists, never the k0s binary", () => {
    const open = new Policy({ allowedHosts: ["127.0.0.1"], allowUploadsTo: ["/etc/systemd/system/containerd.service.d", "/usr/local/bin"] });
    expect(open.checkStep(upload("/etc/systemd/system/containerd.service.d/http-proxy.conf"))).toEqual({ allowed: true });
    expect(open.checkStep(upload("/usr/local/bin/helm"))).toEqual({ allowed: true });
    expect(open.checkStep(upload("/etc/systemd/system/evil.service")).allowed).toBe(false);
    expect(open.checkStep(upload("/usr/local/bin/k0s")).allowed).toBe(false);
    expect(open.checkStep(upload("/usr/local/bin/k0s.tmp.v1")).allowed).toBe(false);
  });
});

describe("policy: environment", () => {
  const policy = new Policy({ allowedHosts: ["127.0.0.1"] });

  it.each(["LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "PATH", "BASH_ENV", "ENV", "GCONV_PATH", "NODE_OPTIONS", "PYTHONPATH", "GLIBC_TUNABLES"])("refuses %s", (name) => {
    const decision = policy.checkStep(install({ HTTP_PROXY: "http://proxy:3128", [name]: "/tmp/x" }));
    expect(decision).toEqual({ allowed: false, message: `environment ${name} refused: it makes programs load or run other code; list it in this relay's policy.allowEnvironment to allow it` });
  });

  it("allows proxies and what policy.allowEnvironment lists", () => {
    expect(policy.checkStep(install({ HTTP_PROXY: "http://proxy:3128", NO_PROXY: "10.0.0.0/8", https_proxy: "x", GODEBUG: "x509sha1=1" }))).toEqual({ allowed: true });
    const open = new Policy({ allowedHosts: ["127.0.0.1"], allowEnvironment: ["LD_LIBRARY_PATH"] });
    expect(open.checkStep(install({ LD_LIBRARY_PATH: "/opt/lib" }))).toEqual({ allowed: true });
    expect(open.checkStep(install({ LD_PRELOAD: "/opt/lib/x.so" })).allowed).toBe(false);
  });
});

describe("policy: k0s binary paths", () => {
  const policy = new Policy({ allowedHosts: ["127.0.0.1"] });
  const paths = { installPath: "/usr/local/bin/k0s", dataDir: "/var/lib/k0s" };

  it("runs k0s only from policy.k0sInstallPaths", () => {
    expect(policy.checkStep(Step.parse({ id: "f", kind: "k0s.facts", host, installPath: "/usr/local/bin/k0s", configPath: "/etc/k0s/k0s.yaml" }))).toEqual({ allowed: true });
    const other = policy.checkStep(Step.parse({ id: "f", kind: "k0s.facts", host, installPath: "/tmp/owned", configPath: "/etc/k0s/k0s.yaml" }));
    expect(other).toEqual({ allowed: false, message: "installPath /tmp/owned is not one of this relay's policy.k0sInstallPaths (/usr/local/bin/k0s)" });
    const wait = policy.checkStep(Step.parse({ id: "w", kind: "k0s.wait.ready", host, installPath: "/usr/local/bin/../../tmp/k0s", dataDir: "/var/lib/k0s", for: { what: "readyz" } }));
    expect(wait.allowed).toBe(false);
    const custom = new Policy({ allowedHosts: ["127.0.0.1"], k0sInstallPaths: ["/opt/bin/k0s"] });
    expect(custom.checkStep(Step.parse({ id: "f", kind: "k0s.facts", host, installPath: "/opt/bin/k0s", configPath: "/etc/k0s/k0s.yaml" }))).toEqual({ allowed: true });
    expect(custom.checkStep(upload("/opt/bin/k0s")).allowed).toBe(false);
  });

  it("validates a config only with the k0s binary or the one staged beside it", () => {
    const write = (validateWith: string) => Step.parse({ id: "c", kind: "k0s.config.write", host, path: "/etc/k0s/k0s.yaml", config: {}, validateWith });
    expect(policy.checkStep(write("/usr/local/bin/k0s"))).toEqual({ allowed: true });
    expect(policy.checkStep(write("/usr/local/bin/k0s.tmp.v1.30.0+k0s.0"))).toEqual({ allowed: true });
    expect(policy.checkStep(write("/tmp/owned-script")).allowed).toBe(false);
    expect(policy.checkStep(write("/usr/local/bin/k0s.tmp.x/../../../../tmp/owned")).allowed).toBe(false);
  });

  it("stages and installs the binary only beside an allowed install path", () => {
    const stage = (tmpPath: string) => Step.parse({ id: "s", kind: "k0s.binary.stage", host, source: { from: "url", url: "https://github.com/k0sproject/k0s/releases/download/v1.30.0+k0s.0/k0s-v1.30.0+k0s.0-amd64", fetch: "host" }, tmpPath, version: "v1.30.0+k0s.0" });
    const put = (tmpPath: string, installPath = "/usr/local/bin/k0s") => Step.parse({ id: "b", kind: "k0s.binary.install", host, tmpPath, installPath, expectVersion: "v1.30.0+k0s.0" });
    expect(policy.checkStep(stage("/usr/local/bin/k0s.tmp.v1.30.0+k0s.0"))).toEqual({ allowed: true });
    expect(policy.checkStep(stage("/etc/cron.d/x")).allowed).toBe(false);
    expect(policy.checkStep(put("/usr/local/bin/k0s.tmp.v1.30.0+k0s.0"))).toEqual({ allowed: true });
    expect(policy.checkStep(put("/tmp/evil")).allowed).toBe(false);
    expect(policy.checkStep(put("/usr/local/bin/k0s.tmp.v1", "/usr/bin/stat")).allowed).toBe(false);
    expect(policy.checkStep(Step.parse({ id: "k", kind: "kube.apply", host, ...paths, manifests: [{ kind: "ConfigMap" }] }))).toEqual({ allowed: true });
  });
});

describe("the executor applies it before connecting", () => {
  let server: Server;
  let port = 0;
  let accepted = 0;
  let state: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    state = await tempDir("keel-hostwrites-");
    ({ server, port } = await droppingServer(() => accepted++));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await state?.remove();
  });

  it("refuses cron, a relay folder expanding into cron.d, LD_PRELOAD and a foreign installPath with policy_denied and no connection", async () => {
    const roots = join(state.path, "roots");
    await mkdir(join(roots, "etc-tree", "cron.d"), { recursive: true });
    await writeFile(join(roots, "etc-tree", "cron.d", "keel"), "* * * * * root id\n");
    const { log } = recordingLog();
    const policy = new Policy({ allowedHosts: ["127.0.0.1"], uploadRoots: [roots] });
    const pool = new SshPool({ knownHosts: await KnownHosts.open(state.path), connectTimeoutMs: 2000, keepaliveMs: 5000, log });
    const executor = decodingExecutor(new Executor({ pool, policy, journal: await Journal.open(state.path), log }));
    const on = { address: "127.0.0.1", port, user: "root" };

    const cron = await executor.execute("run-f6", { id: "u1", kind: "file.upload", host: on, source: { from: "data", data: "* * * * * root id\n" }, dst: "/etc/cron.d/keel", dirPerm: "0755" });
    expect(cron.result.error?.code).toBe("policy_denied");
    const tree = await executor.execute("run-f6", { id: "u2", kind: "file.upload", host: on, source: { from: "relay", path: join(roots, "etc-tree") }, dstDir: "/etc", dirPerm: "0755" });
    expect(tree.result.error?.code).toBe("policy_denied");
    expect(tree.result.error?.message).toContain("/etc/cron.d/keel");
    const preload = await executor.execute("run-f6", { ...install({ LD_PRELOAD: "/tmp/x.so" }), host: on });
    expect(preload.result.error?.code).toBe("policy_denied");
    const foreign = await executor.execute("run-f6", { id: "f", kind: "k0s.facts", host: on, installPath: "/tmp/owned", configPath: "/etc/k0s/k0s.yaml" });
    expect(foreign.result.error?.code).toBe("policy_denied");
    expect(accepted).toBe(0);
    await pool.closeAll();
  });
});

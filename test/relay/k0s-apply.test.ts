import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { StepResult } from "../../schema/steps";
import { sh } from "../../relay/quote";
import { DEFAULT_K0S_VERSION, startHosts, writeStandin, type SimCluster, type SimHost } from "../../sim/harness";
import { tempDir } from "./helpers";
import { relayParts, targetOf } from "./sim-relay";

// Own addresses (127.0.0.44..46) inside test/relay's .41–.55.
const FIRST_OCTET = 44;
const RUN = "run-apply";
const K0S = "/usr/local/bin/k0s";
const DATA_DIR = "/var/lib/k0s";
const CONFIG = "/etc/k0s/k0s.yaml";
const NAMES = ["k-ctrl-1", "k-worker-2", "k-worker-3"];

const modeOf = async (path: string) => ((await stat(path)).mode & 0o7777).toString(8).padStart(4, "0");
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

describe("a mini apply through the executor on 3 hosts (controller+worker, 2 workers)", () => {
  let cluster: SimCluster;
  let state: Awaited<ReturnType<typeof tempDir>>;
  let roots: Awaited<ReturnType<typeof tempDir>>;
  let parts: Awaited<ReturnType<typeof relayParts>>;
  let seq = 0;

  const host = (i: number): SimHost => {
    const h = cluster.hosts[i];
    if (!h) throw new Error(`no host ${i}`);
    return h;
  };
  const onHost = (i: number, path: string) => join(host(i).root, path);
  const step = async (i: number, kind: string, fields: Record<string, unknown> = {}): Promise<StepResult> => {
    const { result } = await parts.executor.execute(RUN, { id: `${kind}-${i}-${++seq}`, kind, host: targetOf(cluster, host(i)), timeoutMs: 30_000, ...fields });
    return result;
  };
  const ok = async (i: number, kind: string, fields: Record<string, unknown> = {}): Promise<StepResult> => {
    const result = await step(i, kind, fields);
    if (!result.ok) throw new Error(`${kind} on host ${i} failed: ${JSON.stringify(result.error)} ${result.stderr}`);
    return result;
  };
  const k0sPaths = { installPath: K0S, dataDir: DATA_DIR };
  const everyHost = [0, 1, 2];
  let token = "";

  beforeAll(async () => {
    state = await tempDir("keel-relay-apply-");
    roots = await tempDir("keel-relay-roots-");
    await writeStandin(join(roots.path, "bin/k0s"));
    await mkdir(join(roots.path, "cni-plugins"), { recursive: true });
    for (const name of ["bridge", "loopback", "host-local"]) {
      await writeFile(join(roots.path, "cni-plugins", name), `#!/bin/sh\necho ${name}\n`);
      await chmod(join(roots.path, "cni-plugins", name), 0o755);
    }
    await writeFile(join(roots.path, "cni-plugins/.hidden"), "not matched by *");
    await mkdir(join(roots.path, "manifests/sub"), { recursive: true });
    await writeFile(join(roots.path, "manifests/a.yaml"), "kind: ConfigMap\n");
    await chmod(join(roots.path, "manifests/a.yaml"), 0o644);
    await writeFile(join(roots.path, "manifests/sub/b.yaml"), "kind: Secret\n");
    await chmod(join(roots.path, "manifests/sub/b.yaml"), 0o640);
    cluster = await startHosts({ count: 3, firstOctet: FIRST_OCTET, hostnames: NAMES });
    parts = await relayParts(state.path, { uploadRoots: [roots.path] });
  }, 120_000);
  afterAll(async () => {
    await parts?.pool.closeAll();
    await cluster?.stop();
    await state?.remove();
    await roots?.remove();
  });

  it("k0s.facts before: nothing installed, nothing running, no config", async () => {
    for (const i of everyHost) {
      const res = await ok(i, "k0s.facts", { installPath: K0S, configPath: CONFIG });
      expect(res.k0s).toEqual({ running: false });
      expect(JSON.parse(res.stdout)).toEqual({ running: false });
    }
  });

  it("stages the binary from a relay path over SFTP, skips it when already staged, installs and checks the version", async () => {
    const size = (await stat(join(roots.path, "bin/k0s"))).size;
    const stage = { source: { from: "relay", relayPath: join(roots.path, "bin/k0s") }, tmpPath: `${K0S}.keel-stage`, version: DEFAULT_K0S_VERSION };
    for (const i of everyHost) {
      const first = await ok(i, "k0s.binary.stage", stage);
      expect(first.transfer).toEqual({ files: 1, skipped: 0, bytes: size });
      expect(first.changed).toBe(true);
    }
    const again = await ok(0, "k0s.binary.stage", stage);
    expect(again.transfer).toEqual({ files: 1, skipped: 1, bytes: 0 });
    expect(again.changed).toBe(false);

    for (const i of everyHost) {
      // Without the leading "v": versions are compared normalized.
      const res = await ok(i, "k0s.binary.install", { tmpPath: stage.tmpPath, installPath: K0S, expectVersion: DEFAULT_K0S_VERSION.slice(1) });
      expect(res.changed).toBe(true);
      expect(await modeOf(onHost(i, K0S))).toBe("0755");
      expect(existsSync(onHost(i, stage.tmpPath))).toBe(false);
    }
    const wrong = await step(2, "k0s.binary.install", { tmpPath: stage.tmpPath, installPath: K0S, expectVersion: "v1.30.0+k0s.0" });
    expect(wrong.ok).toBe(false);
    expect(wrong.error?.message).toContain(`reports version ${DEFAULT_K0S_VERSION}, expected v1.30.0+k0s.0`);
    expect(wrong.command).toBe(`${K0S} version`);
  });

  it("file.upload: a directory, a glob, inline data and a dst; modes on the host; a re-upload sends nothing", async () => {
    const uploads = [
      { source: { from: "relay", path: join(roots.path, "manifests") }, dstDir: "/var/lib/k0s/manifests/keel", dirPerm: "0750" },
      { source: { from: "relay", path: join(roots.path, "cni-plugins/*") }, dstDir: "/opt/cni/bin", dirPerm: "0755" },
      { source: { from: "data", data: "[plugins]\n" }, dst: "/etc/k0s/containerd.d/extra.toml", perm: "0600", user: "root", group: "root", dirPerm: "0700" },
      { source: { from: "relay", path: join(roots.path, "manifests/a.yaml") }, dst: "/root/keel/renamed.yaml", perm: "0640", dirPerm: "0755" },
    ];
    const first = await Promise.all(uploads.map((u) => ok(1, "file.upload", u)));
    expect(first.map((r) => r.transfer)).toEqual([
      { files: 2, skipped: 0, bytes: 16 + 13 },
      { files: 3, skipped: 0, bytes: expect.any(Number) },
      { files: 1, skipped: 0, bytes: 10 },
      { files: 1, skipped: 0, bytes: 16 },
    ]);
    const h = (p: string) => onHost(1, p);
    expect(await readFile(h("/var/lib/k0s/manifests/keel/a.yaml"), "utf8")).toBe("kind: ConfigMap\n");
    expect(await modeOf(h("/var/lib/k0s/manifests/keel/a.yaml"))).toBe("0644");
    expect(await modeOf(h("/var/lib/k0s/manifests/keel/sub/b.yaml"))).toBe("0640");
    expect(await modeOf(h("/var/lib/k0s/manifests/keel"))).toBe("0750");
    expect(await modeOf(h("/var/lib/k0s/manifests/keel/sub"))).toBe("0750");
    expect((await readdir(h("/opt/cni/bin"))).sort()).toEqual(["bridge", "host-local", "loopback"]);
    expect(await modeOf(h("/opt/cni/bin/bridge"))).toBe("0755");
    expect(await readFile(h("/etc/k0s/containerd.d/extra.toml"), "utf8")).toBe("[plugins]\n");
    expect(await modeOf(h("/etc/k0s/containerd.d/extra.toml"))).toBe("0600");
    expect(await modeOf(h("/etc/k0s/containerd.d"))).toBe("0700");
    expect(await modeOf(h("/root/keel/renamed.yaml"))).toBe("0640");

    await chmod(h("/opt/cni/bin/loopback"), 0o600);
    const second = await Promise.all(uploads.map((u) => ok(1, "file.upload", u)));
    expect(second.map((r) => r.transfer)).toEqual([
      { files: 2, skipped: 2, bytes: 0 },
      { files: 3, skipped: 3, bytes: 0 },
      { files: 1, skipped: 1, bytes: 0 },
      { files: 1, skipped: 1, bytes: 0 },
    ]);
    // Same bytes are not sent again, but a drifted mode is put back.
    expect(await modeOf(h("/opt/cni/bin/loopback"))).toBe("0755");
    // Nothing half-written is left next to the files.
    expect((await readdir(h("/opt/cni/bin"))).filter((f) => f.includes(".keel-tmp-"))).toEqual([]);
    expect((await readdir(h("/opt/cni"))).filter((f) => f.includes(".keel-tmp-"))).toEqual([]);

    const several = await step(1, "file.upload", { source: { from: "relay", path: join(roots.path, "cni-plugins/*") }, dst: "/opt/cni/bin/one", dirPerm: "0755" });
    expect(several.ok).toBe(false);
    expect(several.error?.code).toBe("invalid_step");
    expect(several.error?.message).toContain("matches 3 files");
  });

  const clusterConfig = (address: string) => ({
    apiVersion: "k0s.k0sproject.io/v1beta1",
    kind: "ClusterConfig",
    metadata: { name: "keel-test" },
    spec: { api: { address, sans: [address] }, storage: { type: "etcd", etcd: { peerAddress: address } } },
  });

  it("k0s.config.write validates, writes 0600, reports changed, and leaves the old file when k0s rejects the new one", async () => {
    const write = { path: CONFIG, config: clusterConfig(host(0).address), validateWith: K0S };
    const first = await ok(0, "k0s.config.write", write);
    expect(first.changed).toBe(true);
    const written = await readFile(onHost(0, CONFIG), "utf8");
    expect(parse(written)).toEqual(write.config);
    expect(await modeOf(onHost(0, CONFIG))).toBe("0600");

    expect((await ok(0, "k0s.config.write", write)).changed).toBe(false);

    const bad = await step(0, "k0s.config.write", { ...write, config: { ...write.config, kind: "NotAConfig" } });
    expect(bad.ok).toBe(false);
    expect(bad.error?.code).toBe("command_failed");
    // Validated where it was staged: beside /etc/k0s, never inside it.
    expect(bad.command).toMatch(/^\/usr\/local\/bin\/k0s config validate --config \/etc\/\.keel-tmp-[0-9a-f]+\/k0s\.yaml$/);
    expect(bad.stderr).toContain("kind must be");
    expect(await readFile(onHost(0, CONFIG), "utf8")).toBe(written);
    expect((await readdir(onHost(0, "/etc/k0s"))).filter((f) => f.includes("keel-tmp"))).toEqual([]);
    // /etc is the machine's own on simulated hosts: the staging folder must be gone from it too.
    expect((await readdir("/etc")).filter((f) => f.startsWith(".keel-tmp-"))).toEqual([]);
  });

  it("installs and starts the controller+worker, waits for /readyz, and k0s.facts sees it", async () => {
    const res = await ok(0, "k0s.install", {
      role: "controller",
      ...k0sPaths,
      configPath: CONFIG,
      enableWorker: true,
      noTaints: false,
      single: false,
      kubeletExtraArgs: [`--hostname-override=${NAMES[0]}`, "--max-pods=50"],
      installFlags: ["--debug", "--labels=tier=control"],
      environment: { HTTP_PROXY: "http://proxy.lan:3128", NO_PROXY: 'localhost,"quoted"' },
      force: false,
    });
    expect(res.changed).toBe(true);
    const unit = await readFile(onHost(0, "/etc/systemd/system/k0scontroller.service"), "utf8");
    const execStart = unit.split("\n").find((l) => l.startsWith("ExecStart=")) ?? "";
    expect(execStart).toContain(" controller ");
    expect(execStart).toContain(`--config=${CONFIG}`);
    expect(execStart).toContain(`--data-dir=${DATA_DIR}`);
    expect(execStart).toContain("--enable-worker=true");
    expect(execStart).toContain(`"--kubelet-extra-args=--hostname-override=${NAMES[0]} --max-pods=50"`);
    expect(execStart).toContain("--labels=tier=control");
    expect(execStart).not.toContain("--token-file");
    const dropIn = await readFile(onHost(0, "/etc/systemd/system/k0scontroller.service.d/env.conf"), "utf8");
    expect(dropIn).toBe('[Service]\nEnvironment="HTTP_PROXY=http://proxy.lan:3128"\nEnvironment="NO_PROXY=localhost,\\"quoted\\""\n');

    await ok(0, "service.start", { service: "k0scontroller" });
    const ready = await ok(0, "k0s.wait.ready", { ...k0sPaths, for: { what: "readyz" }, timeoutMs: 20_000 });
    expect(ready.stdout.trim()).toBe("ok");
    // The service got the drop-in's environment.
    const env = await parts.pool.exec(targetOf(cluster, host(0)), sh`cat /proc/$(cat /etc/systemd/system/.keel-standin/k0scontroller.service.pid)/environ | tr '\\0' '\\n' | grep PROXY`);
    expect(env.stdout).toContain("HTTP_PROXY=http://proxy.lan:3128");

    const facts = await ok(0, "k0s.facts", { installPath: K0S, configPath: CONFIG });
    expect(facts.k0s).toEqual({
      installedVersion: DEFAULT_K0S_VERSION,
      running: true,
      role: "controller+worker",
      configSha256: sha256(await readFile(onHost(0, CONFIG))),
    });
  });

  it("k0s.token.create keeps the token on the relay only", async () => {
    const res = await ok(0, "k0s.token.create", { ...k0sPaths, role: "worker", expiry: "10m0s", saveAs: "join:worker" });
    expect(res.stdout).toBe("");
    token = (await parts.journal.getSecret(RUN, "join:worker")) ?? "";
    expect(token).toMatch(/^H4sI/);
    expect(JSON.stringify(res)).not.toContain(token);
    expect(parts.logs.lines.join("\n")).not.toContain(token);
    const journalDir = join(state.path, "journal");
    for (const f of await readdir(journalDir)) expect(await readFile(join(journalDir, f), "utf8")).not.toContain(token);
    const secretsDir = join(state.path, "secrets");
    const [secrets] = await readdir(secretsDir);
    expect(await modeOf(join(secretsDir, secrets ?? ""))).toBe("0600");
  });

  it("installs the workers with the token file, starts them, and waits until their nodes are Ready", async () => {
    for (const i of [1, 2]) {
      const install = { role: "worker", ...k0sPaths, enableWorker: false, noTaints: false, single: false, kubeletExtraArgs: [], installFlags: [], environment: {}, tokenSecret: "join:worker", force: false };
      await ok(i, "k0s.install", install);
      expect(await readFile(onHost(i, "/etc/k0s/k0stoken"), "utf8")).toBe(`${token}\n`);
      expect(await modeOf(onHost(i, "/etc/k0s/k0stoken"))).toBe("0600");
      const unit = await readFile(onHost(i, "/etc/systemd/system/k0sworker.service"), "utf8");
      expect(unit).toContain("--token-file=/etc/k0s/k0stoken");
      expect(unit).not.toContain("--config");
      await ok(i, "service.start", { service: "k0sworker" });
    }
    for (const i of [1, 2]) {
      await ok(0, "k0s.wait.ready", { ...k0sPaths, for: { what: "node", nodeName: NAMES[i] }, timeoutMs: 20_000 });
    }
    expect(parts.logs.lines.join("\n")).not.toContain(token);
  });

  it("k0s.token.invalidate removes the token in k0s and on the relay, and overwrites the joiner's token file", async () => {
    const list = () => parts.pool.exec(targetOf(cluster, host(0)), sh`${K0S} token list --data-dir=${DATA_DIR}`);
    const id = /^[a-z0-9]{6}/m.exec((await list()).stdout.split("\n")[1] ?? "")?.[0];
    expect(id).toBeTruthy();
    const res = await ok(0, "k0s.token.invalidate", { ...k0sPaths, secret: "join:worker", joiner: targetOf(cluster, host(1)) });
    expect(res.stdout).toContain(`token ${id ?? ""} deleted`);
    expect((await list()).stdout).not.toContain(id);
    expect(await parts.journal.getSecret(RUN, "join:worker")).toBeUndefined();
    expect(await readFile(onHost(1, "/etc/k0s/k0stoken"), "utf8")).toBe("# join token used and invalidated by keel\n");
    expect(await modeOf(onHost(1, "/etc/k0s/k0stoken"))).toBe("0600");
    const again = await step(0, "k0s.token.invalidate", { ...k0sPaths, secret: "join:worker" });
    expect(again.error?.code).toBe("invalid_step");
    expect(again.error?.message).toContain("join:worker is not on this relay");
  });

  it("cordon, drain and uncordon a worker through the leader", async () => {
    const node = NAMES[1] ?? "";
    const unschedulable = async () =>
      (JSON.parse((await parts.pool.exec(targetOf(cluster, host(0)), sh`${K0S} kubectl --data-dir=${DATA_DIR} get node ${node} -o json`)).stdout) as { spec: { unschedulable?: boolean } }).spec.unschedulable === true;
    const evictTaint = { key: "k0sctl.k0sproject.io/evict", value: "true", effect: "NoExecute" };
    const taintKeys = async () =>
      (JSON.parse((await parts.pool.exec(targetOf(cluster, host(0)), sh`${K0S} kubectl --data-dir=${DATA_DIR} get node ${node} -o json`)).stdout) as { spec: { taints?: { key: string }[] } }).spec.taints?.map((t) => t.key) ?? [];
    await ok(0, "kube.cordon", { ...k0sPaths, nodeName: node, evictTaint });
    expect(await unschedulable()).toBe(true);
    expect(await taintKeys()).toContain(evictTaint.key);
    const drain = await ok(0, "kube.drain", {
      ...k0sPaths,
      nodeName: node,
      gracePeriodSeconds: 120,
      timeoutSeconds: 300,
      force: true,
      ignoreDaemonSets: true,
      deleteEmptyDirData: true,
      podSelector: "app!=keep",
      skipWaitForDeleteTimeoutSeconds: 0,
    });
    expect(drain.stdout).toContain("drained");
    await ok(0, "kube.uncordon", { ...k0sPaths, nodeName: node, evictTaint });
    expect(await unschedulable()).toBe(false);
    expect(await taintKeys()).not.toContain(evictTaint.key);
    // Again (a retried uncordon): the taint is already gone, which is fine.
    await ok(0, "kube.uncordon", { ...k0sPaths, nodeName: node, evictTaint });
  });

  it("kube.apply pipes the manifests to kubectl apply -f - on the leader", async () => {
    const manifests = [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "keel-extra" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "keel-extra" }, data: { note: "--- not a document separator" } },
    ];
    const res = await ok(0, "kube.apply", { ...k0sPaths, manifests });
    expect(res.stdout).toContain("settings");
    const applied = await readdir(join(cluster.dir, "cluster-state/applied"));
    expect(applied.some((f) => f.startsWith("ConfigMap_keel-extra_settings"))).toBe(true);
    const stored = await readFile(join(cluster.dir, "cluster-state/applied", applied.find((f) => f.startsWith("ConfigMap")) ?? ""), "utf8");
    expect(stored).toContain("--- not a document separator");
  });

  it("k0s.kubeconfig.admin rewrites the server and keeps it neither in the journal nor as a secret on disk", async () => {
    // Not what k0s printed: the external address users reach (a load balancer).
    const server = "https://k0s-lb.internal:6443";
    const res = await ok(0, "k0s.kubeconfig.admin", { ...k0sPaths, server, saveAs: "kubeconfig:admin" });
    const doc = parse(res.stdout) as { clusters: { cluster: { server: string } }[] };
    expect(doc.clusters.every((c) => c.cluster.server === server)).toBe(true);
    expect(await parts.journal.getSecret(RUN, "kubeconfig:admin")).toBeUndefined();
    const secretsDir = join(state.path, "secrets");
    const secretsText = (await Promise.all((await readdir(secretsDir).catch(() => [])).map((f) => readFile(join(secretsDir, f), "utf8")))).join("");
    expect(secretsText).not.toContain(server);
    const journalText = (await Promise.all((await readdir(join(state.path, "journal"))).map((f) => readFile(join(state.path, "journal", f), "utf8")))).join("");
    expect(journalText).not.toContain(server);
    expect(parts.logs.lines.join("\n")).not.toContain("certificate-authority-data");
  });

  it("resets every host: services stopped, k0s reset, config (and binary when asked) removed", async () => {
    for (const i of [1, 2]) await ok(i, "service.stop", { service: "k0sworker" });
    // Node removal and etcd leave happen while the controller still runs.
    expect((await ok(0, "kube.node.delete", { ...k0sPaths, nodeName: NAMES[2] })).changed).toBe(true);
    expect((await ok(0, "kube.node.delete", { ...k0sPaths, nodeName: NAMES[2] })).changed).toBe(false);
    const leave = await ok(0, "k0s.etcd.leave", { ...k0sPaths, peerAddress: host(0).address });
    expect(leave.stderr).toContain("Successfully deleted");
    await ok(0, "service.stop", { service: "k0scontroller" });
    for (const i of everyHost) {
      const res = await ok(i, "k0s.reset", { ...k0sPaths, configPath: CONFIG, removeBinary: i === 2 });
      expect(res.changed).toBe(true);
      expect(existsSync(onHost(i, "/etc/systemd/system/k0scontroller.service"))).toBe(false);
      expect(existsSync(onHost(i, "/etc/systemd/system/k0sworker.service"))).toBe(false);
      expect(existsSync(onHost(i, CONFIG))).toBe(false);
    }
    expect(existsSync(onHost(2, K0S))).toBe(false);
    expect((await ok(0, "k0s.facts", { installPath: K0S, configPath: CONFIG })).k0s).toEqual({ installedVersion: DEFAULT_K0S_VERSION, running: false });
    expect((await ok(2, "k0s.facts", { installPath: K0S, configPath: CONFIG })).k0s).toEqual({ running: false });
    // Resetting a host whose binary is gone has nothing left to do.
    expect((await ok(2, "k0s.reset", { ...k0sPaths, configPath: CONFIG, removeBinary: true })).changed).toBe(false);
  });
});

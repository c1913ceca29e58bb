import { gzipSync } from "node:zlib";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { K0sStep, type K0sInstallStep, type KubeDrainStep } from "../../schema/steps-k0s";
import { Policy } from "../../relay/policy";
import { roleOf } from "../../relay/steps/k0s-facts";
import { environmentLine, installCommand } from "../../relay/steps/k0s-install";
import { rewriteServer } from "../../relay/steps/k0s-kubeconfig-admin";
import { joinTokenId } from "../../relay/steps/k0s-token-invalidate";
import { nodeIsReady } from "../../relay/steps/k0s-wait-ready";
import { manifestStream } from "../../relay/steps/kube-apply";
import { drainCommand } from "../../relay/steps/kube-drain";
import { expandRelaySource, segmentMatcher } from "../../relay/steps/relay-sources";
import { StepFailure } from "../../relay/steps/step-failure";
import { tempDir } from "./helpers";

const host = { address: "10.0.0.5", port: 22, user: "root" };

function parseStep<T>(input: Record<string, unknown>): T {
  return K0sStep.parse({ id: "s", host, ...input }) as T;
}

describe("k0s command rendering", () => {
  const base = { kind: "k0s.install", installPath: "/usr/local/bin/k0s", dataDir: "/var/lib/k0s", enableWorker: false, noTaints: false, single: false, kubeletExtraArgs: [], installFlags: [], environment: {}, force: false };

  it("install controller: keel's flags, then installFlags as separate words, all quoted", () => {
    const step = parseStep<K0sInstallStep>({
      ...base,
      role: "controller",
      configPath: "/etc/k0s/k0s.yaml",
      enableWorker: true,
      noTaints: true,
      tokenSecret: "join:controller",
      kubeletExtraArgs: ["--hostname-override=node-1", "--node-ip=10.0.0.5"],
      installFlags: ["--debug", "--labels=a=b c"],
      force: true,
    });
    expect(installCommand(step).text).toBe(
      "/usr/local/bin/k0s install controller --data-dir=/var/lib/k0s --config=/etc/k0s/k0s.yaml --enable-worker=true --no-taints=true " +
        "--token-file=/etc/k0s/k0stoken '--kubelet-extra-args=--hostname-override=node-1 --node-ip=10.0.0.5' --force=true --debug '--labels=a=b c'",
    );
  });

  it("install worker never gets --config", () => {
    const step = parseStep<K0sInstallStep>({ ...base, role: "worker", dataDir: "/data/k0s dir", tokenSecret: "join:worker" });
    expect(installCommand(step).text).toBe("/usr/local/bin/k0s install worker --data-dir='/data/k0s dir' --token-file=/etc/k0s/k0stoken");
  });

  it("systemd Environment= lines escape quotes, backslashes and % specifiers", () => {
    expect(environmentLine("NO_PROXY", 'a,"b"\\c 50%')).toBe('Environment="NO_PROXY=a,\\"b\\"\\\\c 50%%"');
  });

  it("drain renders spec.options.drain as kubectl flags", () => {
    const step = parseStep<KubeDrainStep>({
      kind: "kube.drain",
      installPath: "/usr/local/bin/k0s",
      dataDir: "/var/lib/k0s",
      nodeName: "worker-1",
      gracePeriodSeconds: 120,
      timeoutSeconds: 300,
      force: true,
      ignoreDaemonSets: true,
      deleteEmptyDirData: true,
      podSelector: "app!=db",
      skipWaitForDeleteTimeoutSeconds: 0,
    });
    expect(drainCommand(step).text).toBe(
      "/usr/local/bin/k0s kubectl --data-dir=/var/lib/k0s drain --force --grace-period=120 --timeout=300s --delete-emptydir-data --ignore-daemonsets '--pod-selector=app!=db' worker-1",
    );
    const minimal = { ...step, force: false, gracePeriodSeconds: -1, timeoutSeconds: 0, ignoreDaemonSets: false, deleteEmptyDirData: false, podSelector: "" };
    expect(drainCommand(minimal).text).toBe("/usr/local/bin/k0s kubectl --data-dir=/var/lib/k0s drain --timeout=0s worker-1");
  });
});

describe("parsing what k0s prints", () => {
  it("maps k0s status to k0sctl role names", () => {
    expect(roleOf({ Role: "controller", Workloads: false, SingleNode: false })).toBe("controller");
    expect(roleOf({ Role: "controller", Workloads: true, SingleNode: false })).toBe("controller+worker");
    expect(roleOf({ Role: "controller+worker", Workloads: true })).toBe("controller+worker");
    expect(roleOf({ Role: "controller", Workloads: true, SingleNode: true })).toBe("single");
    expect(roleOf({ Role: "worker", Workloads: true })).toBe("worker");
  });

  it("reads the token id out of a join token, and refuses anything else", () => {
    const kubeconfig = "apiVersion: v1\nkind: Config\nusers:\n- name: kubelet-bootstrap\n  user:\n    token: abc123.0123456789abcdef\n";
    expect(joinTokenId(gzipSync(kubeconfig).toString("base64"))).toBe("abc123");
    expect(joinTokenId("not a token")).toBeUndefined();
    expect(joinTokenId(gzipSync("users: []").toString("base64"))).toBeUndefined();
  });

  it("rewrites every cluster's server in a kubeconfig", () => {
    const text = "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: AAA\n    server: https://localhost:6443\n  name: local\nkind: Config\n";
    const out = rewriteServer(text, "https://10.0.0.5:6443") ?? "";
    expect(out).toContain("server: https://10.0.0.5:6443");
    expect(out).toContain("certificate-authority-data: AAA");
    expect(rewriteServer("just: text", "https://x:6443")).toBeUndefined();
  });

  it("node readiness comes from the Ready condition", () => {
    expect(nodeIsReady(JSON.stringify({ status: { conditions: [{ type: "Ready", status: "True" }] } }))).toBe(true);
    expect(nodeIsReady(JSON.stringify({ status: { conditions: [{ type: "Ready", status: "Unknown" }] } }))).toBe(false);
    expect(nodeIsReady("not json")).toBe(false);
  });

  it("manifests become one multi-document YAML stream", () => {
    const text = manifestStream([{ kind: "Namespace", metadata: { name: "a" } }, { kind: "ConfigMap", data: { k: "--- not a separator" } }]);
    expect(parseAllDocuments(text).map((d) => d.toJS() as unknown)).toEqual([
      { kind: "Namespace", metadata: { name: "a" } },
      { kind: "ConfigMap", data: { k: "--- not a separator" } },
    ]);
  });
});

describe("relay-side sources inside upload roots", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let policy: Policy;
  const root = () => join(dir.path, "root");

  beforeAll(async () => {
    dir = await tempDir("keel-sources-");
    await mkdir(join(root(), "cni/sub"), { recursive: true });
    await mkdir(join(dir.path, "outside"), { recursive: true });
    for (const f of ["cni/bridge", "cni/loopback", "cni/.hidden", "cni/sub/deep", "file.txt"]) await writeFile(join(root(), f), f);
    await writeFile(join(dir.path, "outside/secret"), "secret");
    await mkdir(join(root(), "leaky"), { recursive: true });
    await writeFile(join(root(), "leaky/fine"), "fine");
    await symlink(join(dir.path, "outside/secret"), join(root(), "leaky/escape"));
    await symlink(join(root(), "file.txt"), join(root(), "cni/inside-link"));
    policy = new Policy({ allowedHosts: ["127.0.0.1"], uploadRoots: [root()] });
  });
  afterAll(() => dir.remove());

  const rels = async (path: string) => (await expandRelaySource(policy, path)).files.map((f) => f.rel);
  const code = async (path: string) => {
    try {
      await expandRelaySource(policy, path);
      return "ok";
    } catch (err) {
      return err instanceof StepFailure ? err.outcome.error?.code : String(err);
    }
  };

  it("globs * and ? in the last segments, without dotfiles or directories", async () => {
    expect(segmentMatcher("*").test(".hidden")).toBe(false);
    expect(await rels(join(root(), "cni/*"))).toEqual(["bridge", "inside-link", "loopback"]);
    expect(await rels(join(root(), "cni/l??pback"))).toEqual(["loopback"]);
    expect(await rels(join(root(), "c*/s*/*"))).toEqual(["cni/sub/deep"]);
    expect(await rels(join(root(), "cni/*.none"))).toEqual([]);
  });

  it("walks a directory recursively, keeping relative paths", async () => {
    expect(await rels(join(root(), "cni"))).toEqual([".hidden", "bridge", "inside-link", "loopback", "sub/deep"]);
    expect(await rels(join(root(), "file.txt"))).toEqual(["file.txt"]);
  });

  it("refuses paths outside the roots and symlinks that escape them", async () => {
    expect(await code(join(dir.path, "outside/secret"))).toBe("policy_denied");
    expect(await code(join(root(), "../outside/secret"))).toBe("policy_denied");
    expect(await code(join(root(), "leaky/escape"))).toBe("policy_denied");
    expect(await code(join(root(), "leaky"))).toBe("policy_denied");
    expect(await code(join(root(), "leaky/*"))).toBe("policy_denied");
    expect(await code(join(dir.path, "*/secret"))).toBe("policy_denied");
    expect(await code("relative/path")).toBe("invalid_step");
  });
});

import { describe, expect, it } from "vitest";
import { k0sConfigFor } from "../../worker/planner/k0s-config";
import { installArgs, splitShellWords } from "../../worker/planner/install-flags";
import { host, hostAt, spec } from "./fixtures";

describe("k0s config generation", () => {
  const c11 = { address: "10.0.0.11", privateAddress: "192.168.0.11", reset: false };
  const c12 = { address: "10.0.0.12", privateAddress: "192.168.0.12", reset: false };
  const c13 = { address: "10.0.0.13", privateAddress: "192.168.0.13", reset: true };
  const controllers = [c11, c12, c13];

  it("adds every staying controller's addresses and the external address to the sans, keeping the user's first", () => {
    const s = spec([host(11, "controller"), host(12, "controller")], {
      config: { spec: { api: { externalAddress: "10.0.0.20", sans: ["lb.example.com", "10.0.0.11"] } } },
    });
    const cfg = k0sConfigFor(s, c11, controllers);
    expect(cfg).toMatchObject({
      apiVersion: "k0s.k0sproject.io/v1beta1",
      kind: "ClusterConfig",
      spec: { api: { sans: ["lb.example.com", "10.0.0.11", "192.168.0.11", "10.0.0.12", "192.168.0.12", "10.0.0.20"], port: 6443, k0sApiPort: 9443 } },
    });
  });

  it("sets etcd's peer address per host to its private address, replacing a copied one (seed 2.1 copies 10.0.0.11)", () => {
    const s = spec([host(11, "controller"), host(12, "controller")]);
    const first = k0sConfigFor(s, c11, controllers);
    const second = k0sConfigFor(s, c12, controllers);
    expect(first).toMatchObject({ spec: { storage: { type: "etcd", etcd: { peerAddress: "192.168.0.11" } } } });
    expect(second).toMatchObject({ spec: { storage: { type: "etcd", etcd: { peerAddress: "192.168.0.12" } } } });
  });

  it("defaults api ports and storage for a spec without config, and leaves api.address to k0s", () => {
    const s = spec([host(11, "controller")], { config: undefined });
    const cfg = k0sConfigFor(s, c11, [c11]);
    expect(cfg).toEqual({
      apiVersion: "k0s.k0sproject.io/v1beta1",
      kind: "ClusterConfig",
      metadata: { name: "k0s" },
      spec: { api: { port: 6443, k0sApiPort: 9443, sans: ["10.0.0.11", "192.168.0.11"] }, storage: { type: "etcd", etcd: { peerAddress: "192.168.0.11" } } },
    });
  });

  it("keeps kine storage and unknown fields as given, and does not touch the spec", () => {
    const s = spec([host(11, "controller")], {
      config: { spec: { storage: { type: "kine", kine: { dataSource: "sqlite:///var/lib/k0s/db/state.db" } }, telemetry: { enabled: false }, futureField: { x: 1 } } },
    });
    const cfg = k0sConfigFor(s, c11, [c11]);
    expect(cfg).toMatchObject({ spec: { storage: { type: "kine", kine: { dataSource: "sqlite:///var/lib/k0s/db/state.db" } }, telemetry: { enabled: false }, futureField: { x: 1 } } });
    expect(JSON.stringify(cfg)).not.toContain("peerAddress");
    expect(s.spec.k0s.config?.spec?.api?.sans).toBeUndefined();
  });
});

describe("install flags", () => {
  it("splits installFlags like a shell and passes them through in order", () => {
    expect(splitShellWords(`--debug --labels="a=b,c=d" 'x y' z\\ w`)).toEqual(["--debug", "--labels=a=b,c=d", "x y", "z w"]);
    expect(splitShellWords(`--a="b`)).toBeNull();
    const s = spec([host(11, "worker", { installFlags: ["--debug", "--labels=role=edge --taints=a=b:NoSchedule"] }), host(12, "controller")]);
    expect(installArgs(hostAt(s, 0), 0)).toMatchObject({ ok: true, args: { installFlags: ["--debug", "--labels=role=edge", "--taints=a=b:NoSchedule"], kubeletExtraArgs: [] } });
  });

  it("turns hostname into the kubelet's --hostname-override, merged with user kubelet args", () => {
    const s = spec([host(11, "controller+worker", { hostname: "Node-1", installFlags: [`--kubelet-extra-args="--node-ip=192.168.0.11 --max-pods=50"`] })]);
    expect(installArgs(hostAt(s, 0), 0)).toMatchObject({ ok: true, args: { installFlags: [], kubeletExtraArgs: ["--node-ip=192.168.0.11", "--max-pods=50", "--hostname-override=node-1"] } });
  });

  it("derives --enable-worker, --no-taints and --single from role and noTaints", () => {
    const s = spec([host(11, "controller+worker", { noTaints: true }), host(12, "controller")]);
    expect(installArgs(hostAt(s, 0), 0)).toMatchObject({ ok: true, args: { enableWorker: true, noTaints: true, single: false } });
    expect(installArgs(hostAt(s, 1), 1)).toMatchObject({ ok: true, args: { enableWorker: false, noTaints: false, single: false } });
    expect(installArgs(hostAt(spec([host(11, "single")]), 0), 0)).toMatchObject({ ok: true, args: { enableWorker: false, single: true } });
  });

  it("drops role flags that repeat the role and refuses those that contradict it or that keel owns", () => {
    const s = spec([host(11, "controller+worker", { installFlags: ["--enable-worker", "--single"] }), host(12, "controller", { installFlags: ["--token-file=/x", "--config /y"] })]);
    expect(installArgs(hostAt(s, 0), 0)).toEqual({ ok: false, issues: [{ path: "spec.hosts[0].installFlags[1]", message: expect.stringContaining("contradicts role controller+worker") }] });
    const owned = installArgs(hostAt(s, 1), 1);
    expect(owned.ok === false && owned.issues.map((i) => i.path)).toEqual(["spec.hosts[1].installFlags[0]", "spec.hosts[1].installFlags[1]"]);
  });

  it("takes --data-dir from installFlags when dataDir is the default", () => {
    const s = spec([host(11, "controller", { installFlags: ["--data-dir=/srv/k0s"] }), host(12, "controller", { dataDir: "/data", installFlags: ["--data-dir=/srv/k0s"] })]);
    expect(installArgs(hostAt(s, 0), 0)).toMatchObject({ ok: true, args: { dataDir: "/srv/k0s", installFlags: [] } });
    expect(installArgs(hostAt(s, 1), 1).ok).toBe(false);
  });
});

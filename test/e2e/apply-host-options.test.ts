import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startE2e, type E2eEnv } from "./support";

// The host and cluster options the seed article lists in 2.7 and 5.3 must reach
// k0s the way k0s expects them; checked on the hosts after a real apply.
const SPEC = `apiVersion: k0sctl.k0sproject.io/v1beta1
kind: Cluster
metadata:
  name: options
spec:
  hosts:
  - ssh: {address: 127.0.0.11, keyPath: "\${KEEL_SIM_DIR}/id_ed25519"}
    role: controller+worker
    noTaints: true
    hostname: Node-A
    installFlags:
    - --labels=team=platform
    environment:
      HTTP_PROXY: http://proxy.internal:3128
    k0sDownloadURL: "\${KEEL_K0S_URL}/k0s-%v-%p"
    files:
    - name: containerd-config
      data: |
        version = 2
        [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
          endpoint = ["https://mirror.internal"]
      dst: /etc/k0s/containerd.toml
      perm: "0644"
  - ssh: {address: 127.0.0.12, keyPath: "\${KEEL_SIM_DIR}/id_ed25519"}
    role: worker
    k0sDownloadURL: "\${KEEL_K0S_URL}/k0s-%v-%p"
  k0s:
    version: v1.21.2+k0s.1
    config:
      apiVersion: k0s.k0sproject.io/v1beta1
      kind: ClusterConfig
      spec:
        api:
          extraArgs:
            audit-log-maxage: "30"
        controllerManager:
          extraArgs:
            node-monitor-period: 5s
        scheduler:
          extraArgs:
            bind-address: 0.0.0.0
        workerProfiles:
        - name: custom-pods
          values:
            maxPods: 200
        extensions:
          helm:
            repositories:
            - name: prometheus-community
              url: https://prometheus-community.github.io/helm-charts
            charts:
            - name: prometheus-stack
              chartname: prometheus-community/prometheus
              version: "14.6.1"
              namespace: default
        telemetry:
          enabled: false
`;

describe("apply: host options and ClusterConfig fields reach k0s", () => {
  let env: E2eEnv;
  beforeAll(async () => {
    env = await startE2e({ count: 2, hostnames: ["ignored-a", "k2"], firstOctet: 171 });
    const run = await env.apply(await env.spec(SPEC));
    expect(run.status, run.error ?? "").toBe("succeeded");
  });
  afterAll(async () => {
    await env?.stop();
  });
  const root = (i: number, path: string) => join(env.hosts.hosts[i]?.root ?? "/nonexistent", path);

  it("passes hostname, noTaints and installFlags to `k0s install`, environment as a drop-in", async () => {
    const unit = await readFile(root(0, "etc/systemd/system/k0scontroller.service"), "utf8");
    const exec = unit.split("\n").find((l) => l.startsWith("ExecStart=")) ?? "";
    expect(exec).toContain("--enable-worker=true");
    expect(exec).toContain("--no-taints=true");
    expect(exec).toContain("--labels=team=platform");
    expect(exec).toContain("--hostname-override=node-a"); // lowercased, as k0sctl does
    expect(exec).toContain("--config=/etc/k0s/k0s.yaml");
    const dropIns = await env.ssh(0, "cat /etc/systemd/system/k0scontroller.service.d/*.conf");
    expect(dropIns.stdout).toContain("HTTP_PROXY=http://proxy.internal:3128");

    const nodes = JSON.parse((await env.ssh(0, "k0s kubectl get nodes -o json")).stdout) as {
      items: { metadata: { name: string }; spec: { taints?: unknown[] } }[];
    };
    const a = nodes.items.find((n) => n.metadata.name === "node-a");
    expect(a).toBeDefined();
    expect(a?.spec.taints ?? []).toEqual([]);
    const worker = await readFile(root(1, "etc/systemd/system/k0sworker.service"), "utf8");
    expect(worker).not.toContain("--config"); // `k0s install worker` has no --config
  });

  it("writes extraArgs, workerProfiles, Helm extensions and telemetry into k0s.yaml", async () => {
    const cfg = await readFile(root(0, "etc/k0s/k0s.yaml"), "utf8");
    expect(cfg).toContain("audit-log-maxage");
    expect(cfg).toContain("node-monitor-period: 5s");
    expect(cfg).toContain("bind-address: 0.0.0.0");
    expect(cfg).toContain("custom-pods");
    expect(cfg).toContain("maxPods: 200");
    expect(cfg).toContain("chartname: prometheus-community/prometheus");
    expect(cfg).toMatch(/telemetry:\s+enabled: false/);
    expect(cfg).toContain(env.ip(11)); // sans
  });

  it("uploads the containerd config where k0s's containerd reads it", async () => {
    expect(await readFile(root(0, "etc/k0s/containerd.toml"), "utf8")).toContain('endpoint = ["https://mirror.internal"]');
  });
});

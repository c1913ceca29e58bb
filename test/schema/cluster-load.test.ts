import { describe, expect, it } from "vitest";
import { goDurationMs, hostAddress, hostKey, isController, isWorker } from "../../schema/cluster";
import { loadClusterYaml, validateClusterObject, type LoadResult } from "../../schema/cluster-load";

const HEAD = "apiVersion: k0sctl.k0sproject.io/v1beta1\nkind: Cluster\n";

function ok(result: LoadResult) {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result;
}

describe("loadClusterYaml", () => {
  it("fills in k0sctl's defaults", () => {
    const { spec } = ok(loadClusterYaml(`${HEAD}spec:\n  hosts:\n  - role: controller\n    ssh: {address: 10.0.0.1}\n`));
    expect(spec.metadata).toEqual({ name: "k0s-cluster", user: "admin" });
    const host = spec.spec.hosts[0];
    expect(host?.ssh).toEqual({ address: "10.0.0.1", user: "root", port: 22 });
    expect(host).toMatchObject({ dataDir: "/var/lib/k0s", k0sInstallPath: "/usr/local/bin/k0s", reset: false, uploadBinary: false, installFlags: [], files: [], environment: {} });
    expect(spec.spec.k0s).toEqual({ versionChannel: "stable", dynamicConfig: false });
    expect(spec.spec.options).toEqual({
      wait: { enabled: true },
      drain: { enabled: true, gracePeriod: "120s", timeout: "300s", force: true, ignoreDaemonSets: true, deleteEmptyDirData: true, podSelector: "", skipWaitForDeleteTimeout: "0s" },
      evictTaint: { enabled: false, taint: "k0sctl.k0sproject.io/evict=true", effect: "NoExecute", controllerWorkers: false },
      concurrency: { limit: 30, workerDisruptionPercent: 10, uploads: 5 },
    });
    expect(spec.spec.manifests).toEqual([]);
  });

  it("treats empty fields (null) as absent, like Go's decoder", () => {
    const { spec } = ok(loadClusterYaml(`${HEAD}metadata:\nspec:\n  hosts:\n  - role: single\n    ssh: {address: 10.0.0.1, keyPath: }\n    files:\n    hooks:\n  k0s:\n  options:\n    drain:\n`));
    expect(spec.metadata.name).toBe("k0s-cluster");
    expect(spec.spec.hosts[0]?.files).toEqual([]);
    expect(spec.spec.hosts[0]?.ssh?.keyPath).toBeUndefined();
    expect(spec.spec.options.drain.gracePeriod).toBe("120s");
  });

  it("accepts kind: cluster, localhost and openSSH hosts, and both forms of localhost", () => {
    const text = `apiVersion: k0sctl.k0sproject.io/v1beta1\nkind: cluster\nspec:\n  hosts:\n  - role: controller\n    localhost: {enabled: true}\n  - role: worker\n    openSSH: {address: node2, configPath: /etc/ssh/cfg}\n`;
    const { spec } = ok(loadClusterYaml(text));
    expect(spec.kind).toBe("cluster");
    expect(spec.spec.hosts.map(hostKey)).toEqual(["localhost", "node2:22"]);
    expect(spec.spec.hosts[0]?.localhost).toBe(true);
    expect(ok(loadClusterYaml(text.replace("{enabled: true}", "true"))).spec.spec.hosts[0]?.localhost).toBe(true);
  });

  it("reads every spelling of rwxr-xr-x as 0755", () => {
    const perms = ["0755", '"0755"', '"755"', "493", "0o755"];
    const files = perms.map((p, i) => `    - {src: /f${i}, dstDir: /d, perm: ${p}}\n`).join("");
    const result = loadClusterYaml(`${HEAD}spec:\n  hosts:\n  - role: single\n    ssh: {address: 10.0.0.1}\n    files:\n${files}`);
    // 0o755 is not YAML 1.1 octal: it stays the string "0o755", which is not a mode.
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toEqual(["spec.hosts[0].files[4].perm"]);
    const good = files.split("\n").slice(0, 4).join("\n") + "\n";
    const { spec } = ok(loadClusterYaml(`${HEAD}spec:\n  hosts:\n  - role: single\n    ssh: {address: 10.0.0.1}\n    files:\n${good}`));
    expect(spec.spec.hosts[0]?.files.map((f) => f.perm)).toEqual(["0755", "0755", "0755", "0755"]);
  });

  it("takes YAML 1.1 scalars like k0sctl's decoder, and string fields as written", () => {
    // Go's yaml.v2 fills a string field (environment is map[string]string in host.go) with the scalar's text.
    const text = `${HEAD}metadata: {name: c1}\nspec:\n  hosts:\n  - role: controller+worker\n    noTaints: yes\n    ssh: {address: 10.0.0.1}\n    environment: {PORT: 8080, DEBUG: on, SINCE: 2021-08-23, AT: 1:20, MODE: 0755, RATIO: 1.10, N: x}\n`;
    const { spec } = ok(loadClusterYaml(text));
    expect(spec.spec.hosts[0]?.noTaints).toBe(true);
    expect(spec.spec.hosts[0]?.environment).toEqual({ PORT: "8080", DEBUG: "on", SINCE: "2021-08-23", AT: "1:20", MODE: "0755", RATIO: "1.10", N: "x" });
  });

  it("lowercases hostname and warns when it is a domain name", () => {
    const result = ok(loadClusterYaml(`${HEAD}spec:\n  hosts:\n  - role: single\n    hostname: K1.Node\n    ssh: {address: 10.0.0.1}\n  k0s: {version: 1.21.2+k0s.1}\n`));
    expect(result.spec.spec.hosts[0]?.hostname).toBe("k1.node");
    expect(result.warnings).toEqual([{ path: "spec.hosts[0].hostname", message: expect.stringMatching(/domain name/) }]);
  });

  it("keeps hooks, installFlags and unknown ClusterConfig fields as given", () => {
    const text = `${HEAD}spec:
  hosts:
  - role: controller
    ssh: {address: 10.0.0.1, bastion: {address: jump.example.com, user: ops, keyPath: /k}}
    installFlags: ['--debug', '--kubelet-extra-args="--node-ip=10.0.0.1"']
    hooks:
      apply: {before: ["echo 'hi' > /tmp/x"], after: [date]}
      connect: {after: [uptime]}
  k0s:
    version: 1.27.4+k0s.0
    config:
      spec:
        api: {sans: [lb.example.com], extraArgs: {v: 2}}
        konnectivity: {agentPort: 8132}
        extensions: {helm: {charts: [{name: x, chartname: repo/x, values: "a: 1\\n", namespace: default}]}}
`;
    const { spec } = ok(loadClusterYaml(text));
    const host = spec.spec.hosts[0];
    expect(host?.ssh?.bastion).toEqual({ address: "jump.example.com", user: "ops", port: 22, keyPath: "/k" });
    expect(host?.installFlags).toEqual(["--debug", '--kubelet-extra-args="--node-ip=10.0.0.1"']);
    expect(host?.hooks).toEqual({ apply: { before: ["echo 'hi' > /tmp/x"], after: ["date"] }, connect: { after: ["uptime"] } });
    const config = spec.spec.k0s.config?.spec;
    expect(config?.konnectivity).toEqual({ agentPort: 8132 });
    expect(config?.api).toEqual({ sans: ["lb.example.com"], extraArgs: { v: "2" }, port: 6443, k0sApiPort: 9443 });
    expect(config?.extensions?.helm?.charts?.[0]?.chartname).toBe("repo/x");
  });

  it("substitutes variables before parsing", () => {
    const text = `${HEAD}metadata:\n  name: \${NAME:-dev}\nspec:\n  hosts:\n  - role: single\n    ssh:\n      address: $ADDR\n      keyPath: \${HOME}/.ssh/id\n      user: \${SSH_USER}\n    environment: {PRICE: "$$5", EMPTY: "$UNSET"}\n`;
    const { spec } = ok(loadClusterYaml(text, { ADDR: "10.1.1.1", HOME: "/home/me", SSH_USER: "ops" }));
    expect(spec.metadata.name).toBe("dev");
    expect(spec.spec.hosts[0]?.ssh).toMatchObject({ address: "10.1.1.1", keyPath: "/home/me/.ssh/id", user: "ops" });
    expect(spec.spec.hosts[0]?.environment).toEqual({ PRICE: "$5", EMPTY: "" });
  });

  it("reports an unset variable through the field it empties", () => {
    const result = loadClusterYaml(`${HEAD}spec:\n  hosts:\n  - role: single\n    ssh:\n      address: "$ADDR"\n`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.path).toBe("spec.hosts[0].ssh.address");
  });

  it("merges ClusterConfig documents into spec.k0s.config and keeps other documents as manifests", () => {
    const text = `${HEAD}spec:
  hosts:
  - role: single
    ssh: {address: 10.0.0.1}
  k0s:
    version: v1.30.1+k0s.0
    config:
      spec:
        api: {sans: [a.example.com]}
        network: {provider: calico, podCIDR: 10.244.0.0/16}
---
apiVersion: k0s.k0sproject.io/v1beta1
kind: ClusterConfig
spec:
  network: {provider: kuberouter}
  telemetry: {enabled: false}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
`;
    const { spec } = ok(loadClusterYaml(text));
    expect(spec.spec.k0s.config).toEqual({
      apiVersion: "k0s.k0sproject.io/v1beta1",
      kind: "ClusterConfig",
      spec: {
        api: { sans: ["a.example.com"], port: 6443, k0sApiPort: 9443 },
        network: { provider: "kuberouter", podCIDR: "10.244.0.0/16" },
        telemetry: { enabled: false },
      },
    });
    expect(spec.spec.manifests).toEqual([{ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } }]);
  });

  it("combines several texts like repeated -c, in order", () => {
    const cluster = `${HEAD}spec:\n  hosts:\n  - role: single\n    ssh: {address: 10.0.0.1}\n`;
    const config = "apiVersion: k0s.k0sproject.io/v1beta1\nkind: Cluster\nspec:\n  storage: {type: kine}\n";
    const later = "apiVersion: k0s.k0sproject.io/v1beta1\nkind: ClusterConfig\nspec:\n  storage: {kine: {dataSource: 'mysql://db'}}\n";
    const { spec } = ok(loadClusterYaml([config, cluster, later]));
    expect(spec.spec.k0s.config?.spec?.storage).toEqual({ type: "kine", kine: { dataSource: "mysql://db" } });
  });

  it("rejects two k0sctl Cluster documents, and documents without apiVersion/kind", () => {
    const cluster = `${HEAD}spec:\n  hosts:\n  - role: single\n    ssh: {address: 10.0.0.1}\n`;
    const two = loadClusterYaml([cluster, cluster]);
    expect(two.ok).toBe(false);
    if (!two.ok) expect(two.errors[0]).toEqual({ path: "(file 2, document 1)", message: expect.stringMatching(/second k0sctl Cluster/) });
    const stray = loadClusterYaml(`${cluster}---\nfoo: bar\n`);
    expect(stray.ok).toBe(false);
    if (!stray.ok) expect(stray.errors[0]).toEqual({ path: "(document 2)", message: "has no apiVersion and kind" });
  });

  it("resolves anchors, aliases and merge keys", () => {
    const text = `${HEAD}x-ssh: &ssh {user: ops, port: 2222, keyPath: /k}
spec:
  hosts:
  - role: controller
    ssh: {<<: *ssh, address: 10.0.0.1}
  - role: worker
    ssh:
      <<: *ssh
      address: 10.0.0.2
    files: &files
    - {src: /a, dstDir: /b}
  - role: worker
    ssh: {<<: *ssh, address: 10.0.0.3}
    files: *files
`;
    // x-ssh is not a k0sctl field: k0sctl rejects it, and so does keel.
    const strict = loadClusterYaml(text);
    expect(strict.ok).toBe(false);
    if (!strict.ok) expect(strict.errors).toEqual([{ path: "x-ssh", message: "unknown field" }]);
    const withoutHelper = text.replace("x-ssh: &ssh {user: ops, port: 2222, keyPath: /k}\n", "").replace("ssh: {<<: *ssh, address: 10.0.0.1}", "ssh: &ssh {user: ops, port: 2222, keyPath: /k, address: 10.0.0.1}");
    const { spec } = ok(loadClusterYaml(withoutHelper));
    expect(spec.spec.hosts.map(hostKey)).toEqual(["10.0.0.1:2222", "10.0.0.2:2222", "10.0.0.3:2222"]);
    expect(spec.spec.hosts[2]?.files).toEqual([{ src: "/a", dstDir: "/b", dirPerm: "0755" }]);
  });

  it("warns about an even number of etcd controllers and a load balancer missing from sans", () => {
    const text = `${HEAD}spec:\n  hosts:\n  - {role: controller, ssh: {address: 10.0.0.1}}\n  - {role: controller, ssh: {address: 10.0.0.2}}\n  k0s:\n    version: 1.21.2+k0s.1\n    config: {spec: {api: {externalAddress: lb.example.com}}}\n`;
    const { warnings } = ok(loadClusterYaml(text));
    expect(warnings.map((w) => w.path)).toEqual(["spec.hosts", "spec.k0s.config.spec.api.sans"]);
  });
});

describe("validateClusterObject", () => {
  it("validates a JSON body the same way", () => {
    const body = JSON.parse(
      '{"apiVersion":"k0sctl.k0sproject.io/v1beta1","kind":"Cluster","spec":{"hosts":[{"role":"single","ssh":{"address":"10.0.0.1"},"files":[{"data":"x","dst":"/etc/x","perm":420}]}],"k0s":{"version":"1.21.2+k0s.1"}}}',
    );
    const { spec, warnings } = ok(validateClusterObject(body));
    expect(spec.spec.hosts[0]?.files[0]?.perm).toBe("0644");
    expect(warnings).toEqual([]);
  });

  it("rejects non-objects", () => {
    for (const value of [null, 42, "k0sctl", [1, 2]]) {
      const result = validateClusterObject(value);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors[0]?.path).toBe("(root)");
    }
  });
});

describe("helpers", () => {
  it("tell roles apart", () => {
    const roles = ["controller", "controller+worker", "single", "worker"] as const;
    expect(roles.map((role) => isController({ role }))).toEqual([true, true, true, false]);
    expect(roles.map((role) => isWorker({ role }))).toEqual([false, true, true, true]);
  });

  it("name hosts by address", () => {
    expect(hostAddress({ ssh: { address: "10.0.0.1", user: "root", port: 22 } })).toBe("10.0.0.1");
    expect(hostKey({ openSSH: { address: "h", port: 2200 } })).toBe("h:2200");
  });

  it("convert Go durations", () => {
    expect(goDurationMs("120s")).toBe(120_000);
    expect(goDurationMs("2m0s")).toBe(120_000);
    expect(goDurationMs("1h30m")).toBe(5_400_000);
    expect(goDurationMs("0")).toBe(0);
  });
});

import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { displayK0sVersion, hostKey, isController } from "../../schema/cluster";
import { loadClusterYaml } from "../../schema/cluster-load";

const EXAMPLES = join(import.meta.dirname, "../../examples");

// What each seed example must come out as: roles in host order, addresses' last octet.
const EXPECTED: Record<string, { roles: string[]; lastOctets: number[] }> = {
  "seed-2.1-basic.yaml": { roles: ["controller+worker", "controller+worker", "controller+worker", "worker", "worker"], lastOctets: [11, 12, 13, 14, 15] },
  "seed-2.3-image-bundle.yaml": { roles: ["controller+worker"], lastOctets: [11] },
  "seed-2.4-flannel-cni.yaml": { roles: ["controller+worker"], lastOctets: [11] },
  "seed-2.5-upload-binary.yaml": { roles: ["controller+worker"], lastOctets: [11] },
  "seed-2.6-images.yaml": { roles: ["controller+worker"], lastOctets: [11] },
  "seed-3.2-ha-offline.yaml": { roles: ["controller+worker", "controller+worker", "controller+worker", "worker", "worker"], lastOctets: [11, 12, 13, 14, 15] },
  "seed-5.1-kine.yaml": { roles: ["single"], lastOctets: [11] },
  "seed-5.1-kine-inline.yaml": { roles: ["controller", "worker"], lastOctets: [11, 12] },
};

function load(dir: string, file: string, env: Record<string, string> = {}) {
  const result = loadClusterYaml(readFileSync(join(dir, file), "utf8"), env);
  if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.errors)}`);
  return result;
}

describe("seed examples", () => {
  it("has every example and a local variant of each", () => {
    const names = readdirSync(EXAMPLES).filter((f) => f.endsWith(".yaml")).sort();
    expect(names).toEqual(Object.keys(EXPECTED).sort());
    expect(readdirSync(join(EXAMPLES, "local")).sort()).toEqual(names);
  });

  for (const [file, want] of Object.entries(EXPECTED)) {
    it(`accepts ${file} with its hosts, roles and version`, () => {
      const { spec, warnings } = load(EXAMPLES, file);
      expect(spec.metadata.name).toBe("k0s-cluster");
      expect(spec.spec.hosts.map((h) => h.role)).toEqual(want.roles);
      expect(spec.spec.hosts.map(hostKey)).toEqual(want.lastOctets.map((n) => `10.0.0.${n}:22`));
      expect(spec.spec.hosts.every((h) => h.ssh?.user === "root" && h.ssh.keyPath === "/Users/bleem/.ssh/id_rsa")).toBe(true);
      expect(spec.spec.k0s.version).toBe("1.21.2+k0s.1");
      expect(displayK0sVersion(spec.spec.k0s.version ?? "")).toBe("v1.21.2+k0s.1");
      expect(spec.spec.hosts.some(isController)).toBe(true);
      expect(warnings).toEqual([]);
    });

    it(`accepts local/${file} on 127.0.0.11-15 with paths under KEEL_SIM_DIR`, () => {
      const { spec } = load(join(EXAMPLES, "local"), file, { KEEL_SIM_DIR: "/srv/sim" });
      expect(spec.spec.hosts.map(hostKey)).toEqual(want.lastOctets.map((n) => `127.0.0.${n}:22`));
      for (const host of spec.spec.hosts) {
        expect(host.ssh?.keyPath).toBe("/srv/sim/id_ed25519");
        if (host.k0sBinaryPath !== undefined) expect(host.k0sBinaryPath).toBe("/srv/sim/files/k0s");
        for (const f of host.files) expect(f.src).toMatch(/^\/srv\/sim\/files\//);
      }
      const text = readFileSync(join(EXAMPLES, "local", file), "utf8");
      expect(text).not.toMatch(/10\.0\.0\.|bleem/);
    });
  }

  it("defaults KEEL_SIM_DIR to /tmp/keel-sim in the local variants", () => {
    const { spec } = load(join(EXAMPLES, "local"), "seed-2.5-upload-binary.yaml");
    expect(spec.spec.hosts[0]?.ssh?.keyPath).toBe("/tmp/keel-sim/id_ed25519");
    expect(spec.spec.hosts[0]?.k0sBinaryPath).toBe("/tmp/keel-sim/files/k0s");
  });

  it("reads 0755 and 0644 in the seed as octal modes", () => {
    const { spec } = load(EXAMPLES, "seed-2.4-flannel-cni.yaml");
    expect(spec.spec.hosts[0]?.files.map((f) => [f.name, f.src, f.dstDir, f.perm, f.dirPerm])).toEqual([
      ["flannel", "/Users/bleem/tmp/kube-flannel.yaml", "/var/lib/k0s/manifests/flannel", "0644", "0755"],
      ["cni-plugins", "/Users/bleem/tmp/cni-plugins/*", "/opt/cni/bin/", "0755", "0755"],
    ]);
    expect(spec.spec.k0s.config?.spec?.network?.provider).toBe("custom");
  });

  it("keeps the HA example's load balancer, sans and network settings", () => {
    const { spec } = load(join(EXAMPLES, "local"), "seed-3.2-ha-offline.yaml");
    const config = spec.spec.k0s.config?.spec;
    expect(config?.api?.externalAddress).toBe("127.0.0.20");
    expect(config?.api?.sans).toEqual(["127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.20"]);
    expect(config?.network?.kubeProxy).toEqual({ disabled: false, mode: "ipvs" });
    expect(config?.telemetry?.enabled).toBe(false);
    expect(config?.images?.default_pull_policy).toBe("IfNotPresent");
    expect(spec.spec.hosts.every((h) => h.uploadBinary)).toBe(true);
    expect(spec.spec.hosts[0]?.files).toHaveLength(3);
  });

  it("keeps 2.1's api and etcd addresses, and 2.6's image override", () => {
    const basic = load(join(EXAMPLES, "local"), "seed-2.1-basic.yaml").spec.spec.k0s.config?.spec;
    expect(basic?.api?.address).toBe("127.0.0.11");
    expect(basic?.storage?.etcd?.peerAddress).toBe("127.0.0.11");
    expect(basic?.network?.kubeProxy?.mode).toBe("ipvs");
    const images = load(EXAMPLES, "seed-2.6-images.yaml").spec.spec.k0s.config?.spec?.images;
    expect(images).toEqual({ kubeproxy: { image: "k8s.gcr.io/kube-proxy", version: "v1.21.3" }, default_pull_policy: "IfNotPresent" });
  });

  it("merges 5.1's ClusterConfig document into spec.k0s.config, like the inline form", () => {
    const twoDocs = load(EXAMPLES, "seed-5.1-kine.yaml").spec.spec.k0s.config;
    const inline = load(EXAMPLES, "seed-5.1-kine-inline.yaml").spec.spec.k0s.config;
    expect(twoDocs).toEqual(inline);
    expect(twoDocs?.spec?.storage).toEqual({ type: "kine", kine: { dataSource: "sqlite:///var/lib/k0s/db/state.db?more=rwc&_journal=WAL&cache=shared" } });
  });
});

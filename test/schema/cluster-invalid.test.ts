import { describe, expect, it } from "vitest";
import { loadClusterYaml, validateClusterObject, type SpecIssue } from "../../schema/cluster-load";

// A valid two-host spec; each case changes one thing and names the field that must be blamed.
function base(): Record<string, unknown> {
  return {
    apiVersion: "k0sctl.k0sproject.io/v1beta1",
    kind: "Cluster",
    metadata: { name: "test" },
    spec: {
      hosts: [
        { role: "controller", ssh: { address: "10.0.0.1", keyPath: "/keys/id" }, files: [{ name: "f", src: "/a", dstDir: "/b", perm: "0644" }] },
        { role: "worker", ssh: { address: "10.0.0.2" } },
      ],
      k0s: { version: "v1.21.2+k0s.1", config: { spec: { storage: { type: "etcd" } } } },
    },
  };
}

type Key = string | number;
const DELETE = Symbol("delete");

function isContainer(value: unknown): value is Record<Key, unknown> {
  return typeof value === "object" && value !== null;
}

/** Sets (or deletes) the value at `path`, creating mappings on the way. */
function set(root: unknown, path: Key[], value: unknown): void {
  let node = root;
  path.forEach((key, i) => {
    if (!isContainer(node)) throw new Error(`no container at ${path.slice(0, i).join(".")}`);
    if (i === path.length - 1) {
      if (value === DELETE) delete node[key];
      else node[key] = value;
      return;
    }
    if (node[key] === undefined) node[key] = {};
    node = node[key];
  });
}

interface Case {
  name: string;
  changes: [Key[], unknown][];
  path: string;
  message?: RegExp;
}

const H0: Key[] = ["spec", "hosts", 0];
const F0: Key[] = [...H0, "files", 0];
const CFG: Key[] = ["spec", "k0s", "config", "spec"];
const OPT: Key[] = ["spec", "options"];

const CASES: Case[] = [
  { name: "wrong apiVersion", changes: [[["apiVersion"], "k0sctl.k0sproject.io/v1beta2"]], path: "apiVersion", message: /k0sctl\.k0sproject\.io\/v1beta1/ },
  { name: "wrong kind", changes: [[["kind"], "Clusters"]], path: "kind" },
  { name: "unknown top-level field", changes: [[["spc"], {}]], path: "spc", message: /unknown field/ },
  { name: "bad metadata name", changes: [[["metadata", "name"], "my cluster"]], path: "metadata.name" },
  { name: "no hosts", changes: [[["spec", "hosts"], []]], path: "spec.hosts", message: /at least one host/ },
  { name: "no controller", changes: [[[...H0, "role"], "worker"]], path: "spec.hosts", message: /controller/ },
  { name: "unknown role", changes: [[[...H0, "role"], "master"]], path: "spec.hosts[0].role" },
  { name: "missing role", changes: [[[...H0, "role"], DELETE]], path: "spec.hosts[0].role", message: /required/ },
  { name: "single with two hosts", changes: [[[...H0, "role"], "single"]], path: "spec.hosts[0].role", message: /exactly one host/ },
  { name: "two connection blocks", changes: [[[...H0, "openSSH"], { address: "10.0.0.9" }]], path: "spec.hosts[0]", message: /exactly one/ },
  { name: "no connection block", changes: [[["spec", "hosts", 1, "ssh"], DELETE]], path: "spec.hosts[1]", message: /found none/ },
  { name: "winRM host", changes: [[["spec", "hosts", 1, "winRM"], { address: "10.0.0.3" }]], path: "spec.hosts[1].winRM", message: /not supported/ },
  { name: "shell metacharacters in address", changes: [[[...H0, "ssh", "address"], "10.0.0.1; rm -rf /"]], path: "spec.hosts[0].ssh.address", message: /IP address or hostname/ },
  { name: "address read as an option", changes: [[[...H0, "ssh", "address"], "-oProxyCommand"]], path: "spec.hosts[0].ssh.address", message: /'-'/ },
  { name: "missing address", changes: [[[...H0, "ssh", "address"], DELETE]], path: "spec.hosts[0].ssh.address", message: /required/ },
  { name: "port 0", changes: [[[...H0, "ssh", "port"], 0]], path: "spec.hosts[0].ssh.port" },
  { name: "port above 65535", changes: [[[...H0, "ssh", "port"], 70000]], path: "spec.hosts[0].ssh.port" },
  { name: "user with shell syntax", changes: [[[...H0, "ssh", "user"], "root$(id)"]], path: "spec.hosts[0].ssh.user" },
  { name: "keyPath with a newline", changes: [[[...H0, "ssh", "keyPath"], "/keys/id\nrm -rf /"]], path: "spec.hosts[0].ssh.keyPath", message: /newlines/ },
  { name: "bad bastion address", changes: [[[...H0, "ssh", "bastion"], { address: "jump host" }]], path: "spec.hosts[0].ssh.bastion.address" },
  { name: "duplicate address and port", changes: [[["spec", "hosts", 1, "ssh", "address"], "10.0.0.1"]], path: "spec.hosts[1].ssh.address", message: /spec\.hosts\[0\]/ },
  { name: "misspelt host field", changes: [[[...H0, "uploadBinray"], true]], path: "spec.hosts[0].uploadBinray", message: /unknown field/ },
  { name: "useExistingK0s with uploadBinary", changes: [[[...H0, "useExistingK0s"], true], [[...H0, "uploadBinary"], true]], path: "spec.hosts[0].uploadBinary" },
  { name: "useExistingK0s with k0sBinaryPath", changes: [[[...H0, "useExistingK0s"], true], [[...H0, "k0sBinaryPath"], "/k0s"]], path: "spec.hosts[0].k0sBinaryPath" },
  { name: "useExistingK0s with k0sDownloadURL", changes: [[[...H0, "useExistingK0s"], true], [[...H0, "k0sDownloadURL"], "https://example.com/k0s-%v-%p"]], path: "spec.hosts[0].k0sDownloadURL" },
  { name: "download URL that is not http(s)", changes: [[[...H0, "k0sDownloadURL"], "ftp://example.com/k0s"]], path: "spec.hosts[0].k0sDownloadURL" },
  { name: "privateAddress not an IP", changes: [[[...H0, "privateAddress"], "eth0"]], path: "spec.hosts[0].privateAddress", message: /IP address/ },
  { name: "bad privateInterface", changes: [[[...H0, "privateInterface"], "eth0; reboot"]], path: "spec.hosts[0].privateInterface" },
  { name: "noTaints on a controller", changes: [[[...H0, "noTaints"], true]], path: "spec.hosts[0].noTaints", message: /controller\+worker/ },
  { name: "unbalanced quotes in installFlags", changes: [[[...H0, "installFlags"], ["--debug", '--kubelet-extra-args="--node-ip=1.2.3.4']]], path: "spec.hosts[0].installFlags[1]", message: /unbalanced/ },
  { name: "bad environment name", changes: [[[...H0, "environment"], { "HTTP PROXY": "x" }]], path: 'spec.hosts[0].environment["HTTP PROXY"]' },
  { name: "hostname with bad characters", changes: [[[...H0, "hostname"], "node_1!"]], path: "spec.hosts[0].hostname" },
  { name: "unknown hook phase", changes: [[[...H0, "hooks"], { deploy: { before: ["x"] } }]], path: "spec.hosts[0].hooks.deploy" },
  { name: "perm 0", changes: [[[...F0, "perm"], 0]], path: "spec.hosts[0].files[0].perm", message: /invalid permission 0/ },
  { name: "perm with a digit above 7", changes: [[[...F0, "perm"], "0855"]], path: "spec.hosts[0].files[0].perm", message: /above 7/ },
  { name: "perm without owner read", changes: [[[...F0, "perm"], "0344"]], path: "spec.hosts[0].files[0].perm", message: /owner/ },
  { name: "perm as decimal 755", changes: [[[...F0, "perm"], 755]], path: "spec.hosts[0].files[0].perm", message: /0755/ },
  { name: "perm not digits", changes: [[[...F0, "perm"], "rwxr-xr-x"]], path: "spec.hosts[0].files[0].perm" },
  { name: "dirPerm with a digit above 7", changes: [[[...F0, "dirPerm"], "0800"]], path: "spec.hosts[0].files[0].dirPerm" },
  { name: "file with src and data", changes: [[[...F0, "data"], "hello"]], path: "spec.hosts[0].files[0].data", message: /exclusive/ },
  { name: "file with neither src nor data", changes: [[[...F0, "src"], DELETE]], path: "spec.hosts[0].files[0].src", message: /src or data/ },
  { name: "file without destination", changes: [[[...F0, "dstDir"], DELETE]], path: "spec.hosts[0].files[0].dstDir", message: /dst or dstDir/ },
  { name: "inline data without name or dst", changes: [[[...F0, "src"], DELETE], [[...F0, "name"], DELETE], [[...F0, "data"], "x=1"]], path: "spec.hosts[0].files[0].name" },
  { name: "inline data over 128 KiB", changes: [[[...F0, "src"], DELETE], [[...F0, "data"], "x".repeat(128 * 1024 + 1)]], path: "spec.hosts[0].files[0].data", message: /128 KiB/ },
  { name: "k0s older than 0.11.0", changes: [[["spec", "k0s", "version"], "v0.10.0"]], path: "spec.k0s.version", message: /0\.11\.0/ },
  { name: "k0s version not a version", changes: [[["spec", "k0s", "version"], "latest"]], path: "spec.k0s.version" },
  { name: "unknown version channel", changes: [[["spec", "k0s", "versionChannel"], "beta"]], path: "spec.k0s.versionChannel" },
  { name: "wrong ClusterConfig apiVersion", changes: [[["spec", "k0s", "config", "apiVersion"], "k0s.k0sproject.io/v1"]], path: "spec.k0s.config.apiVersion" },
  { name: "api address not an IP", changes: [[[...CFG, "api", "address"], "my-host"]], path: "spec.k0s.config.spec.api.address" },
  { name: "api port not a number", changes: [[[...CFG, "api", "port"], "https"]], path: "spec.k0s.config.spec.api.port" },
  { name: "unknown network provider", changes: [[[...CFG, "network", "provider"], "flannel"]], path: "spec.k0s.config.spec.network.provider" },
  { name: "podCIDR without prefix length", changes: [[[...CFG, "network", "podCIDR"], "10.244.0.0"]], path: "spec.k0s.config.spec.network.podCIDR" },
  { name: "unknown storage type", changes: [[[...CFG, "storage", "type"], "mysql"]], path: "spec.k0s.config.spec.storage.type" },
  {
    name: "kine on SQLite with two controllers",
    changes: [[[...CFG, "storage"], { type: "kine" }], [["spec", "hosts", 1, "role"], "controller"]],
    path: "spec.k0s.config.spec.storage.type",
    message: /single controller/,
  },
  { name: "evictTaint without '='", changes: [[[...OPT, "evictTaint"], { enabled: true, taint: "evict" }]], path: "spec.options.evictTaint.taint" },
  { name: "evictTaint with an unknown effect", changes: [[[...OPT, "evictTaint"], { enabled: true, effect: "Evict" }]], path: "spec.options.evictTaint.effect" },
  { name: "drain grace period not a duration", changes: [[[...OPT, "drain", "gracePeriod"], "2 minutes"]], path: "spec.options.drain.gracePeriod" },
  { name: "negative concurrency", changes: [[[...OPT, "concurrency", "limit"], -1]], path: "spec.options.concurrency.limit" },
  { name: "unknown option", changes: [[[...OPT, "parallel"], true]], path: "spec.options.parallel", message: /unknown field/ },
];

function errorsOf(result: ReturnType<typeof validateClusterObject>): SpecIssue[] {
  return result.ok ? [] : result.errors;
}

describe("invalid specs are rejected naming the field", () => {
  it("starts from a valid spec", () => {
    const result = validateClusterObject(base());
    expect(errorsOf(result)).toEqual([]);
  });

  it("has at least 30 cases", () => expect(CASES.length).toBeGreaterThanOrEqual(30));

  it.each(CASES)("$name → $path", ({ changes, path, message }) => {
    const spec = base();
    for (const [at, value] of changes) set(spec, at, value);
    const errors = errorsOf(validateClusterObject(spec));
    expect(errors.map((e) => e.path)).toContain(path);
    if (message) expect(errors.find((e) => e.path === path)?.message).toMatch(message);
  });
});

describe("invalid YAML files", () => {
  const yaml = (hostLines: string) =>
    `apiVersion: k0sctl.k0sproject.io/v1beta1\nkind: Cluster\nspec:\n  hosts:\n  - role: controller\n    ssh:\n      address: 10.0.0.1\n${hostLines}`;

  it("rejects a decimal perm: 755 (not YAML 1.1 octal) with a hint", () => {
    const result = loadClusterYaml(yaml("    files:\n    - src: /a\n      dstDir: /b\n      perm: 755\n"));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toEqual([{ path: "spec.hosts[0].files[0].perm", message: expect.stringMatching(/write 0755/) }]);
  });

  it("names the YAML line of a syntax error", () => {
    const result = loadClusterYaml(yaml('    files: [\n      "unterminated\n'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/^YAML: .*line \d+/);
  });

  it("rejects duplicate keys", () => {
    const result = loadClusterYaml(yaml("    role: worker\n"));
    expect(result.ok).toBe(false);
  });

  it("reports every error at once", () => {
    const result = loadClusterYaml(yaml("    privateAddress: nope\n    files:\n    - src: /a\n      perm: 0\n"));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map((e) => e.path).sort()).toEqual(["spec.hosts[0].files[0].perm", "spec.hosts[0].privateAddress"]);
    }
  });
});

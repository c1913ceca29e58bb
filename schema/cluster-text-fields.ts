import type { Path } from "./yaml-plain";

/**
 * The fields of a k0sctl Cluster document that k0sctl declares as Go strings
 * (pkg/apis/k0sctl.k0sproject.io/v1beta1/cluster/*.go, rig's ssh and openssh
 * configs). Go's yaml.v2 fills a string field with the scalar exactly as
 * written, so `version: 1.20` is "1.20" (not 1.2), `FOO: 0755` is "0755"
 * (not 493) and `FOO: yes` is "yes" (not true); keel keeps these scalars as
 * text too. Everything else (k0s.config, perm, numbers, booleans) is read as
 * YAML 1.1 values, as k0sctl reads it into `any` or typed fields.
 */

const CONNECTION = ["address", "user", "keyPath", "hostKey", "configPath"];
const HOOK_PHASES = ["connect", "apply", "install", "upgrade", "backup", "reset"];

const PATTERNS: string[] = [
  "metadata.name",
  "metadata.user",
  "spec.k0s.version",
  "spec.k0s.versionChannel",
  "spec.options.drain.podSelector",
  "spec.options.evictTaint.taint",
  "spec.options.evictTaint.effect",
  ...[
    "role",
    "privateInterface",
    "privateAddress",
    "dataDir",
    "kubeletRootDir",
    "environment.*",
    "k0sBinaryPath",
    "k0sInstallPath",
    "k0sDownloadURL",
    "installFlags.*",
    "os",
    "hostname",
    ...["name", "src", "data", "dstDir", "dst", "user", "group"].map((f) => `files.*.${f}`),
    ...HOOK_PHASES.flatMap((p) => [`hooks.${p}.before.*`, `hooks.${p}.after.*`]),
    ...CONNECTION.flatMap((f) => [`ssh.${f}`, `ssh.bastion.${f}`, `openSSH.${f}`]),
  ].map((f) => `spec.hosts.*.${f}`),
];

interface Trie {
  [segment: string]: Trie;
}

const TRIE: Trie = {};
for (const pattern of PATTERNS) {
  let node = TRIE;
  for (const segment of pattern.split(".")) node = node[segment] ??= {};
}

function isTextField(path: Path): boolean {
  let node: Trie | undefined = TRIE;
  for (const segment of path) {
    const key = String(segment);
    node = Object.hasOwn(node, key) ? node[key] : node["*"];
    if (node === undefined) return false;
  }
  return Object.keys(node).length === 0;
}

/** For parseYamlDocuments: only the k0sctl Cluster document has Go string fields. */
export function clusterTextFields(apiVersion: unknown): ((path: Path) => boolean) | undefined {
  return typeof apiVersion === "string" && apiVersion.toLowerCase() === "k0sctl.k0sproject.io/v1beta1" ? isTextField : undefined;
}

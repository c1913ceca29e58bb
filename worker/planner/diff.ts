import type { ClusterSpec, HostFile } from "../../schema/cluster";
import { hostKey } from "../../schema/cluster";
import type { ApplyHost, HostAction } from "./apply-hosts";
import { jsonEqual } from "./k0s-config";
import { normalizeK0sVersion } from "./version";

/** What an apply changes compared with the last applied revision: the dry run's summary. */
export interface ApplyChanges {
  /** Hosts ("address:port") in the spec but not in the last applied revision (every host on a first apply). */
  hostsAdded: string[];
  /** Hosts the last applied revision had and the spec dropped. keel leaves them alone (mark them reset to remove them). */
  hostsRemoved: string[];
  /** Hosts marked reset that still have k0s: they will be removed. */
  hostsReset: string[];
  /** spec.k0s.version change; null when unchanged. */
  version: { from: string | null; to: string } | null;
  /** Per host, files[] entries by name (or destination) that were added, removed or changed. */
  files: { host: string; added: string[]; removed: string[]; changed: string[] }[];
  /** Leaf changes of spec.k0s.config ("spec.api.sans"); arrays compare as a whole. */
  config: { path: string; from?: unknown; to?: unknown }[];
  /** What apply does to each host, from the gathered facts. */
  actions: Record<string, HostAction>;
}

function fileId(f: HostFile): string {
  return f.name ?? f.dst ?? `${f.dstDir ?? ""} <- ${f.src ?? "data"}`;
}

function filesDiff(before: readonly HostFile[], after: readonly HostFile[]) {
  const old = new Map(before.map((f) => [fileId(f), f]));
  const now = new Map(after.map((f) => [fileId(f), f]));
  return {
    added: [...now.keys()].filter((k) => !old.has(k)),
    removed: [...old.keys()].filter((k) => !now.has(k)),
    changed: [...now.entries()].filter(([k, f]) => old.has(k) && !jsonEqual(f, old.get(k))).map(([k]) => k),
  };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function configDiff(before: unknown, after: unknown, path = ""): ApplyChanges["config"] {
  if (jsonEqual(before, after)) return [];
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => configDiff(before[k], after[k], path === "" ? k : `${path}.${k}`));
  }
  const shown = (v: unknown) => (SENSITIVE.test(path) ? REDACTED : v);
  return [{ path, ...(before !== undefined ? { from: shown(before) } : {}), ...(after !== undefined ? { to: shown(after) } : {}) }];
}

// A dry run's output lands in terminals and CI logs: values under these keys
// (kine's dataSource holds database credentials) are named, never shown.
const SENSITIVE = /(^|\.)(datasource|password|passwd|secret|token|credentials?|key|privatekey)$/i;
const REDACTED = "(redacted)";

export function applyChanges(spec: ClusterSpec, lastApplied: ClusterSpec | null, hosts: readonly ApplyHost[], version: string): ApplyChanges {
  const previous = new Map((lastApplied?.spec.hosts ?? []).map((h) => [hostKey(h), h]));
  const current = new Set(spec.spec.hosts.map(hostKey));
  const lastVersion = lastApplied?.spec.k0s.version;
  const to = normalizeK0sVersion(version);
  const from = lastVersion !== undefined ? normalizeK0sVersion(lastVersion) : null;
  return {
    hostsAdded: spec.spec.hosts.map(hostKey).filter((k) => !previous.has(k)),
    hostsRemoved: [...previous.keys()].filter((k) => !current.has(k)),
    hostsReset: hosts.filter((h) => h.action === "reset").map((h) => h.key),
    version: from === to ? null : { from, to },
    files: spec.spec.hosts.flatMap((h) => {
      const d = filesDiff(previous.get(hostKey(h))?.files ?? [], h.files);
      return d.added.length + d.removed.length + d.changed.length > 0 ? [{ host: hostKey(h), ...d }] : [];
    }),
    config: configDiff(lastApplied?.spec.k0s.config ?? {}, spec.spec.k0s.config ?? {}),
    actions: Object.fromEntries(hosts.map((h) => [h.key, h.action])),
  };
}

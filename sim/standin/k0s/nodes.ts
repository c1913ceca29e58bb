import { cluster, isFresh, out } from "./host";
import type { NodeEntry } from "./state";

// Node objects as kubectl shows them, and `kubectl taint`.

interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface NodeObject {
  apiVersion: "v1";
  kind: "Node";
  metadata: { name: string; labels: Record<string, string> };
  spec: { unschedulable?: boolean; taints: Taint[] };
  status: {
    conditions: { type: "Ready"; status: "True" | "False" | "Unknown"; reason: string }[];
    nodeInfo: { kubeletVersion: string };
    addresses: { type: string; address: string }[];
  };
}

/** "key=value:Effect" or "key:Effect" → a Taint. */
function taintObject(text: string): Taint {
  const [, key = "", value, effect = ""] = /^([^=:]+)(?:=([^:]*))?:(\w+)$/.exec(text) ?? [];
  return { key, ...(value ? { value } : {}), effect };
}

export function nodeObject(n: NodeEntry): NodeObject {
  const ready = isFresh(n);
  return {
    apiVersion: "v1", kind: "Node",
    metadata: { name: n.name, labels: { "kubernetes.io/hostname": n.name, ...(n.role ? { "node-role.kubernetes.io/control-plane": "true" } : {}) } },
    spec: { unschedulable: n.unschedulable || undefined, taints: [...n.taints, ...(n.extraTaints ?? [])].map(taintObject) },
    status: {
      conditions: [{ type: "Ready", status: ready ? "True" : n.running ? "False" : "Unknown", reason: ready ? "KubeletReady" : "NodeStatusUnknown" }],
      nodeInfo: { kubeletVersion: n.version.replace(/\.\d+$/, "") },
      addresses: [{ type: "InternalIP", address: n.address }, { type: "Hostname", address: n.name }],
    },
  };
}

/** `kubectl get nodes` as a table. */
export function nodeTable(objects: NodeObject[], headers: boolean): string {
  const rows = objects.map((o) => [
    o.metadata.name,
    `${o.status.conditions[0]?.status === "True" ? "Ready" : "NotReady"}${o.spec.unschedulable ? ",SchedulingDisabled" : ""}`,
    o.metadata.labels["node-role.kubernetes.io/control-plane"] ? "control-plane" : "<none>",
    o.status.nodeInfo.kubeletVersion,
  ]);
  if (headers) rows.unshift(["NAME", "STATUS", "ROLES", "VERSION"]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)) + 3) ?? [];
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i] ?? 0) : c)).join("")).join("\n");
}

export function kubectlError(message: string): number {
  process.stderr.write(`error: ${message}\n`);
  return 1;
}

/** `kubectl taint nodes NAME key[=value]:Effect | key[:Effect]-`: kept as the node's extra taints. */
export function taint(node: NodeEntry, specs: string[], overwrite: boolean): number {
  if (specs.length === 0) return kubectlError("at least one taint update is required");
  let taints = [...(node.extraTaints ?? [])];
  for (const spec of specs) {
    const remove = spec.endsWith("-");
    const m = /^([A-Za-z0-9./_-]+)(?:=([A-Za-z0-9._-]*))?(?::(NoSchedule|PreferNoSchedule|NoExecute))?$/.exec(remove ? spec.slice(0, -1) : spec);
    if (!m || (!remove && !m[3])) return kubectlError(`invalid taint spec: ${spec}`);
    const [, key, value, effect] = m;
    const same = (t: string): boolean => taintObject(t).key === key && (!effect || taintObject(t).effect === effect);
    if (remove) {
      if (!taints.some(same)) return kubectlError(`taint "${key}" not found`);
      taints = taints.filter((t) => !same(t));
    } else {
      if (taints.some(same) && !overwrite) return kubectlError(`node ${node.name} already has ${key} taint(s) with same effect(s) and --overwrite is false`);
      taints = [...taints.filter((t) => !same(t)), `${key}${value ? `=${value}` : ""}:${effect}`];
    }
  }
  cluster.put("nodes", node.name, { ...(cluster.get("nodes", node.name) ?? node), extraTaints: taints });
  out(`node/${node.name} ${specs.every((t) => t.endsWith("-")) ? "untainted" : "tainted"}`);
  return 0;
}

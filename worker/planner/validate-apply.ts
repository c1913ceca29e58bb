import { NodeName } from "../../schema/steps-k0s";
import type { ClusterSpec } from "../../schema/cluster";
import { isController } from "../../schema/cluster";
import type { ApplyHost } from "./apply-hosts";
import type { PlanIssue } from "./plan";

/**
 * Refusals that need more than one host or more than the spec. The spec
 * schema checks the same kine and single rules on input; they are checked
 * again here because a stored revision is planned long after it was parsed.
 */
export function specRefusals(spec: ClusterSpec, lastApplied: ClusterSpec | null, hosts: readonly ApplyHost[]): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const staying = spec.spec.hosts.filter((h) => isController(h) && !h.reset);
  const storage = spec.spec.k0s.config?.spec?.storage;
  if (storage?.type === "kine" && (storage.kine?.dataSource ?? "sqlite://").startsWith("sqlite:") && staying.length > 1) {
    issues.push({ path: "spec.k0s.config.spec.storage", message: "kine with SQLite cannot add controllers (it has no controller join tokens): use etcd, or a single controller" });
  }
  if (spec.spec.hosts.length > 1) {
    spec.spec.hosts.forEach((h, i) => {
      if (h.role === "single") issues.push({ path: `spec.hosts[${i}].role`, message: "role single is only allowed when the cluster has exactly one host" });
    });
  }
  const before = lastApplied?.spec.k0s.config?.spec?.storage?.type ?? "etcd";
  const after = storage?.type ?? "etcd";
  if (lastApplied && before !== after && hosts.some((h) => h.controller && h.running)) {
    issues.push({ path: "spec.k0s.config.spec.storage.type", message: `the running cluster stores its state in ${before}: changing it to ${after} is not supported` });
  }
  return issues;
}

/** Hosts that will get node steps (drain, node wait, node delete) but whose node name nobody knows. */
export function nodeNameIssues(spec: ClusterSpec, hosts: readonly ApplyHost[]): PlanIssue[] {
  const { wait, drain } = spec.spec.options;
  // A gathered name comes from the host (or a relay): one Kubernetes would not
  // accept is refused here, before anything is installed (security review F1).
  const invalid = hosts
    .filter((h) => h.nodeName !== undefined && !NodeName.safeParse(h.nodeName).success)
    .map((h) => ({
      path: `spec.hosts[${h.index}].hostname`,
      message: `${h.key}: the host's name "${String(h.nodeName).slice(0, 80)}" is not a valid Kubernetes node name (lowercase letters, digits, '-' and '.'): set hostname`,
    }));
  return [...invalid, ...hosts
    .filter((h) => {
      if (!h.worker || h.nodeName !== undefined) return false;
      if (h.action === "reset") return true;
      if (h.action === "upgrade") return wait.enabled || (drain.enabled && h.spec.role !== "single");
      return h.action === "install" && !h.controller && wait.enabled;
    })
    .map((h) => ({ path: `spec.hosts[${h.index}].hostname`, message: `${h.key}: the node name is unknown (no hostname was gathered): set hostname` }))];
}

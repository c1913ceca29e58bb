import type { ClusterSpec } from "../../schema/cluster";
import type { StoredHostFacts } from "../../schema/stored-facts";
import type { PlanIssue } from "./plan";
import { backupAddresses, type RestoreSource } from "./restore-source";

/**
 * What makes a restore unsafe, checked before any host is touched (k0sctl
 * skips a restore silently when k0s runs, its issue #946; keel refuses and
 * says why). `facts` are what the run gathered (or, for a dry run or the
 * API's early check, what is stored): hosts running k0s need the caller to
 * confirm the reset by naming the cluster.
 */
export function restoreRefusals(cluster: string, spec: ClusterSpec, source: RestoreSource, facts: Record<string, StoredHostFacts> | null): PlanIssue[] {
  const { backup } = source;
  const issues: PlanIssue[] = [];
  if (backup.cluster !== cluster) {
    issues.push({ path: "backup", message: `backup ${backup.id} is a backup of cluster ${backup.cluster}, not of ${cluster}: restore it onto ${backup.cluster}` });
  }
  if (backup.status === "failed") {
    issues.push({ path: "backup", message: `backup ${backup.id} failed verification${backup.error ? ` (${backup.error})` : ""}: it cannot be restored; take a new backup` });
  } else if (backup.status === "deleted") {
    issues.push({ path: "backup", message: `backup ${backup.id} was deleted from the relay's store by retention: choose a newer one (keel backup list ${cluster})` });
  }
  const now = backupAddresses(spec);
  const then = backup.addresses;
  if (now.externalAddress !== then.externalAddress) {
    issues.push({
      path: "spec.k0s.config.spec.api.externalAddress",
      message: `is ${now.externalAddress ?? "not set"} but was ${then.externalAddress ?? "not set"} when backup ${backup.id} was taken: workers reach the API through it and cannot be re-pointed, so it must stay the same`,
    });
  }
  if (now.controllers.join(",") !== then.controllers.join(",")) {
    issues.push({
      path: "spec.hosts",
      message: `the controllers are ${now.controllers.join(", ") || "none"} but were ${then.controllers.join(", ") || "none"} when backup ${backup.id} was taken: the restored etcd keeps the recorded peer addresses (k0s issue #7876); restore onto the same controllers`,
    });
  }
  if (facts) {
    // Only controllers are reset: workers keep running and reconnect to the restored control plane.
    const live = now.controllers.filter((key) => {
      const k0s = facts[key]?.k0s;
      return k0s?.running === true || k0s?.installedVersion !== undefined;
    });
    if (live.length > 0 && source.reset !== cluster) {
      const given = source.reset === null ? "no --reset was given" : `--reset names ${JSON.stringify(source.reset)}`;
      issues.push({
        path: "reset",
        message: `k0s is installed on ${live.join(", ")}: a restore first stops and resets every controller of cluster ${cluster}, losing everything since the backup; confirm with --reset ${cluster} (${given})`,
      });
    }
  }
  return issues;
}

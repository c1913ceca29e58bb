import { isController, type ClusterSpec } from "./cluster";
import type { SpecIssue } from "./cluster-issues";

/**
 * Things k0sctl accepts but that usually hurt later. They do not stop an
 * operation; the CLI prints them and the API returns them with the spec.
 */
export function clusterWarnings(cluster: ClusterSpec): SpecIssue[] {
  const warnings: SpecIssue[] = [];
  const hosts = cluster.spec.hosts;
  hosts.forEach((host, i) => {
    if (host.hostname?.includes(".")) {
      warnings.push({
        path: `spec.hosts[${i}].hostname`,
        message: `"${host.hostname}" is a domain name: k0s names the node after it, and FQDN node names cause trouble (use a short name)`,
      });
    }
    host.files.forEach((file, j) => {
      if (file.dst !== undefined && file.src !== undefined && /[*?[\]{}%]/.test(file.src)) {
        warnings.push({
          path: `spec.hosts[${i}].files[${j}].dst`,
          message: "a single dst with a glob src fails on the relay if the glob matches more than one file",
        });
      }
    });
  });

  const controllers = hosts.filter((h) => isController(h) && !h.reset).length;
  const storageType = cluster.spec.k0s.config?.spec?.storage?.type ?? "etcd";
  if (storageType === "etcd" && controllers > 1 && controllers % 2 === 0) {
    warnings.push({
      path: "spec.hosts",
      message: `${controllers} controllers: an even etcd cluster tolerates no more failures than ${controllers - 1} controllers; use an odd number`,
    });
  }

  const api = cluster.spec.k0s.config?.spec?.api;
  if (api?.externalAddress !== undefined && !(api.sans ?? []).includes(api.externalAddress)) {
    warnings.push({
      path: "spec.k0s.config.spec.api.sans",
      message: `does not list externalAddress ${api.externalAddress}: certificates must name the load balancer address clients use`,
    });
  }

  if (cluster.spec.k0s.version === undefined) {
    warnings.push({
      path: "spec.k0s.version",
      message: `not set: the newest ${cluster.spec.k0s.versionChannel} k0s release will be installed; pin a version for repeatable installs`,
    });
  }
  return warnings;
}

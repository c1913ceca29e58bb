import type { ClusterSpec, Host } from "../../schema/cluster";
import { isController, isWorker } from "../../schema/cluster";
import type { HostTarget } from "../../schema/steps";
import type { ApplyFacts } from "./apply-facts";
import type { K0sFactsReport } from "../../schema/steps-k0s";
import { k0sArch } from "./download-url";
import { resolveHostTarget } from "./host-target";
import { installArgs, type InstallArgs } from "./install-flags";
import { type PlanIssue } from "./plan";
import { hostKey } from "../../schema/step-base";
import { compareK0sVersions, normalizeK0sVersion } from "./version";

/**
 * What apply does to a host:
 * - install: k0s is not running: install (or reinstall a stopped one) and join;
 * - upgrade: k0s runs an older version;
 * - keep: k0s runs the wanted version;
 * - reset: marked reset and k0s is there to remove;
 * - absent: marked reset but k0s was never installed: nothing to do.
 */
export type HostAction = "install" | "upgrade" | "keep" | "reset" | "absent";

export interface ApplyHost {
  index: number;
  spec: Host;
  key: string;
  target: HostTarget;
  controller: boolean;
  /** Runs a kubelet, so it is a Kubernetes node (worker, controller+worker, single). */
  worker: boolean;
  reset: boolean;
  running: boolean;
  k0s: K0sFactsReport | undefined;
  action: HostAction;
  /** A new binary must be staged (install of a missing/other version, or upgrade). */
  needsBinary: boolean;
  privateAddress: string;
  nodeName: string | undefined;
  /** k0s's arch name, null when unknown. */
  arch: string | null;
  args: InstallArgs;
}

export interface HostsResult {
  hosts: ApplyHost[];
  issues: PlanIssue[];
  warnings: string[];
}

export function applyHosts(spec: ClusterSpec, facts: ApplyFacts, version: string): HostsResult {
  const issues: PlanIssue[] = [];
  const warnings: string[] = [];
  const hosts: ApplyHost[] = [];

  spec.spec.hosts.forEach((host, index) => {
    const at = `spec.hosts[${index}]`;
    const resolved = resolveHostTarget(host, index);
    if (!resolved.ok) {
      issues.push(...resolved.issues);
      return;
    }
    const key = hostKey(resolved.target);
    const found = facts.hosts[key];
    if (!found) {
      issues.push({ path: at, message: `no facts were gathered for ${key}: run the gather phases first` });
      return;
    }
    const args = installArgs(host, index);
    if (!args.ok) {
      issues.push(...args.issues);
      return;
    }
    const k0s = found.k0s;
    const running = k0s?.running === true;
    const installed = k0s?.installedVersion;
    const order = installed !== undefined ? compareK0sVersions(installed, version) : null;
    if (running && installed === undefined) {
      issues.push({ path: at, message: `${key} runs k0s but reported no version: cannot tell install from upgrade` });
      return;
    }
    if (installed !== undefined && order === null) {
      issues.push({ path: at, message: `${key} has k0s version "${installed}", which keel cannot compare` });
      return;
    }

    let action: HostAction;
    if (host.reset) action = installed !== undefined || running ? "reset" : "absent";
    else if (order !== null && order > 0) {
      issues.push({
        path: "spec.k0s.version",
        message: `${key} has k0s ${normalizeK0sVersion(installed ?? "")}, newer than ${normalizeK0sVersion(version)}: downgrades are not supported`,
      });
      return;
    } else if (!running) action = "install";
    else action = order === 0 ? "keep" : "upgrade";

    if (running && !host.reset && k0s?.role !== undefined && k0s.role !== host.role) {
      issues.push({ path: `${at}.role`, message: `${key} runs k0s as ${k0s.role}: changing a running host's role is not supported; reset it first` });
      return;
    }

    let needsBinary = (action === "install" && order !== 0) || action === "upgrade";
    if (host.useExistingK0s) {
      if (installed === undefined && action === "install") {
        issues.push({ path: `${at}.useExistingK0s`, message: `${key} has no k0s binary at ${host.k0sInstallPath} to use` });
        return;
      }
      if (needsBinary) warnings.push(`${key}: useExistingK0s keeps k0s ${normalizeK0sVersion(installed ?? "")} although spec.k0s.version is ${normalizeK0sVersion(version)}`);
      if (action === "upgrade") action = "keep";
      needsBinary = false;
    }

    const rawArch = k0s?.arch ?? found.arch;
    hosts.push({
      index,
      spec: host,
      key,
      target: resolved.target,
      controller: isController(host),
      worker: isWorker(host),
      reset: host.reset,
      running,
      k0s,
      action,
      needsBinary,
      privateAddress: host.privateAddress ?? k0s?.privateAddress ?? found.privateAddress ?? resolved.target.address,
      nodeName: host.hostname ?? k0s?.nodeName ?? found.hostname?.toLowerCase(),
      arch: rawArch !== undefined ? k0sArch(rawArch) : null,
      args: args.args,
    });
  });

  return { hosts, issues, warnings };
}

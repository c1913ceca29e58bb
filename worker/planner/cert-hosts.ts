import { isController, isWorker, type ClusterSpec, type Host } from "../../schema/cluster";
import type { HostTarget } from "../../schema/steps";
import { hostKey } from "../../schema/step-base";
import type { StoredHostFacts } from "../../schema/stored-facts";
import { resolveHostTarget } from "./host-target";
import type { PlanIssue } from "./plan";

/** A spec host as the certificate operations see it: where its certificates are and, once gathered, whether k0s runs there. */
export interface CertHost {
  index: number;
  spec: Host;
  key: string;
  target: HostTarget;
  controller: boolean;
  /** Runs a kubelet (worker, controller+worker, single): has kubelet certificates and a Node. */
  kubelet: boolean;
  dataDir: string;
  running: boolean;
  nodeName: string | undefined;
  privateAddress: string;
}

/** Every host of the spec not marked reset (a host on its way out is no renewal's business), with what the gather phases found. */
export function certHosts(spec: ClusterSpec, gathered: Record<string, StoredHostFacts>): { hosts: CertHost[]; issues: PlanIssue[] } {
  const hosts: CertHost[] = [];
  const issues: PlanIssue[] = [];
  spec.spec.hosts.forEach((host, index) => {
    const resolved = resolveHostTarget(host, index);
    if (!resolved.ok) return void issues.push(...resolved.issues);
    if (host.reset) return;
    const key = hostKey(resolved.target);
    const facts = gathered[key];
    hosts.push({
      index,
      spec: host,
      key,
      target: resolved.target,
      controller: isController(host),
      kubelet: isWorker(host),
      dataDir: host.dataDir,
      running: facts?.k0s?.running === true,
      nodeName: host.hostname ?? facts?.k0s?.nodeName ?? facts?.hostname?.toLowerCase(),
      privateAddress: host.privateAddress ?? facts?.k0s?.privateAddress ?? facts?.privateAddress ?? resolved.target.address,
    });
  });
  return { hosts, issues };
}

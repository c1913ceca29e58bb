import type { ApplyHost } from "./apply-hosts";
import { lockstep, phaseFromBatches } from "./apply-plan";
import type { PlanPhase } from "./plan";
import type { Step } from "../../schema/steps";
import { binaryInstall, cordon, drain, hook, k0sInstall, nodeReady, readyz, service, uncordon, type StepContext } from "./apply-steps";
import { chunk, disruptionBatchSize } from "./batches";

/** Upgrade controllers (strictly one at a time), Upgrade workers (in disruption batches). */

/** The cluster's workers that stay: the base of workerDisruptionPercent. */
export function workerCount(hosts: readonly ApplyHost[]): number {
  return hosts.filter((h) => !h.controller && !h.reset).length;
}

/**
 * One host's upgrade. A node is cordoned and drained first (not a single-node
 * cluster: its pods have nowhere to go); the upgrade hooks run once the node
 * is empty and again once it is back, before it takes pods.
 */
function upgradeSequence(c: StepContext, h: ApplyHost): Step[] {
  const drained = h.worker && h.spec.role !== "single" && c.spec.spec.options.drain.enabled;
  const waitNode = h.worker && c.spec.spec.options.wait.enabled;
  return [
    ...(drained ? [cordon(c, h), drain(c, h)] : []),
    ...hook(h, "upgrade.before"),
    service(h, "stop"),
    binaryInstall(c, h),
    k0sInstall(h, { force: true }),
    service(h, "start"),
    ...(h.controller ? [readyz(c, h)] : []),
    ...(waitNode ? [nodeReady(c, h)] : []),
    ...(drained ? [uncordon(c, h)] : []),
    ...hook(h, "upgrade.after"),
  ];
}

export function upgradeControllersPhase(c: StepContext, hosts: readonly ApplyHost[]): PlanPhase {
  const batches = hosts
    .filter((h) => h.controller && !h.reset && h.action === "upgrade")
    .flatMap((h) => lockstep([upgradeSequence(c, h)]));
  return phaseFromBatches("Upgrade controllers", batches);
}

export function upgradeWorkersPhase(c: StepContext, hosts: readonly ApplyHost[]): PlanPhase {
  const { workerDisruptionPercent, limit } = c.spec.spec.options.concurrency;
  const size = disruptionBatchSize(workerCount(hosts), workerDisruptionPercent, limit);
  const upgrading = hosts.filter((h) => !h.controller && !h.reset && h.action === "upgrade");
  const batches = chunk(upgrading, size).flatMap((group) => lockstep(group.map((h) => upgradeSequence(c, h))));
  return phaseFromBatches("Upgrade workers", batches);
}

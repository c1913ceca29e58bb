import type { ApplyHost } from "./apply-hosts";
import { lockstep, phaseFromBatches } from "./apply-plan";
import type { PlanPhase } from "./plan";
import type { Step } from "../../schema/steps";
import { drain, etcdLeave, hook, k0sReset, nodeDelete, service, type StepContext } from "./apply-steps";
import { chunk, disruptionBatchSize } from "./batches";
import { storageIsEtcd } from "./phase-install";
import { workerCount } from "./phase-upgrade";

/**
 * Reset workers, Reset controllers: remove hosts marked `reset: true`.
 *
 * A node is drained while it still runs; its kubelet is stopped before its
 * Node object is deleted, or the kubelet would register it again. A controller
 * leaves etcd while its own k0s still runs (`k0s etcd leave` talks to the local
 * member), before it is stopped.
 */
function resetSequence(c: StepContext, h: ApplyHost): Step[] {
  const drained = h.worker && h.running && c.spec.spec.options.drain.enabled;
  return [
    ...hook(h, "reset.before"),
    ...(drained ? [drain(c, h)] : []),
    ...(h.controller && storageIsEtcd(c) ? [etcdLeave(c, h)] : []),
    ...(h.running ? [service(h, "stop")] : []),
    k0sReset(h),
    ...(h.worker ? [nodeDelete(c, h)] : []),
    ...hook(h, "reset.after"),
  ];
}

export function resetWorkersPhase(c: StepContext, hosts: readonly ApplyHost[]): PlanPhase {
  const { workerDisruptionPercent, limit } = c.spec.spec.options.concurrency;
  const size = disruptionBatchSize(workerCount(hosts), workerDisruptionPercent, limit);
  const leaving = hosts.filter((h) => !h.controller && h.action === "reset");
  return phaseFromBatches("Reset workers", chunk(leaving, size).flatMap((group) => lockstep(group.map((h) => resetSequence(c, h)))));
}

/** One at a time: each leaves etcd before the next, so quorum is recomputed for every removal. */
export function resetControllersPhase(c: StepContext, hosts: readonly ApplyHost[]): PlanPhase {
  const leaving = hosts.filter((h) => h.controller && h.action === "reset");
  return phaseFromBatches("Reset controllers", leaving.flatMap((h) => lockstep([resetSequence(c, h)])));
}

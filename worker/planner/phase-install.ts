import type { ApplyHost } from "./apply-hosts";
import { lockstep, phaseFromBatches } from "./apply-plan";
import type { PlanPhase, CleanupRule } from "./plan";
import type { Step } from "../../schema/steps";
import { etcdLeave, hook, joinSecret, k0sInstall, k0sReset, nodeReady, readyz, service, tokenCreate, tokenInvalidate, type StepContext } from "./apply-steps";
import { chunk, quorumJoinBatches } from "./batches";

/** Initialize the k0s cluster, Install controllers, Install workers. */

// A stopped host that had k0s before keeps its data if it fails to come back:
// only hosts k0s was never on are reset after a failed install.
function freshInstall(h: ApplyHost): boolean {
  return h.k0s?.installedVersion === undefined;
}

function cleanupAfterFailedInstall(c: StepContext, h: ApplyHost, readyStepId: string, cleanup: CleanupRule[]): void {
  if (!freshInstall(h)) return;
  const steps: Step[] = [];
  // A controller that was added to etcd but never became ready would count against quorum forever.
  if (h.controller && h !== c.leader && storageIsEtcd(c)) steps.push({ ...etcdLeave(c, h), id: `cleanup-etcd-leave:${h.key}` });
  steps.push(service(h, "stop", "cleanup-stop"), { ...k0sReset(h), id: `cleanup-reset:${h.key}` });
  cleanup.push({ ifStarted: `install:${h.key}`, unlessSucceeded: readyStepId, steps });
}

export function storageIsEtcd(c: StepContext): boolean {
  const type = c.spec.spec.k0s.config?.spec?.storage?.type;
  return type === undefined || type === "etcd";
}

export function initializePhase(c: StepContext, cleanup: CleanupRule[]): PlanPhase {
  const l = c.leader;
  if (l.action !== "install") return phaseFromBatches("Initialize the k0s cluster", []);
  const sequence = [...hook(l, "install.before"), k0sInstall(l, { force: !freshInstall(l) }), service(l, "start"), readyz(c, l), ...hook(l, "install.after")];
  cleanupAfterFailedInstall(c, l, `readyz:${l.key}`, cleanup);
  return phaseFromBatches("Initialize the k0s cluster", lockstep([sequence]));
}

/** A joiner's whole sequence; the token steps run on the leader, everything else on the joiner. */
function joinSequence(c: StepContext, h: ApplyHost, cleanup: CleanupRule[]): Step[] {
  const waitNode = !h.controller && c.spec.spec.options.wait.enabled;
  const ready = h.controller ? readyz(c, h) : waitNode ? nodeReady(c, h) : null;
  cleanupAfterFailedInstall(c, h, ready?.id ?? `start:${h.key}`, cleanup);
  const invalidate = tokenInvalidate(c, h);
  // Without a wait nothing tells when the worker has used its token: it is left to expire (10 minutes).
  if (ready) cleanup.push({ ifStarted: `token-create:${h.key}`, unlessSucceeded: invalidate.id, steps: [{ ...invalidate, id: `cleanup-token-invalidate:${h.key}` }] });
  return [
    tokenCreate(c, h),
    ...hook(h, "install.before"),
    k0sInstall(h, { tokenSecret: joinSecret(h), force: !freshInstall(h) }),
    service(h, "start"),
    ...(ready ? [ready, invalidate] : []),
    ...hook(h, "install.after"),
  ];
}

/**
 * Controllers join in quorum-safe batches (see quorumJoinBatches). The running
 * members are the controllers already running and staying, plus the leader
 * when this apply initializes it.
 */
export function installControllersPhase(c: StepContext, hosts: readonly ApplyHost[], cleanup: CleanupRule[]): PlanPhase {
  const joiners = hosts.filter((h) => h.controller && !h.reset && h !== c.leader && h.action === "install");
  const members = hosts.filter((h) => h.controller && !h.reset && h.running).length + (c.leader.action === "install" ? 1 : 0);
  const batches = quorumJoinBatches(members, joiners).flatMap((batch) => lockstep(batch.map((h) => joinSequence(c, h, cleanup))));
  return phaseFromBatches("Install controllers", batches);
}

/**
 * Joining workers disrupts nothing, so they join together; groups of
 * concurrency.limit keep each group's tokens young (they expire in 10 minutes).
 */
export function installWorkersPhase(c: StepContext, hosts: readonly ApplyHost[], cleanup: CleanupRule[]): PlanPhase {
  const joiners = hosts.filter((h) => !h.controller && !h.reset && h.action === "install");
  const batches = chunk(joiners, c.spec.spec.options.concurrency.limit).flatMap((group) => lockstep(group.map((h) => joinSequence(c, h, cleanup))));
  return phaseFromBatches("Install workers", batches);
}

import { goDurationMs } from "../../schema/cluster";
import type { Step } from "../../schema/steps";
import type { StoredHostFacts } from "../../schema/stored-facts";
import type { ApplyHost } from "./apply-hosts";
import { lockstep, phaseFromBatches } from "./apply-plan";
import { hook, joinSecret, k0sInstall, k0sReset, nodeReady, service, tokenCreate, tokenInvalidate, type StepContext } from "./apply-steps";
import { chunk } from "./batches";
import type { NextPlan, Planned } from "./operations";
import type { CleanupRule, PlanPhase } from "./plan";
import { RESTORED_READY, restoreHosts, restoredWorkers } from "./plan-restore";
import type { RunInputs, RunOptions } from "./run-inputs";

/**
 * The end of a restore, planned once its worker checks are in: a worker
 * whose node did not come back Ready (one that joined after the backup was
 * taken is unknown to the restored cluster) is rejoined the way apply joins
 * a worker, with a fresh token of its own: stop, `k0s reset` (keeping the
 * binary, which is the right version), install with the token, start, wait
 * for its node, invalidate the token. Then every host is disconnected.
 */

const MINUTE = 60_000;

export function planRestoreFollowUp(inputs: RunInputs, gathered: Record<string, StoredHostFacts>, options: RunOptions, failedSteps: ReadonlySet<string>): Planned<NextPlan> {
  const spec = inputs.spec;
  const hosts = restoreHosts(spec, gathered);
  if (!hosts.ok) return hosts;
  const { version, built, leader } = hosts;
  const c: StepContext = { spec, version, leader, timeouts: { readyMs: options.waitTimeoutMs ?? 5 * MINUTE, nodeReadyMs: options.waitTimeoutMs ?? 10 * MINUTE, drainMs: goDurationMs(spec.spec.options.drain.timeout) } };
  const notReady = restoredWorkers(built).filter((h) => failedSteps.has(`${RESTORED_READY}:${h.key}`));

  const cleanup: CleanupRule[] = [];
  const rejoin = (h: ApplyHost): Step[] => {
    const invalidate = { ...tokenInvalidate(c, h), id: `rejoin-token-invalidate:${h.key}` };
    cleanup.push({ ifStarted: `rejoin-token-create:${h.key}`, unlessSucceeded: invalidate.id, steps: [{ ...invalidate, id: `cleanup-rejoin-token-invalidate:${h.key}` }] });
    return [
      { ...tokenCreate(c, h), id: `rejoin-token-create:${h.key}` },
      ...hook(h, "reset.before"),
      service(h, "stop", "rejoin-stop"),
      k0sReset(h, "rejoin-reset", false),
      ...hook(h, "reset.after"),
      ...hook(h, "install.before"),
      k0sInstall(h, { tokenSecret: joinSecret(h), force: false, what: "rejoin-install" }),
      service(h, "start", "rejoin-start"),
      nodeReady(c, h, "rejoin-ready"),
      invalidate,
      ...hook(h, "install.after"),
    ];
  };
  // These workers serve nothing already: they rejoin together, in groups of concurrency.limit that keep their tokens young (10 minutes).
  const batches = chunk(notReady, spec.spec.options.concurrency.limit).flatMap((group) => lockstep(group.map(rejoin)));
  const disconnect = built.map((h): Step => ({ kind: "host.disconnect", id: `disconnect:${h.key}`, host: h.target, timeoutMs: 30_000 }));
  const phases: PlanPhase[] = [phaseFromBatches("Rejoin workers", batches), phaseFromBatches("Disconnect from hosts", [disconnect])].filter((p) => p.steps.length > 0);
  const names = notReady.map((h) => h.nodeName ?? h.key).join(", ");
  return {
    ok: true,
    plan: { phases, concurrency: spec.spec.options.concurrency.limit, cleanup },
    summary: notReady.length === 0 ? "" : `Planned the rejoin of ${notReady.length} ${notReady.length === 1 ? "worker" : "workers"} not Ready after the restore (${names}): reset, join with a fresh token, wait for Ready`,
    warnings: notReady.map((h) => `worker ${h.key} (node ${h.nodeName ?? "?"}) did not come back Ready after the restore: rejoining it`),
    expected: null,
    changes: null,
  };
}

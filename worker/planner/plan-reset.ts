import { goDurationMs, type ClusterSpec } from "../../schema/cluster";
import type { K0sFactsReport } from "../../schema/steps-k0s";
import type { StoredHostFacts } from "../../schema/stored-facts";
import { applyHosts, type ApplyHost } from "./apply-hosts";
import { lockstep, phaseFromBatches, type PlanStep } from "./apply-plan";
import { etcdLeave, hook, k0sReset, service, type StepContext } from "./apply-steps";
import type { NextPlan, Planned } from "./operations";
import { storageIsEtcd } from "./phase-install";
import { planFacts } from "./plan-facts";
import { planK0sFacts } from "./plan-k0s-facts";
import type { Plan } from "./plan";
import type { RunInputs } from "./run-inputs";
import { isK0sVersion, normalizeK0sVersion } from "./version";

/**
 * `k0sctl reset`: take k0s off every host of the cluster. Gather first (which
 * hosts run k0s, which controller leads), then workers, then the other
 * controllers one at a time, each leaving etcd while its k0s still runs so
 * the members that stay keep quorum, and the leader last. Every host ends with
 * no k0s unit, binary, config or data dir (`k0s reset`, then the config and
 * the binary are removed). The spec's reset.before/after hooks run around each
 * host's reset.
 */

export function resetGatherPlan(spec: ClusterSpec): Plan {
  const facts = planFacts(spec);
  return { ...facts, phases: [...facts.phases, planK0sFacts(spec)] };
}

export function resetHookPaths(spec: ClusterSpec): string[] {
  return spec.spec.hosts.flatMap((h, i) => ["before", "after"].filter((w) => (h.hooks.reset?.[w as "before" | "after"]?.length ?? 0) > 0).map((w) => `spec.hosts[${i}].hooks.reset.${w}`));
}

export function planResetRun(inputs: RunInputs, gathered: Record<string, StoredHostFacts>): Planned<NextPlan> {
  // A cluster reset is every host marked `reset: true` at once.
  const spec: ClusterSpec = { ...inputs.spec, spec: { ...inputs.spec.spec, hosts: inputs.spec.spec.hosts.map((h) => ({ ...h, reset: true })) } };
  // The version only names staged binaries, which a reset never stages.
  const version = normalizeK0sVersion(spec.spec.k0s.version && isK0sVersion(spec.spec.k0s.version) ? spec.spec.k0s.version : "0.0.0");
  const built = applyHosts(spec, { hosts: gathered }, version);
  if (built.issues.length > 0) return { ok: false, issues: built.issues };
  const hosts = built.hosts;
  const present = hosts.filter((h) => h.running || h.k0s?.installedVersion !== undefined);
  const controllers = present.filter((h) => h.controller);
  const leader = controllers.find((h) => h.running) ?? controllers[0] ?? present[0];
  const warnings = hosts.filter((h) => !present.includes(h)).map((h) => `${h.key}: k0s is not installed there: nothing to reset`);
  if (!leader) {
    return { ok: true, plan: { phases: [], concurrency: spec.spec.options.concurrency.limit }, summary: "No host runs k0s: nothing to reset", warnings, expected: {}, changes: null };
  }
  const c: StepContext = { spec, version, leader, timeouts: { readyMs: 5 * 60_000, nodeReadyMs: 10 * 60_000, drainMs: goDurationMs(spec.spec.options.drain.timeout) } };
  const etcd = storageIsEtcd(c);
  const sequence = (h: ApplyHost, leave: boolean): PlanStep[] => [
    ...hook(h, "reset.before"),
    ...(leave ? [etcdLeave(c, h)] : []),
    ...(h.running ? [service(h, "stop")] : []),
    k0sReset(h),
    ...hook(h, "reset.after"),
  ];
  const workers = present.filter((h) => !h.controller);
  const others = controllers.filter((h) => h !== leader);
  const phases = [
    phaseFromBatches("Reset workers", lockstep(workers.map((h) => sequence(h, false)))),
    // One at a time: the members that stay keep quorum after every removal.
    phaseFromBatches("Reset controllers", others.flatMap((h) => lockstep([sequence(h, etcd && h.running && leader.running)]))),
    phaseFromBatches("Reset leader", lockstep([sequence(leader, false)])),
    phaseFromBatches("Disconnect from hosts", [hosts.map((h) => ({ kind: "host.disconnect" as const, id: `disconnect:${h.key}`, host: h.target, timeoutMs: 30_000 }))]),
  ].filter((p) => p.steps.length > 0);
  const expected: Record<string, K0sFactsReport> = Object.fromEntries(hosts.map((h) => [h.key, { running: false }]));
  const steps = phases.reduce((n, p) => n + p.steps.length, 0);
  return {
    ok: true,
    plan: { phases, concurrency: spec.spec.options.concurrency.limit },
    summary: `Planned the reset of ${present.length} ${present.length === 1 ? "host" : "hosts"} (${steps} steps): workers, then controllers one at a time, the leader ${leader.key} last`,
    warnings: [...built.warnings, ...warnings],
    expected,
    changes: null,
  };
}

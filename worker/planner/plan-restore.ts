import { goDurationMs, type ClusterSpec } from "../../schema/cluster";
import type { K0sRestoreStep } from "../../schema/steps-backup";
import type { Step } from "../../schema/steps";
import type { StoredHostFacts } from "../../schema/stored-facts";
import { applyHosts, type ApplyHost } from "./apply-hosts";
import { lockstep, phaseFromBatches } from "./apply-plan";
import { applyOptions, expectedK0sFacts } from "./plan-apply-run";
import { hook, k0sReset, nodeReady, service, type StepContext } from "./apply-steps";
import { chooseLeader } from "./leader";
import type { NextPlan, Planned } from "./operations";
import { planApply } from "./plan-apply";
import { backupGatherPlan, backupHookPaths } from "./plan-backup";
import type { Plan, PlanPhase } from "./plan";
import { restoreRefusals } from "./restore-refusals";
import type { RestoreSource } from "./restore-source";
import type { RunInputs, RunOptions } from "./run-inputs";
import { isK0sVersion, normalizeK0sVersion } from "./version";

/**
 * Restore a backup (k0sctl `apply --restore-from`, without its silent skip):
 * refuse what is unsafe (restore-refusals.ts), then stop and reset every
 * controller that has k0s (the other controllers must be fresh, or etcd
 * reports `request cluster ID mismatch`, k0sctl #971), and apply the spec as
 * onto new controllers with "Restore cluster state" (`k0s restore` on the
 * leader) right before the leader is initialized, as k0sctl orders it. The
 * apply then joins the other controllers with fresh tokens; workers keep
 * running, and a last phase waits for each of them to be Ready again. Those
 * that are not are rejoined by the follow-up (plan-restore-rejoin.ts).
 */

export function restoreFirst(inputs: RunInputs, options: RunOptions): { plan: Plan; hookPaths: string[] } {
  const source = requireSource(options);
  const issues = restoreRefusals(inputs.cluster, inputs.spec, source, null);
  if (issues.length > 0) throw new RestoreRefused(issues);
  return { plan: backupGatherPlan(inputs.spec), hookPaths: [...backupHookPaths(inputs.spec), ...resetHooks(inputs.spec)] };
}

export class RestoreRefused extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join("; "));
  }
}

function requireSource(options: RunOptions): RestoreSource {
  if (!options.restore) throw new RestoreRefused([{ path: "backup", message: "a restore needs a backup to restore" }]);
  return options.restore;
}

function resetHooks(spec: ClusterSpec): string[] {
  return spec.spec.hosts.flatMap((h, i) => (["before", "after"] as const).filter((w) => (h.hooks.reset?.[w]?.length ?? 0) > 0).map((w) => `spec.hosts[${i}].hooks.reset.${w}`));
}

/** What both halves of a restore plan with: the hosts as gathered, the hosts as the reset leaves the controllers (no k0s), and the leader among those. */
export interface RestoreHosts {
  version: string;
  built: ApplyHost[];
  fresh: Record<string, StoredHostFacts>;
  leader: ApplyHost;
  warnings: string[];
}

export function restoreHosts(spec: ClusterSpec, gathered: Record<string, StoredHostFacts>): Planned<RestoreHosts> {
  const wanted = spec.spec.k0s.version;
  if (!wanted || !isK0sVersion(wanted)) return { ok: false, issues: [{ path: "spec.k0s.version", message: "a restore installs k0s on the controllers: name the version" }] };
  const version = normalizeK0sVersion(wanted);
  const built = applyHosts(spec, { hosts: gathered }, version);
  if (built.issues.length > 0) return { ok: false, issues: built.issues };
  // The apply sees the controllers as the reset leaves them: no k0s at all.
  const fresh: Record<string, StoredHostFacts> = { ...gathered };
  for (const h of built.hosts.filter((x) => x.controller)) fresh[h.key] = { ...gathered[h.key], k0s: { running: false } };
  const chosen = chooseLeader(applyHosts(spec, { hosts: fresh }, version).hosts);
  if (!chosen.ok) return { ok: false, issues: [chosen.issue] };
  return { ok: true, version, built: built.hosts, fresh, leader: chosen.leader, warnings: built.warnings };
}

/** The workers a restore checks: those running before it, whose kubelets should reconnect to the restored control plane. */
export function restoredWorkers(hosts: readonly ApplyHost[]): ApplyHost[] {
  return hosts.filter((h) => h.worker && !h.controller && h.running && h.nodeName !== undefined);
}

export const RESTORED_READY = "restored-ready";

// Kubelets post their node's status every 10 s and Kubernetes marks a silent
// node NotReady after 40 s: a worker not Ready two minutes after the control
// plane came back is not coming back by itself.
const WORKER_CHECK_MS = 2 * 60_000;

export function planRestoreRun(inputs: RunInputs, gathered: Record<string, StoredHostFacts>, options: RunOptions): Planned<NextPlan> {
  const source = options.restore;
  if (!source) return { ok: false, issues: [{ path: "backup", message: "a restore needs a backup to restore" }] };
  const refused = restoreRefusals(inputs.cluster, inputs.spec, source, gathered);
  if (refused.length > 0) return { ok: false, issues: refused };
  const spec = inputs.spec;
  const hosts = restoreHosts(spec, gathered);
  if (!hosts.ok) return hosts;
  const { version, built, fresh, leader } = hosts;
  const live = built.filter((h) => h.controller && (h.running || h.k0s?.installedVersion !== undefined));

  const applied = planApply(spec, { hosts: fresh }, null, applyOptions(options));
  if (!applied.ok) return { ok: false, issues: applied.errors };
  const c: StepContext = { spec, version, leader, timeouts: { readyMs: options.waitTimeoutMs ?? 5 * 60_000, nodeReadyMs: options.waitTimeoutMs ?? WORKER_CHECK_MS, drainMs: goDurationMs(spec.spec.options.drain.timeout) } };

  const resetOne = (h: ApplyHost): Step[] => [...hook(h, "reset.before"), ...(h.running ? [service(h, "stop")] : []), k0sReset(h), ...hook(h, "reset.after")];
  const restore: K0sRestoreStep = {
    kind: "k0s.restore",
    id: `restore:${leader.key}`,
    host: leader.target,
    timeoutMs: 60 * 60_000,
    cluster: inputs.cluster,
    backupId: source.backup.id,
    sha256: source.backup.sha256,
    installPath: leader.spec.k0sInstallPath,
    dataDir: leader.args.dataDir,
  };
  // Best effort: a worker that does not come back Ready fails its check without failing the run; the follow-up rejoins it.
  const workers = restoredWorkers(built);
  const checkWorkers: PlanPhase = { ...phaseFromBatches("Check workers are Ready", [workers.map((h) => nodeReady(c, h, RESTORED_READY))]), bestEffort: true };

  const phases: PlanPhase[] = [];
  // Stopping every controller before any reset: no member is left to re-elect a leader mid-way.
  phases.push(phaseFromBatches("Stop and reset controllers", lockstep(live.map(resetOne))));
  // The follow-up (plan-restore-rejoin.ts) ends the run with its own "Disconnect from hosts".
  const rest = applied.plan.phases.filter((p) => p.name !== "Disconnect from hosts");
  const before = rest.findIndex((p) => p.name === "Run before apply hooks" || p.name === "Initialize the k0s cluster");
  const at = before < 0 ? rest.length : before;
  phases.push(...rest.slice(0, at), phaseFromBatches("Restore cluster state", [[restore]]), ...rest.slice(at), checkWorkers);

  const plan: Plan = { ...applied.plan, phases: phases.filter((p) => p.steps.length > 0) };
  const steps = plan.phases.reduce((n, p) => n + p.steps.length, 0);
  return {
    ok: true,
    plan,
    summary: `Planned the restore of backup ${source.backup.id} (${plan.phases.length} phases, ${steps} steps): reset ${live.length} ${live.length === 1 ? "controller" : "controllers"}, restore onto the leader ${leader.key}, join the others, check ${workers.length} ${workers.length === 1 ? "worker" : "workers"} (rejoining those not Ready)`,
    warnings: [...hosts.warnings, ...applied.warnings],
    expected: expectedK0sFacts(spec, { hosts: fresh }, applied.changes, version),
    changes: null,
  };
}

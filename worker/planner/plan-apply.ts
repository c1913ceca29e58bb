import type { ClusterSpec } from "../../schema/cluster";
import { goDurationMs, hostKey as specHostKey } from "../../schema/cluster";
import type { HookName } from "../../schema/steps-k0s";
import type { ApplyFacts, ApplyOptions } from "./apply-facts";
import { applyHosts, type ApplyHost } from "./apply-hosts";
import { phaseFromBatches } from "./apply-plan";
import type { PlanPhase, Plan, CleanupRule } from "./plan";
import type { Step } from "../../schema/steps";
import { hook, type StepContext } from "./apply-steps";
import { applyChanges, type ApplyChanges } from "./diff";
import { jsonEqual } from "./k0s-config";
import { chooseLeader } from "./leader";
import { configurePhase, installBinariesPhase, stagePhase, uploadPhase } from "./phase-prepare";
import { initializePhase, installControllersPhase, installWorkersPhase } from "./phase-install";
import { resetControllersPhase, resetWorkersPhase } from "./phase-reset";
import { upgradeControllersPhase, upgradeWorkersPhase } from "./phase-upgrade";
import type { PlanIssue } from "./plan";
import { nodeNameIssues, specRefusals } from "./validate-apply";
import { isK0sVersion, normalizeK0sVersion } from "./version";

export type { ApplyFacts, ApplyOptions } from "./apply-facts";
export type { ApplyChanges } from "./diff";


export type PlanApplyResult = { ok: true; plan: Plan & { cleanup: CleanupRule[] }; changes: ApplyChanges; warnings: string[] } | { ok: false; errors: PlanIssue[] };

// Defaults when neither the request nor the spec bounds a wait.
const READY_MS = 5 * 60_000;
// A new node must pull its CNI and proxy images before it turns Ready.
const NODE_READY_MS = 10 * 60_000;

/**
 * The apply operation from "Stage k0s binaries on hosts" on, planned from the
 * spec, what the gather phases found, and the last applied revision (null
 * before the first apply). Pure: the same inputs give the same plan with the
 * same step ids. Refusals (downgrade, losing every controller, kine with
 * several controllers, …) come back as errors naming the spec field; nothing
 * is planned then. Empty phases are left out, so re-applying an unchanged
 * cluster plans little more than "Disconnect from hosts".
 */
export function planApply(spec: ClusterSpec, facts: ApplyFacts, lastApplied: ClusterSpec | null, options: ApplyOptions = {}): PlanApplyResult {
  const wanted = spec.spec.k0s.version ?? options.k0sVersion;
  if (wanted === undefined || !isK0sVersion(wanted)) {
    return { ok: false, errors: [{ path: "spec.k0s.version", message: "must be a k0s version (or be resolved from versionChannel before planning)" }] };
  }
  const version = normalizeK0sVersion(wanted);
  const built = applyHosts(spec, facts, version);
  const issues = [...built.issues, ...specRefusals(spec, lastApplied, built.hosts), ...nodeNameIssues(spec, built.hosts)];
  if (issues.length > 0) return { ok: false, errors: issues };
  // Only once every host is known: a host dropped for its own error must not read as a missing controller.
  const chosen = chooseLeader(built.hosts);
  if (!chosen.ok) return { ok: false, errors: [chosen.issue] };

  const c: StepContext = {
    spec,
    version,
    leader: chosen.leader,
    timeouts: {
      readyMs: options.timeouts?.readyMs ?? READY_MS,
      nodeReadyMs: options.timeouts?.nodeReadyMs ?? NODE_READY_MS,
      drainMs: options.timeouts?.drainMs ?? goDurationMs(spec.spec.options.drain.timeout),
    },
  };
  const hosts = built.hosts;
  const cleanup: CleanupRule[] = [];
  const phases: PlanPhase[] = [
    stagePhase(c, hosts, issues),
    uploadPhase(c, hosts),
    installBinariesPhase(c, hosts),
    configurePhase(c, hosts, facts, lastApplied),
    hookPhase("Run before apply hooks", hosts, "apply.before"),
    initializePhase(c, cleanup),
    installControllersPhase(c, hosts, cleanup),
    installWorkersPhase(c, hosts, cleanup),
    upgradeControllersPhase(c, hosts),
    upgradeWorkersPhase(c, hosts),
    resetWorkersPhase(c, hosts),
    resetControllersPhase(c, hosts),
    hookPhase("Run after apply hooks", hosts, "apply.after"),
    manifestsPhase(c),
    disconnectPhase(hosts),
  ];
  if (issues.length > 0) return { ok: false, errors: issues };

  const changes = applyChanges(spec, lastApplied, hosts, version);
  return {
    ok: true,
    plan: { phases: phases.filter((p) => p.steps.length > 0), concurrency: spec.spec.options.concurrency.limit, cleanup },
    changes,
    warnings: [...built.warnings, ...warningsFor(spec, lastApplied, hosts, changes)],
  };
}

function hookPhase(name: string, hosts: readonly ApplyHost[], which: HookName): PlanPhase {
  return phaseFromBatches(name, [hosts.flatMap((h) => hook(h, which))]);
}

function manifestsPhase(c: StepContext): PlanPhase {
  const manifests = c.spec.spec.manifests;
  const l = c.leader;
  const steps: Step[] =
    manifests.length === 0
      ? []
      : [{ kind: "kube.apply", id: `manifests:${l.key}`, host: l.target, timeoutMs: 5 * 60_000, installPath: l.spec.k0sInstallPath, dataDir: l.args.dataDir, manifests }];
  return phaseFromBatches("Apply additional manifests", [steps]);
}

function disconnectPhase(hosts: readonly ApplyHost[]): PlanPhase {
  return phaseFromBatches("Disconnect from hosts", [hosts.map((h) => ({ kind: "host.disconnect" as const, id: `disconnect:${h.key}`, host: h.target, timeoutMs: 30_000 }))]);
}

// Fields that only reach k0s through `k0s install`: a running host picks them up at its next upgrade.
const INSTALL_FIELDS = ["installFlags", "environment", "hostname", "noTaints", "dataDir", "privateAddress"] as const;

function warningsFor(spec: ClusterSpec, lastApplied: ClusterSpec | null, hosts: readonly ApplyHost[], changes: ApplyChanges): string[] {
  const previous = new Map((lastApplied?.spec.hosts ?? []).map((h) => [specHostKey(h), h]));
  const warnings = changes.hostsRemoved.map((k) => `${k} is no longer in the spec: keel leaves it as it is; to remove it from the cluster, keep it listed with reset: true`);
  if (!spec.spec.options.wait.enabled && hosts.some((h) => !h.controller && !h.reset && h.action === "install")) {
    warnings.push("options.wait is disabled: worker join tokens are not invalidated (nothing tells when they were used) and expire after 10 minutes");
  }
  for (const h of hosts) {
    if (h.reset && h.action === "absent") warnings.push(`${h.key} is marked reset but has no k0s: nothing to remove`);
    const before = previous.get(h.key);
    const changed = before && h.action === "keep" ? INSTALL_FIELDS.filter((f) => !jsonEqual(before[f], h.spec[f])) : [];
    if (changed.length > 0) warnings.push(`${h.key}: ${changed.join(", ")} changed but k0s already runs there: the change applies at its next upgrade or reinstall`);
  }
  return warnings;
}

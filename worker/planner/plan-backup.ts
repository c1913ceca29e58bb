import type { ClusterSpec } from "../../schema/cluster";
import type { K0sBackupStep } from "../../schema/steps-backup";
import type { StoredHostFacts } from "../../schema/stored-facts";
import { applyHosts } from "./apply-hosts";
import { lockstep, phaseFromBatches } from "./apply-plan";
import { hook } from "./apply-steps";
import type { NextPlan, Planned } from "./operations";
import { planFacts } from "./plan-facts";
import { planK0sFacts } from "./plan-k0s-facts";
import type { Plan } from "./plan";
import type { RunInputs } from "./run-inputs";
import { isK0sVersion, normalizeK0sVersion } from "./version";

/**
 * `k0sctl backup`: gather, then on the leader (the first controller running
 * k0s: `k0s backup` asks the running k0s for its role) the backup.before
 * hooks, `k0s backup` streamed into the relay's encrypted store, and the
 * backup.after hooks. The archive's metadata comes back as a `backup` report.
 */

export function backupGatherPlan(spec: ClusterSpec): Plan {
  const facts = planFacts(spec);
  return { ...facts, phases: [...facts.phases, planK0sFacts(spec)] };
}

export function backupHookPaths(spec: ClusterSpec): string[] {
  return spec.spec.hosts.flatMap((h, i) => (["before", "after"] as const).filter((w) => (h.hooks.backup?.[w]?.length ?? 0) > 0).map((w) => `spec.hosts[${i}].hooks.backup.${w}`));
}

const BACKUP_MS = 60 * 60_000;

export function planBackupRun(inputs: RunInputs, gathered: Record<string, StoredHostFacts>): Planned<NextPlan> {
  const spec = inputs.spec;
  // The version only names staged binaries, which a backup never stages.
  const version = normalizeK0sVersion(spec.spec.k0s.version && isK0sVersion(spec.spec.k0s.version) ? spec.spec.k0s.version : "0.0.0");
  const built = applyHosts(spec, { hosts: gathered }, version);
  if (built.issues.length > 0) return { ok: false, issues: built.issues };
  const leader = built.hosts.find((h) => h.controller && !h.reset && h.running);
  if (!leader) {
    return { ok: false, issues: [{ path: "spec.hosts", message: "failed to find a running controller: k0s backup runs on a running controller (apply the cluster first)" }] };
  }
  const backup: K0sBackupStep = {
    kind: "k0s.backup",
    id: `backup:${leader.key}`,
    host: leader.target,
    timeoutMs: BACKUP_MS,
    cluster: inputs.cluster,
    installPath: leader.spec.k0sInstallPath,
    dataDir: leader.args.dataDir,
  };
  const phases = [
    phaseFromBatches("Take backup", lockstep([[...hook(leader, "backup.before"), backup, ...hook(leader, "backup.after")]])),
    phaseFromBatches("Disconnect from hosts", [built.hosts.map((h) => ({ kind: "host.disconnect" as const, id: `disconnect:${h.key}`, host: h.target, timeoutMs: 30_000 }))]),
  ];
  return {
    ok: true,
    plan: { phases, concurrency: spec.spec.options.concurrency.limit },
    summary: `Planned a backup of cluster ${inputs.cluster} on the leader ${leader.key}`,
    warnings: built.warnings,
    expected: null,
    changes: null,
  };
}

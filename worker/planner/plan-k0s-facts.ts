import type { ClusterSpec } from "../../schema/cluster";
import type { K0sStep } from "../../schema/steps-k0s";
import { phaseFromBatches } from "./apply-plan";
import type { PlanPhase } from "./plan";
import { CONFIG_PATH } from "./apply-steps";
import { resolveHostTarget } from "./host-target";
import { PlanError, type PlanIssue } from "./plan";
import { hostKey } from "../../schema/step-base";

export const K0S_FACTS_PHASE = "Gather k0s facts";

/** The apply run's last gather phase, after planFacts' three: what k0s each host has, runs and is configured with. */
export function planK0sFacts(spec: ClusterSpec): PlanPhase {
  const issues: PlanIssue[] = [];
  const steps: K0sStep[] = [];
  spec.spec.hosts.forEach((host, index) => {
    const resolved = resolveHostTarget(host, index);
    if (!resolved.ok) {
      issues.push(...resolved.issues);
      return;
    }
    const key = hostKey(resolved.target);
    steps.push({ kind: "k0s.facts", id: `k0s-facts:${key}`, host: resolved.target, timeoutMs: 30_000, installPath: host.k0sInstallPath, configPath: CONFIG_PATH });
  });
  if (issues.length > 0) throw new PlanError(issues);
  return phaseFromBatches(K0S_FACTS_PHASE, [steps]);
}

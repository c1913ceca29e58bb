import type { ClusterSpec } from "../../schema/cluster";
import type { K0sStep } from "../../schema/steps-k0s";
import { phaseFromBatches } from "./apply-plan";
import type { PlanPhase } from "./plan";
import { resolveHostTarget } from "./host-target";
import { PlanError, type PlanIssue } from "./plan";
import { hostKey } from "../../schema/step-base";

export const CONNECT_HOOKS_PHASE = "Run after connect hooks";

/**
 * `hooks.connect.after`, run right after the hosts are reached (k0sctl runs
 * them at the end of its Connect phase); null when no host has any.
 */
export function planConnectHooks(spec: ClusterSpec): PlanPhase | null {
  const issues: PlanIssue[] = [];
  const steps: K0sStep[] = [];
  spec.spec.hosts.forEach((host, index) => {
    const lines = host.hooks.connect?.after ?? [];
    if (lines.length === 0) return;
    const resolved = resolveHostTarget(host, index);
    if (!resolved.ok) return void issues.push(...resolved.issues);
    steps.push({ kind: "hook.run", id: `hook:connect.after:${hostKey(resolved.target)}`, host: resolved.target, timeoutMs: 30 * 60_000, hook: "connect.after", lines });
  });
  if (issues.length > 0) throw new PlanError(issues);
  return steps.length > 0 ? phaseFromBatches(CONNECT_HOOKS_PHASE, [steps]) : null;
}

/**
 * The version an apply installs must be known before any host is touched:
 * keel does not resolve `versionChannel` to a release (that needs the
 * internet, which the API does not assume).
 */
export function requireK0sVersion(spec: ClusterSpec): void {
  if (spec.spec.k0s.version === undefined) {
    throw new PlanError([{ path: "spec.k0s.version", message: "is required for an apply: keel does not look up the latest release of a versionChannel; set the k0s version to install" }]);
  }
}

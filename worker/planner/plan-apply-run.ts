import { hostKey, type ClusterSpec } from "../../schema/cluster";
import { MAX_FRAME_BYTES } from "../../schema/protocol";
import type { K0sFactsReport } from "../../schema/steps-k0s";
import type { StoredHostFacts } from "../../schema/stored-facts";
import type { ApplyFacts, ApplyOptions } from "./apply-facts";
import type { ApplyChanges } from "./diff";
import { planApply } from "./plan-apply";
import { planConnectHooks, requireK0sVersion } from "./plan-connect-hooks";
import { planFacts } from "./plan-facts";
import { planK0sFacts } from "./plan-k0s-facts";
import type { Plan } from "./plan";
import type { NextPlan, Planned } from "./operations";
import type { RunInputs, RunOptions } from "./run-inputs";
import { normalizeK0sVersion } from "./version";

/**
 * An apply run as one composition, used by the run engine and by the dry run
 * alike: the gather phases, then `planApply` over what they found against the
 * last applied revision.
 */

/**
 * planFacts' three phases (connect hooks right after connecting), then
 * "Gather k0s facts". Throws PlanError like planFacts, also when the spec
 * names no k0s version, so such an apply fails before touching any host.
 */
export function applyGatherPlan(spec: ClusterSpec): Plan {
  requireK0sVersion(spec);
  const facts = planFacts(spec);
  const [connect, ...rest] = facts.phases;
  const hooks = planConnectHooks(spec);
  return { ...facts, phases: [...(connect ? [connect] : []), ...(hooks ? [hooks] : []), ...rest, planK0sFacts(spec)] };
}

/** Hooks that run on every apply (connect.after, apply.before/after), as spec paths: known before any host is touched. */
export function applyHookPaths(spec: ClusterSpec): string[] {
  const paths: string[] = [];
  spec.spec.hosts.forEach((h, i) => {
    if ((h.hooks.connect?.after?.length ?? 0) > 0) paths.push(`spec.hosts[${i}].hooks.connect.after`);
    if ((h.hooks.apply?.before?.length ?? 0) > 0) paths.push(`spec.hosts[${i}].hooks.apply.before`);
    if ((h.hooks.apply?.after?.length ?? 0) > 0) paths.push(`spec.hosts[${i}].hooks.apply.after`);
  });
  return paths;
}

export function applyOptions(options: RunOptions): ApplyOptions {
  return options.waitTimeoutMs !== undefined ? { timeouts: { readyMs: options.waitTimeoutMs, nodeReadyMs: options.waitTimeoutMs } } : {};
}

/**
 * The apply after its gather phases: planApply over what they found, against
 * the run's own revision and the last applied one. A refusal names the spec
 * fields; a step too large for one relay frame is refused before any is sent.
 */
export function planApplyRun(inputs: RunInputs, gathered: Record<string, StoredHostFacts>, options: RunOptions): Planned<NextPlan> {
  const facts: ApplyFacts = { hosts: gathered };
  const result = planApply(inputs.spec, facts, inputs.lastApplied, applyOptions(options));
  if (!result.ok) return { ok: false, issues: result.errors };
  const oversized = oversizedSteps(result.plan);
  if (oversized.length > 0) return { ok: false, issues: oversized };
  const version = normalizeK0sVersion(inputs.spec.spec.k0s.version ?? "");
  const phases = result.plan.phases.length;
  const steps = result.plan.phases.reduce((n, p) => n + p.steps.length, 0);
  const since = inputs.appliedRevision === null ? "first apply" : `last applied revision ${inputs.appliedRevision}`;
  return {
    ok: true,
    plan: result.plan,
    changes: result.changes,
    warnings: result.warnings,
    expected: expectedK0sFacts(inputs.spec, facts, result.changes, version),
    summary: `Planned ${phases} ${phases === 1 ? "phase" : "phases"} (${steps} ${steps === 1 ? "step" : "steps"}) against the ${since}`,
  };
}

/**
 * What "Gather k0s facts" would find once the apply succeeded, so that the
 * stored facts (and a later dry run) describe the cluster as it now is.
 * The config digest is not known until the next gather.
 */
export function expectedK0sFacts(spec: ClusterSpec, facts: ApplyFacts, changes: ApplyChanges, version: string): Record<string, K0sFactsReport> {
  const out: Record<string, K0sFactsReport> = {};
  for (const h of spec.spec.hosts) {
    const key = hostKey(h);
    const found = facts.hosts[key];
    const before = found?.k0s;
    const action = changes.actions[key];
    if (action === "reset") out[key] = { running: false };
    else if (action === "install" || action === "upgrade" || action === "keep") {
      const kept = action === "keep" && before?.installedVersion !== undefined ? before.installedVersion : version;
      const nodeName = h.hostname ?? before?.nodeName ?? found?.hostname?.toLowerCase();
      out[key] = { ...before, running: true, installedVersion: kept, role: h.role, ...(nodeName !== undefined ? { nodeName } : {}) };
    } else if (before) out[key] = before;
  }
  return out;
}

// Room for the step.run envelope around a step inside one relay frame.
export const MAX_STEP_BYTES = MAX_FRAME_BYTES - 4096;

/** Steps too large for one frame (many or large manifests): refused before any of them is sent. */
function oversizedSteps(plan: Plan): { path: string; message: string }[] {
  const encoder = new TextEncoder();
  return plan.phases
    .flatMap((p) => p.steps)
    .map((s) => [s, encoder.encode(JSON.stringify(s)).byteLength] as const)
    .filter(([, bytes]) => bytes > MAX_STEP_BYTES)
    .map(([s, bytes]) => ({
      path: `step ${s.id}`,
      message: `${s.kind} is ${bytes} bytes, over the ${MAX_STEP_BYTES}-byte limit of one relay message; move large content to files on the relay (files[].src)`,
    }));
}

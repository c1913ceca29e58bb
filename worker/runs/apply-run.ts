import { hostKey, type ClusterSpec } from "../../schema/cluster";
import type { K0sFactsReport } from "../../schema/steps-k0s";
import type { Db } from "../core/db";
import type { ApplyFacts } from "../planner/apply-facts";
import { planApply, type ApplyChanges } from "../planner/plan-apply";
import { planFacts } from "../planner/plan-facts";
import { planConnectHooks, requireK0sVersion } from "../planner/plan-connect-hooks";
import { planK0sFacts } from "../planner/plan-k0s-facts";
import type { Plan } from "../planner/plan";
import { MAX_FRAME_BYTES } from "../../schema/protocol";
import { normalizeK0sVersion } from "../planner/version";
import { loadApplyBaseline, loadRevisionSpec } from "./load-cluster";
import type { StoredHostFacts } from "./run-mirror";
import type { GatheredFacts, RelayBinding, RunState } from "./run-state";

/**
 * The apply-specific parts of a run: its gather plan, planning once the facts
 * are in, the hook policy check, and the facts stored when it ends.
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

/**
 * Why the run may not send steps on `relay`, or null: the plan runs the spec's
 * hooks and the relay's own policy forbids them. Checked before any step goes
 * out, so a run that would fail half-way at its first hook never starts.
 */
export function hooksRefusal(state: RunState, relay: RelayBinding): string | null {
  if (relay.allowHooks || !state.apply) return null;
  const planned = state.plan.phases.flatMap((p) => p.steps).filter((s) => s.kind === "hook.run" && state.steps[s.id]?.status === "pending");
  const where = planned.length > 0 ? planned.map((s) => s.id) : state.apply.planned ? [] : state.apply.hookPaths;
  if (where.length === 0) return null;
  const shown = where.slice(0, 5).join(", ") + (where.length > 5 ? `, … (${where.length} in all)` : "");
  return `the apply runs hooks from the spec (${shown}) but relay ${relay.name} does not allow hooks (its policy says allowHooks: false): allow hooks in the relay's policy, or remove the hooks from the spec`;
}

export type PlannedApply =
  | { ok: true; plan: Plan; changes: ApplyChanges; warnings: string[]; expected: Record<string, K0sFactsReport>; summary: string }
  | { ok: false; error: string };

/**
 * planApply over what this run gathered, against the run's own revision (not
 * whatever is current now) and the last applied one. A refusal comes back as
 * the run's error.
 */
export async function planAfterGather(db: Db, state: RunState): Promise<PlannedApply> {
  const spec = await loadRevisionSpec(db, state.cluster, state.revision);
  if (!spec) return { ok: false, error: `revision ${state.revision} of cluster ${state.cluster} is gone or no longer validates` };
  const baseline = await loadApplyBaseline(db, state.cluster);
  const facts: ApplyFacts = { hosts: state.facts };
  const result = planApply(spec, facts, baseline.lastApplied, state.apply?.options ?? {});
  if (!result.ok) return { ok: false, error: `cannot plan the apply: ${result.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}` };
  const oversized = oversizedSteps(result.plan);
  if (oversized.length > 0) return { ok: false, error: `cannot plan the apply: ${oversized.join("; ")}` };
  const version = normalizeK0sVersion(spec.spec.k0s.version ?? state.apply?.options.k0sVersion ?? "");
  const phases = result.plan.phases.length;
  const steps = result.plan.phases.reduce((n, p) => n + p.steps.length, 0);
  const since = baseline.appliedRevision === null ? "first apply" : `last applied revision ${baseline.appliedRevision}`;
  return {
    ok: true,
    plan: result.plan,
    changes: result.changes,
    warnings: result.warnings,
    expected: expectedK0sFacts(spec, facts, result.changes, version),
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

const STORED_FACTS = ["os", "arch", "hostname", "privateInterface", "privateAddress", "k0s"] as const;

/** What clusters.facts keeps per host: what later planners need, nothing else; hosts that reported none are left out. */
export function storedFacts(facts: Record<string, GatheredFacts>): Record<string, StoredHostFacts> {
  const out: Record<string, StoredHostFacts> = {};
  for (const [host, f] of Object.entries(facts)) {
    const kept = Object.fromEntries(STORED_FACTS.filter((k) => f[k] !== undefined).map((k) => [k, f[k]])) as StoredHostFacts;
    if (Object.keys(kept).length > 0) out[host] = kept;
  }
  return out;
}

/**
 * The cluster's facts after a run: a succeeded run replaces them (an apply
 * with the k0s state it produced); a failed one merges what it learned and
 * leaves the rest. A facts run never learns k0s facts, so it keeps the stored ones.
 */
export function factsAfterRun(state: RunState, succeeded: boolean, previous: Record<string, StoredHostFacts>): Record<string, StoredHostFacts> {
  const gathered = storedFacts(state.facts);
  const expected = succeeded ? (state.apply?.expected ?? null) : null;
  const out: Record<string, StoredHostFacts> = succeeded ? {} : { ...previous };
  for (const [host, facts] of Object.entries(gathered)) {
    const k0s = expected?.[host] ?? facts.k0s ?? previous[host]?.k0s;
    out[host] = { ...(succeeded ? {} : previous[host]), ...facts, ...(k0s ? { k0s } : {}) };
  }
  return out;
}

// Room for the step.run envelope around a step inside one relay frame.
const MAX_STEP_BYTES = MAX_FRAME_BYTES - 4096;

/** Steps too large for one frame (many or large manifests): refused before any of them is sent. */
function oversizedSteps(plan: Plan): string[] {
  const encoder = new TextEncoder();
  return plan.phases
    .flatMap((p) => p.steps)
    .map((s) => [s, encoder.encode(JSON.stringify(s)).byteLength] as const)
    .filter(([, bytes]) => bytes > MAX_STEP_BYTES)
    .map(([s, bytes]) => `step ${s.id} (${s.kind}) is ${bytes} bytes, over the ${MAX_STEP_BYTES}-byte limit of one relay message; move large content to files on the relay (files[].src)`);
}

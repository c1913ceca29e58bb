import { Step, type StepResult } from "../../schema/steps";
import { OPERATIONS } from "../planner/operations";
import type { RunInputs } from "../planner/run-inputs";
import { appendCleanupPhase, cleanupPhase } from "./run-cleanup";
import { formatDuration, stepEvents, stepFailure } from "./run-events";
import { factsAfterRun } from "./run-facts";
import { log, logEvents, touchRun, touchStep } from "./run-record";
import type { RunEffect } from "./run-effects";
import {
  addPhases,
  bestEffort,
  inFlight,
  isFinished,
  phaseDone,
  phaseFailure,
  phaseSteps,
  readySteps,
  type RelayBinding,
  type RunState,
  type RunTiming,
  type OwedCleanup,
  type StepState,
} from "./run-state";
import { MAX_STEP_BYTES } from "../planner/plan-apply-run";

/** What every transition knows besides the state: the clock, the timing and the run's planning inputs. */
export interface RunContext {
  now: number;
  timing: RunTiming;
  inputs: RunInputs;
}

// Time the relay gets beyond a step's own timeoutMs before the API gives up on
// it (its journal write and the frame's trip back).
export const GRACE_MS = 15_000;

/**
 * Moves the run forward as far as the state allows: plans the rest once the
 * gather phases are done, finishes phases, sends ready steps, stops a failed or
 * cancelled run (cleanup first) and ends it. Whatever needs the outside world
 * (a relay to send on, the sends themselves) is appended to `fx`.
 */
export function advance(s: RunState, ctx: RunContext, fx: RunEffect[]): void {
  while (!isFinished(s)) {
    const ending = s.ending;
    if (ending && ending.cleanupPhase === null) {
      // Nothing is cut off mid-way: the steps in flight finish first.
      if (inFlight(s).length > 0) return;
      const message = appendCleanupPhase(s);
      if (message === null) return finish(s, ctx, ending.status, ending.error);
      log(s, ctx.now, "warn", "run.stopping", null, message);
      continue;
    }
    if (s.gather && !s.gather.planned && !ending && s.phase === s.gather.phases) {
      planNext(s, ctx);
      continue;
    }
    if (s.followUp && !s.followUp.planned && !ending && s.phase === s.followUp.phases) {
      planFollowUp(s, ctx);
      continue;
    }
    const phase = s.plan.phases[s.phase];
    if (!phase) return finish(s, ctx, ending?.status ?? "succeeded", ending?.error ?? null);
    if (s.phaseStartedAt === null) {
      s.phaseStartedAt = ctx.now;
      log(s, ctx.now, "info", "phase.started", phase.name, `==> Running phase: ${phase.name}`);
    }
    if (phaseDone(s)) {
      finishPhase(s, ctx);
      continue;
    }
    const ready = readySteps(s);
    if (ready.length === 0) return;
    if (!s.relay || s.relayStale) return needRelay(s, fx);
    const refusal = ending ? null : hooksRefusal(s, s.relay);
    if (refusal) {
      log(s, ctx.now, "error", "run.stopping", null, refusal);
      stop(s, "failed", refusal);
      continue;
    }
    // A step the relay would refuse as a frame fails here, before it counts as
    // sent: a run never waits out a timeout for a step that never left.
    const unsendable = ready.map((step) => [step, unsendableReason(step)] as const).filter(([, why]) => why !== null);
    if (unsendable.length > 0) {
      for (const [step, why] of unsendable) {
        const st = s.steps[step.id];
        if (st) finishStep(s, st, step, { ok: false, exitCode: null, stdout: "", stderr: "", durationMs: 0, error: { code: "invalid_step", message: `keel planned a step it cannot send: ${why}` } }, ctx);
      }
      continue;
    }
    return dispatch(s, ready, s.relay, ctx, fx);
  }
}

/** Marks steps in flight on `relay` and asks the driver to send them (it persists the state first). */
export function dispatch(s: RunState, steps: Step[], relay: RelayBinding, ctx: RunContext, fx: RunEffect[]): void {
  for (const step of steps) {
    const st = s.steps[step.id];
    if (!st) continue;
    st.status = "running";
    st.dispatchedAt ??= ctx.now;
    st.deadline = ctx.now + step.timeoutMs + GRACE_MS;
    if (!st.sentTo.includes(relay.name)) st.sentTo.push(relay.name);
    touchStep(s, st);
  }
  if (steps.length > 0) fx.push({ type: "send", relay, steps });
}

/** Asks the driver for a relay of the site (once per transition). */
export function needRelay(s: RunState, fx: RunEffect[]): void {
  if (!fx.some((e) => e.type === "find_relay")) fx.push({ type: "find_relay", site: s.site, preferred: s.relay?.name ?? null });
}

export function finishStep(s: RunState, st: StepState, step: Step, result: StepResult, ctx: RunContext): void {
  st.status = result.ok ? "succeeded" : "failed";
  st.deadline = null;
  st.finishedAt = ctx.now;
  st.error = result.ok ? null : stepFailure(st.host, result);
  if (result.ok && result.facts) s.facts[st.host] = { ...s.facts[st.host], ...result.facts };
  if (result.ok && result.k0s) s.facts[st.host] = { ...s.facts[st.host], k0s: result.k0s };
  // A failed step may report too (a backup that failed verification is recorded as failed).
  if (result.report) {
    const kept = { stepId: st.id, host: st.host, report: result.report };
    s.reports.push(kept);
    s.outbox.reports.push(kept);
  }
  logEvents(s, stepEvents(step, st.host, s.plan.phases[st.phase]?.name ?? "", result, ctx.now));
  touchStep(s, st, result);
}

/** Marks the run as stopping; advance() waits for the steps in flight, runs cleanup, then ends it. The first reason wins. */
export function stop(s: RunState, status: "failed" | "cancelled", error: string): void {
  if (s.ending) return;
  s.ending = { status, error, stoppedPhase: s.phase, stoppedPhaseStarted: s.phaseStartedAt !== null, cleanupPhase: null };
}

/** No relay can take steps: wait (the alarm polls) until RELAY_WAIT_SECONDS have passed, then fail naming the relay. */
export function waitForRelay(s: RunState, ctx: RunContext): void {
  const seconds = ctx.timing.relayWaitMs / 1000;
  if (s.waitingSince === null) {
    s.waitingSince = ctx.now;
    s.status = "waiting_for_relay";
    touchRun(s);
    log(s, ctx.now, "warn", "relay.waiting", null, `waiting for a relay of site ${s.site} to connect (up to ${seconds}s)`);
    return;
  }
  if (ctx.now - s.waitingSince < ctx.timing.relayWaitMs) return;
  const lost = s.relay
    ? `relay ${s.relay.name} of site "${s.site}" has been offline for ${seconds}s and no other relay of the site connected: start the relay and run again`
    : `no relay online for site "${s.site}" after ${seconds}s: start the site's relay and run again`;
  const ending = s.ending;
  const owed = owedCleanup(s);
  const later = owed ? `; its cleanup (${owed.phase.steps.length} ${owed.phase.steps.length === 1 ? "step" : "steps"}) runs first in the cluster's next run` : "";
  // Steps still "in flight" on the lost relay will never report: they end cancelled with the run.
  finish(s, ctx, ending?.status ?? "failed", `${ending ? `${ending.error}; cleanup not finished: ${lost}` : lost}${later}`);
  s.owedCleanup = owed;
}

/**
 * The cleanup a run cannot do because no relay is left to do it: the steps of
 * its cleanup rules not yet done, renamed for the next run and pointed at this
 * run's relay secrets (the join tokens to invalidate live there).
 */
function owedCleanup(s: RunState): OwedCleanup | null {
  const started = s.ending?.cleanupPhase ?? null;
  const source = started !== null ? s.plan.phases[started] : cleanupPhase(s);
  if (!source) return null;
  const steps = source.steps
    .filter((step) => s.steps[step.id]?.status !== "succeeded")
    .map((step) => ({ ...step, id: `owed:${s.id}:${step.id}`.slice(0, 200), ...(step.kind === "k0s.token.invalidate" ? { secretRun: s.id } : {}) }));
  if (steps.length === 0) return null;
  // One step at a time, in the order the rules gave them: their batches no longer line up once done steps are dropped.
  return { runId: s.id, phase: { name: `Clean up after run ${s.id}`, steps, barriers: steps.map((_, i) => i).slice(1), bestEffort: true } };
}

function finishPhase(s: RunState, ctx: RunContext): void {
  const phase = s.plan.phases[s.phase];
  if (!phase) return;
  const took = formatDuration(ctx.now - (s.phaseStartedAt ?? ctx.now));
  if (bestEffort(s)) {
    const failed = phaseSteps(s, s.phase).filter((st) => st.status === "failed").length;
    const steps = `${failed} ${failed === 1 ? "step" : "steps"} failed (see above)`;
    // Before a follow-up is planned, a best-effort phase is a check whose failures the follow-up handles, not a cleanup.
    const check = s.ending === null && s.followUp?.planned === false;
    const text = failed === 0 ? `==> Finished phase: ${phase.name} in ${took}` : check ? `==> Finished phase: ${phase.name} in ${took}: ${steps}` : `==> Cleanup incomplete: ${steps}`;
    log(s, ctx.now, failed > 0 ? "warn" : "info", "phase.finished", phase.name, text);
  } else {
    const failure = phaseFailure(s);
    log(s, ctx.now, failure ? "error" : "info", "phase.finished", phase.name, failure ? `==> Phase failed: ${failure}` : `==> Finished phase: ${phase.name} in ${took}`);
    if (failure) return stop(s, "failed", failure);
  }
  s.phase += 1;
  s.phaseStartedAt = null;
}

/** The gather phases are done: plan the rest from what they found (the run's own inputs, never a fresh read) and append it. */
function planNext(s: RunState, ctx: RunContext): void {
  if (!s.gather) return;
  s.gather.planned = true;
  const planned = OPERATIONS[s.operation].next(ctx.inputs, s.facts, s.options, s.reports);
  if (!planned.ok) {
    const error = `cannot plan the ${s.operation}: ${planned.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
    log(s, ctx.now, "error", "run.planned", null, error);
    return stop(s, "failed", error);
  }
  s.expected = planned.expected;
  addPhases(s, planned.plan.phases);
  s.plan.cleanup = planned.plan.cleanup ?? [];
  if (OPERATIONS[s.operation].followUp) s.followUp = { phases: s.plan.phases.length, planned: false };
  if (planned.summary) log(s, ctx.now, "info", "run.planned", null, planned.summary);
  for (const warning of planned.warnings) log(s, ctx.now, "warn", "plan.warning", null, warning);
}

/** Every phase `next` planned is done: plan what depends on how its checks came out, and append it (its cleanup rules join the others). */
function planFollowUp(s: RunState, ctx: RunContext): void {
  const followUp = OPERATIONS[s.operation].followUp;
  if (!s.followUp || !followUp) return;
  s.followUp.planned = true;
  const failed = new Set(Object.values(s.steps).filter((st) => st.status === "failed").map((st) => st.id));
  const planned = followUp(ctx.inputs, s.facts, s.options, failed);
  if (!planned.ok) {
    const error = `cannot plan the rest of the ${s.operation}: ${planned.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
    log(s, ctx.now, "error", "run.planned", null, error);
    return stop(s, "failed", error);
  }
  if (planned.expected) s.expected = planned.expected;
  addPhases(s, planned.plan.phases);
  s.plan.cleanup = [...(s.plan.cleanup ?? []), ...(planned.plan.cleanup ?? [])];
  if (planned.summary) log(s, ctx.now, "info", "run.planned", null, planned.summary);
  for (const warning of planned.warnings) log(s, ctx.now, "warn", "plan.warning", null, warning);
}

/** Ends the run: closes every step, records the cluster's facts, logs and audits the ending. */
export function finish(s: RunState, ctx: RunContext, status: "succeeded" | "failed" | "cancelled", error: string | null): void {
  for (const st of Object.values(s.steps)) {
    if (st.status !== "pending" && st.status !== "running") continue;
    st.status = st.status === "pending" ? "skipped" : "cancelled";
    if (st.status === "cancelled") {
      st.error = error;
      st.finishedAt = ctx.now;
    }
    touchStep(s, st);
  }
  const ending = s.ending;
  const firstUnstarted = ending ? ending.stoppedPhase + (ending.stoppedPhaseStarted ? 1 : 0) : s.phaseStartedAt === null ? s.phase : s.phase + 1;
  for (const phase of s.plan.phases.slice(firstUnstarted, ending?.cleanupPhase ?? undefined)) log(s, ctx.now, "info", "phase.skipped", phase.name, `==> Skipped phase: ${phase.name}`);

  const succeeded = status === "succeeded";
  const facts = Object.keys(s.facts).length > 0 ? factsAfterRun(s, succeeded, ctx.inputs.facts) : null;
  const effect = succeeded ? OPERATIONS[s.operation].onSuccess : null;
  const applied = effect === "applied" ? { revision: s.revision } : effect === "reset" ? { revision: null } : null;
  if (facts || applied) s.outbox.cluster = { facts, applied };

  const took = formatDuration(ctx.now - s.createdAt);
  if (succeeded) log(s, ctx.now, "info", "run.finished", null, `==> Finished in ${took}`);
  else log(s, ctx.now, status === "cancelled" ? "warn" : "error", "run.finished", null, `Run ${status}: ${error ?? "unknown error"}`);
  s.status = status;
  s.error = error;
  s.finishedAt = ctx.now;
  s.waitingSince = null;
  touchRun(s);
  s.outbox.audit.push({ actor: "system", action: "run.finish", outcome: succeeded ? "ok" : "failed", details: { operation: s.operation, revision: s.revision, status, ...failedSteps(s) } });
}

/**
 * Why the run may not send steps on `relay`, or null: the plan runs the spec's
 * hooks and the relay's own policy forbids them. Checked before any step goes
 * out, so a run that would fail half-way at its first hook never starts.
 */
function hooksRefusal(s: RunState, relay: RelayBinding): string | null {
  if (relay.allowHooks) return null;
  const planned = s.plan.phases.flatMap((p) => p.steps).filter((step) => step.kind === "hook.run" && s.steps[step.id]?.status === "pending");
  const where = planned.length > 0 ? planned.map((step) => step.id) : s.gather?.planned === false ? s.hookPaths : [];
  if (where.length === 0) return null;
  const shown = where.slice(0, 5).join(", ") + (where.length > 5 ? `, … (${where.length} in all)` : "");
  return `the ${s.operation} runs hooks from the spec (${shown}) but relay ${relay.name} does not allow hooks (its policy says allowHooks: false): allow hooks in the relay's policy, or remove the hooks from the spec`;
}

function unsendableReason(step: Step): string | null {
  const parsed = Step.safeParse(step);
  if (!parsed.success) return parsed.error.issues.map((i) => `${step.id}: ${i.path.join(".")}: ${i.message}`).join("; ").slice(0, 1000);
  const bytes = new TextEncoder().encode(JSON.stringify(step)).byteLength;
  return bytes > MAX_STEP_BYTES ? `${step.id} is ${bytes} bytes, over the ${MAX_STEP_BYTES}-byte limit of one relay message` : null;
}

/**
 * What the append-only audit chain keeps about a failure: step ids and error
 * codes only. The full error (commands, stderr, a hook's own lines) stays in
 * runs.error, which can be corrected; the chain cannot be redacted.
 */
function failedSteps(s: RunState): { failed?: { step: string; code: string }[] } {
  const failed = Object.values(s.steps)
    .filter((st) => st.status === "failed")
    .map((st) => ({ step: st.id, code: /^[^:]+:\d+: ([a-z_]+):/.exec(st.error ?? "")?.[1] ?? "failed" }));
  return failed.length > 0 ? { failed: failed.slice(0, 50) } : {};
}

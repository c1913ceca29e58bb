import { fail, type ErrorBody } from "../../schema/errors";
import type { RunSummary } from "../../schema/run-api";
import type { StepResult } from "../../schema/steps";
import { OPERATIONS, type OperationName } from "../planner/operations";
import type { RunOptions } from "../planner/run-inputs";
import type { RunEffect } from "./run-effects";
import { advance, dispatch, finish, finishStep, GRACE_MS, needRelay, stop, waitForRelay, type RunContext } from "./run-progress";
import { log, touchRun } from "./run-record";
import type { StepAck } from "./run-rpc";
import { addPhases, emptyOutbox, findStep, inFlight, isFinished, type OwedCleanup, type RelayBinding, type RunState } from "./run-state";
import { safeToAbort, withoutSecrets } from "./secret-output";

/**
 * The run engine: pure transitions `(state, input, context) → (state,
 * effects)`. No I/O, no clock, no randomness: the ClusterObject's driver
 * (run-driver.ts) loads the state, calls these, stores the result, performs
 * the effects and feeds their answers back in as inputs. See ADR 0007.
 */

export type RunInput =
  /** This object started (again) with a run in storage: steps in flight may never have left, so they are sent again (the relay answers a repeat from its journal). */
  | { type: "resume" }
  /** The answer to `find_relay`: a connected relay of the site, or none. */
  | { type: "relay.found"; relay: RelayBinding | null }
  /** The answer to `send`: these steps did not reach the relay. */
  | { type: "relay.unsent"; stepIds: string[] }
  /** A relay of the site said hello: look again (in-flight steps are re-sent when its connection changed). */
  | { type: "relay.available" }
  | { type: "step.started"; stepId: string; relay: string }
  | { type: "step.finished"; stepId: string; relay: string; result: StepResult }
  | { type: "cancel"; actor: string }
  | { type: "alarm" };

export interface Transition {
  state: RunState;
  effects: RunEffect[];
  /** For step.started / step.finished. */
  ack?: StepAck;
  /** For cancel. */
  refused?: ErrorBody;
}

export interface StartRequest {
  id: string;
  operation: OperationName;
  requestedBy: string;
  options: RunOptions;
  /** Cleanup the cluster's previous run could not do: run first, best effort. */
  owed?: OwedCleanup | null;
}

/** A new run: its first phases planned from the inputs, its start logged and audited, and the first steps asked for. */
export function startRun(req: StartRequest, ctx: RunContext): { ok: true; transition: Transition } | { ok: false; error: ErrorBody } {
  const { inputs } = ctx;
  const operation = OPERATIONS[req.operation];
  const first = operation.first(inputs, req.options);
  if (!first.ok) {
    const text = first.issues.map((i) => `${i.path}: ${i.message}`).join("; ");
    return fail("invalid_spec", `cannot plan ${req.operation} for cluster ${inputs.cluster}: ${text}`, first.issues);
  }
  const s: RunState = {
    id: req.id,
    cluster: inputs.cluster,
    site: inputs.site,
    operation: req.operation,
    revision: inputs.revision,
    requestedBy: req.requestedBy,
    options: req.options,
    status: "queued",
    error: null,
    plan: { ...first.plan, phases: [] },
    phase: 0,
    phaseStartedAt: null,
    steps: {},
    relay: null,
    relayStale: true,
    waitingSince: null,
    facts: {},
    reports: [],
    gather: first.gathers ? { phases: first.plan.phases.length + (req.owed ? 1 : 0), planned: false } : null,
    hookPaths: first.hookPaths,
    expected: null,
    ending: null,
    owedCleanup: null,
    createdAt: ctx.now,
    startedAt: null,
    finishedAt: null,
    eventSeq: 0,
    outbox: { ...emptyOutbox(), run: true },
  };
  addPhases(s, [...(req.owed ? [req.owed.phase] : []), ...first.plan.phases]);
  const hosts = first.plan.phases[0]?.steps.length ?? 0;
  log(s, ctx.now, "info", "run.started", null, `${operation.verb} cluster ${s.cluster} (revision ${s.revision}, ${hosts} ${hosts === 1 ? "host" : "hosts"}), requested by ${s.requestedBy}`);
  if (req.owed) log(s, ctx.now, "warn", "run.stopping", null, `First the cleanup run ${req.owed.runId} could not finish (its relay went away): ${req.owed.phase.steps.length} best-effort ${req.owed.phase.steps.length === 1 ? "step" : "steps"}`);
  s.outbox.audit.push({ actor: s.requestedBy, action: "run.start", outcome: "ok", details: { operation: s.operation, revision: s.revision, ...(s.options.restore ? { backup: s.options.restore.backup.id, sha256: s.options.restore.backup.sha256 } : {}) } });
  const effects: RunEffect[] = [];
  advance(s, ctx, effects);
  return { ok: true, transition: { state: s, effects } };
}

export function transition(previous: RunState, input: RunInput, ctx: RunContext): Transition {
  // Pure from the caller's side: the stored state is never changed in place.
  const s = structuredClone(previous);
  const fx: RunEffect[] = [];
  if (isFinished(s)) return { state: s, effects: fx, ...(input.type === "step.started" || input.type === "step.finished" ? { ack: { accepted: true, duplicate: true } } : {}) };
  switch (input.type) {
    case "resume":
      // Forget the connection: the next relay found re-sends what is in flight.
      if (s.relay) s.relay = { ...s.relay, connectionId: "" };
      // And rewrite the whole D1 mirror from this state, whatever an earlier write lost.
      s.outbox.run = true;
      s.outbox.plan = true;
      for (const id of Object.keys(s.steps)) s.outbox.steps[id] ??= null;
      s.relayStale = true;
      if (inFlight(s).length > 0) needRelay(s, fx);
      break;
    case "relay.found":
      relayFound(s, input.relay, ctx, fx);
      if (isFinished(s) || s.waitingSince !== null) return { state: s, effects: fx };
      break;
    case "relay.unsent":
      for (const id of input.stepIds) {
        const st = s.steps[id];
        if (st?.status !== "running") continue;
        st.status = "pending";
        st.deadline = null;
      }
      s.relayStale = true;
      break;
    case "relay.available":
      s.relayStale = true;
      needRelay(s, fx);
      break;
    case "step.started":
      return { state: s, effects: fx, ack: stepStarted(s, input.stepId, input.relay, ctx) };
    case "step.finished": {
      const ack = stepFinished(s, input.stepId, input.relay, input.result, ctx);
      if (ack.accepted && !ack.duplicate) advance(s, ctx, fx);
      return { state: s, effects: fx, ack };
    }
    case "cancel": {
      const refused = cancel(s, input.actor, ctx, fx);
      if (refused) return { state: previous, effects: [], refused };
      break;
    }
    case "alarm":
      alarm(s, ctx, fx);
      break;
  }
  advance(s, ctx, fx);
  return { state: s, effects: fx };
}

function relayFound(s: RunState, relay: RelayBinding | null, ctx: RunContext, fx: RunEffect[]): void {
  if (!relay) {
    s.relayStale = true;
    return waitForRelay(s, ctx);
  }
  const previous = s.relay;
  s.relay = relay;
  s.relayStale = false;
  if (previous?.connectionId !== relay.connectionId) {
    log(s, ctx.now, "info", "relay.found", null, `using relay ${relay.name}${previous ? " (reconnected)" : ""}`);
    // Steps in flight went out on a connection that is gone (or never went out): send them again; the relay dedupes by id.
    const flying = inFlight(s)
      .map((st) => findStep(s, st.id))
      .filter((step) => step !== undefined);
    dispatch(s, flying, relay, ctx, fx);
  }
  if (s.waitingSince !== null || s.status !== "running") {
    s.waitingSince = null;
    s.startedAt ??= ctx.now;
    s.status = "running";
    touchRun(s);
  }
}

/** Locates a step a relay reports on; only a relay the step was sent to may report it. */
function locate(s: RunState, stepId: string, relay: string) {
  const st = s.steps[stepId];
  const step = findStep(s, stepId);
  if (!st || !step) return { reason: `run ${s.id} has no step ${stepId}` } as const;
  if (!st.sentTo.includes(relay)) return { reason: `step ${stepId} of run ${s.id} was not sent to relay ${relay}` } as const;
  return { st, step } as const;
}

function stepStarted(s: RunState, stepId: string, relay: string, ctx: RunContext): StepAck {
  const found = locate(s, stepId, relay);
  if ("reason" in found) return { accepted: false, reason: found.reason };
  if (found.st.status !== "running") return { accepted: true, duplicate: true };
  // The relay may have queued the step: its timeout counts from when it really started.
  found.st.deadline = ctx.now + found.step.timeoutMs + GRACE_MS;
  return { accepted: true };
}

function stepFinished(s: RunState, stepId: string, relay: string, result: StepResult, ctx: RunContext): StepAck {
  const found = locate(s, stepId, relay);
  if ("reason" in found) return { accepted: false, reason: found.reason };
  // A re-sent step is answered again from the relay's journal: the first answer counts.
  if (found.st.status !== "running" && found.st.status !== "pending") return { accepted: true, duplicate: true };
  finishStep(s, found.st, found.step, withoutSecrets(found.step, result), ctx);
  return { accepted: true };
}

/**
 * Stops the run after the steps in flight: those that only read or wait are
 * told to abort, the others (an install, a config write) finish. Then the
 * cleanup rules run and the run ends `cancelled`. A second cancel of a run
 * that is still waiting for its steps ends it at once: a cancel always ends a
 * run, even when a relay never answers.
 */
function cancel(s: RunState, actor: string, ctx: RunContext, fx: RunEffect[]): ErrorBody | undefined {
  const flying = inFlight(s);
  const abort = (steps: typeof flying) => {
    const targets = steps.flatMap((st) => st.sentTo.map((relay) => ({ relay, stepId: st.id })));
    if (targets.length > 0) fx.push({ type: "cancel_steps", steps: targets });
  };
  if (s.ending) {
    const already = s.ending.status === "cancelled" ? "cancelling" : `stopping after a failure (${s.ending.error})`;
    log(s, ctx.now, "warn", "run.stopping", null, `Cancel requested again by ${actor} while ${already}: ending the run now${flying.length > 0 ? `; ${flying.length} ${flying.length === 1 ? "step" : "steps"} in flight abandoned (their hosts may need a look)` : ""}`);
    abort(flying);
    finish(s, ctx, s.ending.status, `${s.ending.error}; ended by ${actor} before ${s.ending.cleanupPhase === null ? "cleanup" : "cleanup finished"}`);
    return undefined;
  }
  const aborted = flying.filter((st) => {
    const step = findStep(s, st.id);
    return step !== undefined && safeToAbort(step);
  });
  const waiting = flying.length - aborted.length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const notes = [waiting > 0 ? `waiting for ${plural(waiting, "step")} in flight to finish` : "", aborted.length > 0 ? `aborting ${plural(aborted.length, "wait")}` : ""].filter(Boolean);
  log(s, ctx.now, "warn", "run.stopping", null, `Cancel requested by ${actor}${notes.length > 0 ? `: ${notes.join(", ")}` : ""}`);
  stop(s, "cancelled", `cancelled by ${actor}`);
  abort(aborted);
  return undefined;
}

/** Deadlines, relay polls and the watchdog. */
function alarm(s: RunState, ctx: RunContext, fx: RunEffect[]): void {
  const timedOut = inFlight(s).filter((st) => st.deadline !== null && st.deadline <= ctx.now);
  for (const st of timedOut) {
    const step = findStep(s, st.id);
    if (!step) continue;
    const seconds = Math.round((step.timeoutMs + GRACE_MS) / 1000);
    // A relay known to be gone is the likelier cause than a slow host: say so.
    const message = s.waitingSince !== null && s.relay ? `no result within ${seconds}s: relay ${s.relay.name} of site "${s.site}" is offline` : `no result from the relay within ${seconds}s`;
    finishStep(s, st, step, { ok: false, exitCode: null, stdout: "", stderr: "", error: { code: "timeout", message }, durationMs: ctx.now - (st.dispatchedAt ?? ctx.now) }, ctx);
    fx.push({ type: "cancel_steps", steps: st.sentTo.map((relay) => ({ relay, stepId: st.id })) });
  }
  // A relay that vanished without a close frame, or one that came back on a new connection, is noticed here.
  if (s.waitingSince !== null || inFlight(s).length > 0) needRelay(s, fx);
}

export function summary(s: RunState): RunSummary {
  const { id, cluster, operation, status, revision, requestedBy, createdAt } = s;
  return { id, cluster, operation, status, revision, requestedBy, createdAt };
}

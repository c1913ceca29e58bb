import { z } from "zod";
import { FINISHED_RUN_STATUSES, RunId, type RunSummary } from "../../schema/run-api";
import { StepResult, type Step } from "../../schema/steps";
import { openDb } from "../core/db";
import { EnvVars, type Env } from "../core/env";
import { PlanError, type Plan, type PlanIssue } from "../planner/plan";
import { planFacts } from "../planner/plan-facts";
import { appendAuditWith } from "../core/audit-append";
import { applyGatherPlan, applyHookPaths, factsAfterRun, hooksRefusal, planAfterGather } from "./apply-run";
import { loadClusterForRun } from "./load-cluster";
import { cancelStep, findRelay, sendSteps } from "./relay-dispatch";
import { appendCleanupPhase } from "./run-cleanup";
import { formatDuration, stepEvents, stepFailure, type RunEvent } from "./run-events";
import { RunMirror, readClusterFacts } from "./run-mirror";
import {
  TERMINAL_STEP,
  addPhases,
  bestEffort,
  findStep,
  inFlight,
  newRunState,
  nextWake,
  phaseDone,
  phaseFailure,
  phaseSteps,
  readySteps,
  type ApplyRunState,
  type RelayBinding,
  type RunState,
  type RunStatus,
  type StepState,
} from "./run-state";
import { safeToAbort, withoutSecrets } from "./secret-output";

export const StartRunInput = z.object({
  cluster: z.string().min(1).max(253),
  operation: z.enum(["facts", "apply"]),
  requestedBy: z.string().min(1).max(200),
  runId: RunId.optional(),
  /** apply: overrides the readiness waits (k0s.wait.ready) of the plan, in milliseconds. */
  waitTimeoutMs: z.number().int().min(1000).max(6 * 3600_000).optional(),
});
export type StartRunInput = z.infer<typeof StartRunInput>;

export type { RunSummary };

export type StartRunResult =
  | { ok: true; run: RunSummary }
  | { ok: false; code: "conflict"; message: string; activeRun: RunSummary }
  | { ok: false; code: "not_found" | "invalid_spec"; message: string; details?: PlanIssue[] };

export type CancelRunResult = { ok: true; run: RunSummary } | { ok: false; code: "not_active" | "conflict"; message: string };

/** What the ClusterObject tells the relay side about a step.started / step.finished it forwarded. */
export interface StepAck {
  accepted: boolean;
  duplicate?: boolean;
  reason?: string;
}

const RUN_KEY = "run";
const LAST_RUN_KEY = "lastRun";
// Time the relay gets beyond a step's own timeoutMs before the API gives up on it
// (its journal write and the frame's trip back).
const GRACE_MS = 15_000;

interface Tx {
  now: number;
  mirror: RunMirror;
  events: RunEvent[];
}

/**
 * The run state machine of one cluster. Event-driven: a start, each step
 * result, a relay coming online and each alarm move the run forward, and
 * every transition is persisted in Durable Object storage before any frame
 * leaves, then mirrored to D1. The ClusterObject calls one method at a time.
 *
 * Longer than the other files on purpose: its transitions (start, advance,
 * send, stop, cleanup, finish) share one state and must be read together to
 * see that every path ends a run; the pure parts already live in run-state,
 * apply-run, run-cleanup, run-events and run-mirror.
 */
export class RunMachine {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {}

  async activeRun(): Promise<RunSummary | null> {
    const state = await this.load();
    return state ? summary(state) : null;
  }

  async start(raw: unknown): Promise<StartRunResult> {
    const input = StartRunInput.parse(raw);
    const active = await this.load();
    if (active) {
      return { ok: false, code: "conflict", message: `cluster ${input.cluster} already has an active run ${active.id} (${active.operation}, ${active.status})`, activeRun: summary(active) };
    }
    const db = openDb(this.env.DB);
    const cluster = await loadClusterForRun(db, input.cluster);
    if (!cluster.ok) return cluster;
    let plan: Plan;
    try {
      plan = input.operation === "apply" ? applyGatherPlan(cluster.spec) : planFacts(cluster.spec);
    } catch (err) {
      if (err instanceof PlanError) return { ok: false, code: "invalid_spec", message: `cannot plan ${input.operation} for cluster ${input.cluster}: ${err.message}`, details: err.issues };
      throw err;
    }
    const apply: ApplyRunState | undefined =
      input.operation === "apply"
        ? {
            options: input.waitTimeoutMs !== undefined ? { timeouts: { readyMs: input.waitTimeoutMs, nodeReadyMs: input.waitTimeoutMs } } : {},
            gatherPhases: plan.phases.length,
            planned: false,
            hookPaths: applyHookPaths(cluster.spec),
            expected: null,
          }
        : undefined;
    const now = Date.now();
    const state = newRunState({ id: input.runId ?? `run_${crypto.randomUUID()}`, cluster: input.cluster, site: cluster.site, operation: input.operation, revision: cluster.revision, requestedBy: input.requestedBy, plan, apply, now });
    const tx = this.tx(state, now);
    const hosts = plan.phases[0]?.steps.length ?? 0;
    const what = input.operation === "apply" ? "Applying" : "Gathering facts for";
    tx.events.push(event(now, "info", "run.started", null, `${what} cluster ${state.cluster} (revision ${state.revision}, ${hosts} ${hosts === 1 ? "host" : "hosts"}), requested by ${state.requestedBy}`));
    // The run's rows and its audit entry land together, and before the lock is
    // taken in storage: readers can always resolve a run id the API returned.
    const writes = tx.mirror.createRun(state).events(tx.events.splice(0)).take();
    const audit = { actor: state.requestedBy, action: "run.start", cluster: state.cluster, target: state.id, outcome: "ok" as const, details: { operation: state.operation, revision: state.revision } };
    await appendAuditWith(this.env.DB, audit, () => writes);
    // Locked (and an alarm set) before anything can fail half-way: the alarm retries what did not happen.
    await this.commit(state, tx);
    await this.advance(state, tx);
    await this.commit(state, tx);
    return { ok: true, run: summary(state) };
  }

  async stepStarted(runId: string, stepId: string, relay: string): Promise<StepAck> {
    const state = await this.load();
    if (state?.id !== runId) return this.notActive(runId);
    const found = this.locate(state, stepId, relay);
    if ("reason" in found) return { accepted: false, reason: found.reason };
    if (found.s.status !== "running") return { accepted: true, duplicate: true };
    // The relay may have queued the step: its timeout counts from when it really started.
    found.s.deadline = Date.now() + found.step.timeoutMs + GRACE_MS;
    await this.storage.put(RUN_KEY, state);
    await this.schedule(state);
    return { accepted: true };
  }

  async stepFinished(runId: string, stepId: string, raw: unknown, relay: string): Promise<StepAck> {
    const state = await this.load();
    if (state?.id !== runId) return this.notActive(runId);
    const found = this.locate(state, stepId, relay);
    if ("reason" in found) return { accepted: false, reason: found.reason };
    // A re-sent step is answered again from the relay's journal: the first answer counts.
    if (TERMINAL_STEP.has(found.s.status)) return { accepted: true, duplicate: true };
    const result = StepResult.safeParse(raw);
    if (!result.success) return { accepted: false, reason: `invalid step result: ${result.error.issues[0]?.message ?? "unknown"}` };
    const tx = this.tx(state, Date.now());
    this.applyResult(state, found.s, found.step, withoutSecrets(found.step, result.data), tx);
    await this.advance(state, tx);
    await this.commit(state, tx);
    return { accepted: true };
  }

  /** A relay of the cluster's site said hello: resume at once instead of at the next alarm. */
  async relayAvailable(): Promise<void> {
    const state = await this.load();
    if (!state) return;
    const tx = this.tx(state, Date.now());
    if (inFlight(state).length > 0 && !(await this.ensureRelay(state, tx))) await this.waitForRelay(state, tx);
    await this.advance(state, tx);
    await this.commit(state, tx);
  }

  /**
   * Stops the run after the steps in flight: those that only read or wait are
   * told to abort, the others (an install, a config write) finish. Then the
   * cleanup rules run and the run ends `cancelled`.
   */
  async cancel(runId: string, actor: string): Promise<CancelRunResult> {
    const state = await this.load();
    if (state?.id !== runId) return { ok: false, code: "not_active", message: `run ${runId} is not active` };
    if (state.ending?.status === "cancelled") return { ok: true, run: summary(state) };
    if (state.ending) return { ok: false, code: "conflict", message: `run ${runId} is already stopping after a failure (${state.ending.error}); it ends failed once its cleanup is done` };
    const tx = this.tx(state, Date.now());
    const flying = inFlight(state);
    const aborted = flying.filter((s) => {
      const step = findStep(state, s.id);
      return step !== undefined && safeToAbort(step);
    });
    const waiting = flying.length - aborted.length;
    const notes = [waiting > 0 ? `waiting for ${plural(waiting, "step")} in flight to finish` : "", aborted.length > 0 ? `aborting ${plural(aborted.length, "wait")}` : ""].filter(Boolean);
    tx.events.push(event(tx.now, "warn", "run.stopping", null, `Cancel requested by ${actor}${notes.length > 0 ? `: ${notes.join(", ")}` : ""}`));
    this.stop(state, "cancelled", `cancelled by ${actor}`);
    await this.advance(state, tx);
    await this.commit(state, tx);
    for (const s of aborted) for (const relay of s.sentTo) await cancelStep(this.env, relay, state.id, s.id);
    return { ok: true, run: summary(state) };
  }

  async alarm(): Promise<void> {
    const state = await this.load();
    if (!state) return;
    const tx = this.tx(state, Date.now());
    const timedOut = inFlight(state).filter((s) => s.deadline !== null && s.deadline <= tx.now);
    for (const s of timedOut) {
      const step = findStep(state, s.id);
      if (!step) continue;
      const seconds = Math.round((step.timeoutMs + GRACE_MS) / 1000);
      const result: StepResult = { ok: false, exitCode: null, stdout: "", stderr: "", error: { code: "timeout", message: `no result from the relay within ${seconds}s` }, durationMs: tx.now - (s.dispatchedAt ?? tx.now) };
      this.applyResult(state, s, step, result, tx);
    }
    if (inFlight(state).length > 0 && !(await this.ensureRelay(state, tx))) await this.waitForRelay(state, tx);
    await this.advance(state, tx);
    await this.commit(state, tx);
    for (const s of timedOut) for (const relay of s.sentTo) await cancelStep(this.env, relay, state.id, s.id);
  }

  private async load(): Promise<RunState | null> {
    return (await this.storage.get<RunState>(RUN_KEY)) ?? null;
  }

  private tx(state: RunState, now: number): Tx {
    return { now, mirror: new RunMirror(openDb(this.env.DB), state.id), events: [] };
  }

  /** A late or repeated frame for the run that just ended is a duplicate, not an error: the relay may re-send from its journal. */
  private async notActive(runId: string): Promise<StepAck> {
    if ((await this.storage.get<string>(LAST_RUN_KEY)) === runId) return { accepted: true, duplicate: true };
    return { accepted: false, reason: `run ${runId} is not active on this cluster` };
  }

  private locate(state: RunState, stepId: string, relay: string): { s: StepState; step: Step } | { reason: string } {
    const runId = state.id;
    const s = state.steps[stepId];
    const step = findStep(state, stepId);
    if (!s || !step) return { reason: `run ${runId} has no step ${stepId}` };
    // Only a relay the step was sent to may report on it.
    if (!s.sentTo.includes(relay)) return { reason: `step ${stepId} of run ${runId} was not sent to relay ${relay}` };
    return { s, step };
  }

  private applyResult(state: RunState, s: StepState, step: Step, result: StepResult, tx: Tx): void {
    s.status = result.ok ? "succeeded" : "failed";
    s.deadline = null;
    s.error = result.ok ? null : stepFailure(s.host, result);
    if (result.ok && result.facts) state.facts[s.host] = { ...state.facts[s.host], ...result.facts };
    if (result.ok && result.k0s) state.facts[s.host] = { ...state.facts[s.host], k0s: result.k0s };
    tx.events.push(...stepEvents(step, s.host, state.plan.phases[s.phase]?.name ?? "", result, tx.now));
    tx.mirror.stepFinished(s.id, s.status, result, s.error, tx.now);
  }

  /**
   * Runs phases forward as far as results allow: plans an apply once its
   * gather phases are done, finishes phases, sends ready steps, stops a failed
   * or cancelled run (cleanup first), ends the run.
   */
  private async advance(state: RunState, tx: Tx): Promise<void> {
    for (let sends = 0; !isFinished(state.status); ) {
      const ending = state.ending;
      if (ending && ending.cleanupPhase === null) {
        // Nothing is cut off mid-way: the steps in flight finish first.
        if (inFlight(state).length > 0) return;
        if (!this.startCleanup(state, tx)) return this.finish(state, tx, ending.status, ending.error);
        continue;
      }
      if (state.apply && !state.apply.planned && !ending && state.phase === state.apply.gatherPhases) {
        await this.planApply(state, tx);
        continue;
      }
      const phase = state.plan.phases[state.phase];
      if (!phase) return ending ? this.finish(state, tx, ending.status, ending.error) : this.finish(state, tx, "succeeded", null);
      if (state.phaseStartedAt === null) {
        state.phaseStartedAt = tx.now;
        tx.events.push(event(tx.now, "info", "phase.started", phase.name, `==> Running phase: ${phase.name}`));
      }
      if (phaseDone(state)) {
        const took = formatDuration(tx.now - state.phaseStartedAt);
        if (bestEffort(state)) {
          const failed = phaseSteps(state, state.phase).filter((s) => s.status === "failed").length;
          tx.events.push(event(tx.now, failed > 0 ? "warn" : "info", "phase.finished", phase.name, failed > 0 ? `==> Cleanup incomplete: ${failed} ${failed === 1 ? "step" : "steps"} failed (see above)` : `==> Finished phase: ${phase.name} in ${took}`));
        } else {
          const failure = phaseFailure(state);
          tx.events.push(event(tx.now, failure ? "error" : "info", "phase.finished", phase.name, failure ? `==> Phase failed: ${failure}` : `==> Finished phase: ${phase.name} in ${took}`));
          if (failure) {
            this.stop(state, "failed", failure);
            continue;
          }
        }
        state.phase += 1;
        state.phaseStartedAt = null;
        continue;
      }
      const ready = readySteps(state);
      if (ready.length === 0) return;
      // A relay that accepts the connection check but then refuses frames must not spin this loop.
      const relay = sends++ < 2 ? await this.ensureRelay(state, tx) : null;
      if (!relay) return this.waitForRelay(state, tx);
      const refusal = ending ? null : hooksRefusal(state, relay);
      if (refusal) {
        tx.events.push(event(tx.now, "error", "run.stopping", null, refusal));
        this.stop(state, "failed", refusal);
        continue;
      }
      const unsent = await this.send(state, tx, relay, ready);
      if (unsent.length === 0) return;
      state.relay = null;
    }
  }

  /** Marks the run as stopping; advance() waits for the steps in flight, runs cleanup, then ends it. The first reason wins. */
  private stop(state: RunState, status: "failed" | "cancelled", error: string): void {
    if (state.ending) return;
    state.ending = { status, error, stoppedPhase: state.phase, stoppedPhaseStarted: state.phaseStartedAt !== null, cleanupPhase: null };
  }

  /** Appends the cleanup phase when some rule applies; false when there is nothing to clean up. */
  private startCleanup(state: RunState, tx: Tx): boolean {
    const index = state.plan.phases.length;
    const message = appendCleanupPhase(state);
    if (message === null) return false;
    tx.mirror.phasesAdded(state, index);
    tx.events.push(event(tx.now, "warn", "run.stopping", null, message));
    return true;
  }

  /** The gather phases are done: plan the rest of the apply from what they found and append it to the run. */
  private async planApply(state: RunState, tx: Tx): Promise<void> {
    if (!state.apply) return;
    const planned = await planAfterGather(openDb(this.env.DB), state);
    state.apply.planned = true;
    if (!planned.ok) {
      tx.events.push(event(tx.now, "error", "run.planned", null, planned.error));
      return this.stop(state, "failed", planned.error);
    }
    state.apply.expected = planned.expected;
    const index = state.plan.phases.length;
    addPhases(state, planned.plan.phases);
    state.plan.cleanup = planned.plan.cleanup ?? [];
    tx.mirror.phasesAdded(state, index);
    tx.events.push(event(tx.now, "info", "run.planned", null, planned.summary));
    for (const warning of planned.warnings) tx.events.push(event(tx.now, "warn", "plan.warning", null, warning));
  }

  /**
   * The relay to send on, or null when none of the site's relays is connected.
   * When the relay's connection changed, the steps still in flight were sent on
   * a connection that is gone: they are sent again (the relay dedupes by id).
   */
  private async ensureRelay(state: RunState, tx: Tx): Promise<RelayBinding | null> {
    const relay = await findRelay(this.env, state.site, state.relay);
    if (!relay) return null;
    const previous = state.relay;
    if (previous?.connectionId !== relay.connectionId) {
      state.relay = relay;
      const again = previous ? " (reconnected)" : "";
      tx.events.push(event(tx.now, "info", "relay.found", null, `using relay ${relay.name}${again}`));
      const flying = inFlight(state);
      if (flying.length > 0) {
        const steps = flying.map((s) => findStep(state, s.id)).filter((s): s is Step => s !== undefined);
        if ((await this.send(state, tx, relay, steps)).length > 0) return null;
      }
    }
    if (state.waitingSince !== null || state.status !== "running") {
      state.waitingSince = null;
      state.startedAt ??= tx.now;
      state.status = "running";
      tx.mirror.status("running", { startedAt: state.startedAt });
    }
    return relay;
  }

  /** Marks steps in flight, persists that, then sends; steps that could not be sent go back to pending. */
  private async send(state: RunState, tx: Tx, relay: RelayBinding, steps: Step[]): Promise<string[]> {
    const fresh: string[] = [];
    for (const step of steps) {
      const s = state.steps[step.id];
      if (!s) continue;
      if (s.status === "pending") fresh.push(s.id);
      s.status = "running";
      s.dispatchedAt = tx.now;
      s.deadline = tx.now + step.timeoutMs + GRACE_MS;
      if (!s.sentTo.includes(relay.name)) s.sentTo.push(relay.name);
    }
    if (fresh.length > 0) tx.mirror.stepsSent(fresh, tx.now);
    // Persisted before the frames leave: a result can never arrive for a step this object does not know it sent.
    await this.commit(state, tx);
    const unsent = await sendSteps(this.env, relay, state.cluster, state.id, steps);
    for (const id of unsent) {
      const s = state.steps[id];
      if (!s) continue;
      s.status = "pending";
      s.dispatchedAt = null;
      s.deadline = null;
    }
    if (unsent.length > 0) tx.mirror.stepsUnsent(unsent);
    return unsent;
  }

  private async waitForRelay(state: RunState, tx: Tx): Promise<void> {
    const seconds = this.timing().relayWaitMs / 1000;
    if (state.waitingSince === null) {
      state.waitingSince = tx.now;
      state.status = "waiting_for_relay";
      tx.mirror.status("waiting_for_relay");
      tx.events.push(event(tx.now, "warn", "relay.waiting", null, `waiting for a relay of site ${state.site} to connect (up to ${seconds}s)`));
    } else if (tx.now - state.waitingSince >= this.timing().relayWaitMs) {
      const lost = `no relay online for site "${state.site}" after ${seconds}s`;
      const ending = state.ending;
      await this.finish(state, tx, ending?.status ?? "failed", ending ? `${ending.error}; cleanup not finished: ${lost}` : lost);
    }
  }

  private async finish(state: RunState, tx: Tx, status: "succeeded" | "failed" | "cancelled", error: string | null): Promise<void> {
    const skipped: string[] = [];
    const cancelled: string[] = [];
    for (const s of Object.values(state.steps)) {
      if (s.status === "pending") skipped.push(s.id);
      if (s.status === "running") cancelled.push(s.id);
    }
    for (const id of skipped) setStatus(state, id, "skipped");
    for (const id of cancelled) setStatus(state, id, "cancelled");
    const ending = state.ending;
    const firstUnstarted = ending ? ending.stoppedPhase + (ending.stoppedPhaseStarted ? 1 : 0) : state.phaseStartedAt === null ? state.phase : state.phase + 1;
    for (const phase of state.plan.phases.slice(firstUnstarted, ending?.cleanupPhase ?? undefined)) tx.events.push(event(tx.now, "info", "phase.skipped", phase.name, `==> Skipped phase: ${phase.name}`));
    tx.mirror.closeSteps(skipped, cancelled, error, tx.now);

    const succeeded = status === "succeeded";
    if (Object.keys(state.facts).length > 0) tx.mirror.clusterFacts(state.cluster, factsAfterRun(state, succeeded, await readClusterFacts(openDb(this.env.DB), state.cluster)));
    if (succeeded && state.operation === "apply") tx.mirror.clusterApplied(state.cluster, state.revision);

    const took = formatDuration(tx.now - state.createdAt);
    const last = succeeded
      ? event(tx.now, "info", "run.finished", null, `==> Finished in ${took}`)
      : event(tx.now, status === "cancelled" ? "warn" : "error", "run.finished", null, `Run ${status}: ${error ?? "unknown error"}`);
    tx.events.push(last);
    tx.mirror.status(status, { finishedAt: tx.now, error }).events(tx.events.splice(0));
    state.status = status;

    // The run's last rows and its audit entry land in one batch, so the log never misses an ending.
    const writes = tx.mirror.take();
    const outcome = succeeded ? "ok" : "failed";
    await appendAuditWith(this.env.DB, { actor: "system", action: "run.finish", cluster: state.cluster, target: state.id, outcome, details: { operation: state.operation, revision: state.revision, status, ...failedSteps(state) } }, () => writes);
    await this.storage.put(LAST_RUN_KEY, state.id);
    await this.storage.delete(RUN_KEY);
    await this.storage.deleteAlarm();
  }

  /** Persists the state and mirrors the transition to D1 (finish() does its own). */
  private async commit(state: RunState, tx: Tx): Promise<void> {
    if (isFinished(state.status)) return;
    tx.mirror.events(tx.events.splice(0));
    await this.storage.put(RUN_KEY, state);
    await tx.mirror.flush();
    await this.schedule(state);
  }

  private async schedule(state: RunState): Promise<void> {
    await this.storage.setAlarm(nextWake(state, this.timing(), Date.now()));
  }

  private timing() {
    const relayWaitMs = EnvVars.shape.RELAY_WAIT_SECONDS.parse(this.env.RELAY_WAIT_SECONDS) * 1000;
    return { relayWaitMs, relayPollMs: Math.min(1000, relayWaitMs / 4), watchdogMs: Math.min(10_000, relayWaitMs / 2) };
  }
}

function setStatus(state: RunState, id: string, status: StepState["status"]): void {
  const s = state.steps[id];
  if (s) s.status = status;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function isFinished(status: RunStatus): boolean {
  return FINISHED_RUN_STATUSES.has(status);
}

function summary(state: RunState): RunSummary {
  const { id, cluster, operation, status, revision, requestedBy, createdAt } = state;
  return { id, cluster, operation, status, revision, requestedBy, createdAt };
}

function event(at: number, level: RunEvent["level"], type: string, phase: string | null, message: string): RunEvent {
  return { at, level, type, phase, host: null, message };
}

/**
 * What the append-only audit chain keeps about a failure: step ids and error
 * codes only. The full error (commands, stderr, a hook's own lines) stays in
 * runs.error, which can be corrected; the chain cannot be redacted.
 */
function failedSteps(state: RunState): { failed?: { step: string; code: string }[] } {
  const failed = Object.values(state.steps)
    .filter((s) => s.status === "failed")
    .map((s) => ({ step: s.id, code: /^[^:]+:\d+: ([a-z_]+):/.exec(s.error ?? "")?.[1] ?? "failed" }));
  return failed.length > 0 ? { failed: failed.slice(0, 50) } : {};
}
